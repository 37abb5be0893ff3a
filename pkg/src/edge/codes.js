// Codes shared with the Rust engine (src/edge/stats.rs, src/edge/freshness.rs).

/** Counter codes for `EdgeEngine.count`, in the order of `Event` in src/edge/stats.rs. */
export const Count = Object.freeze({
  MemoryHit: 0,
  MemoryMiss: 1,
  MemoryStale: 2,
  StoreHit: 3,
  StoreMiss: 4,
  StoreStale: 5,
  StoreError: 6,
  StoreTimeout: 7,
  StoreCorrupt: 8,
  Backfill: 9,
  Load: 10,
  LoadError: 11,
  StoreWrite: 12,
  StoreWriteError: 13,
  Refresh: 14,
  StaleIfError: 15,
});

/** Freshness codes returned by `EdgeEngine.classify`. */
export const Fresh = Object.freeze({ Fresh: 0, RefreshEarly: 1, Stale: 2, ErrorOnly: 3, Expired: 4 });

/** Tier codes for `EdgeEngine.latency`. */
export const Tier = Object.freeze({ Memory: 0, Store: 1, Loader: 2 });
