//! Counters of the tiered cache, per tier, and the snapshot `stats()` returns.

use super::latency::{Histogram, Percentiles};

/// Things the package counts (JavaScript names them with `Count`, src/wasm/codes.rs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Served fresh from memory.
    MemoryHit,
    /// Memory had nothing usable.
    MemoryMiss,
    /// Served stale from memory.
    MemoryStale,
    /// Served fresh from the store.
    StoreHit,
    /// The store had nothing usable.
    StoreMiss,
    /// Served stale from the store.
    StoreStale,
    /// A store call failed.
    StoreError,
    /// A store call was abandoned after `timeout`.
    StoreTimeout,
    /// A record failed to parse or carried another key (and was deleted).
    StoreCorrupt,
    /// A store hit was copied into memory.
    Backfill,
    /// The loader was called.
    Load,
    /// The loader failed.
    LoadError,
    /// A value was written to the store.
    StoreWrite,
    /// A write to the store failed.
    StoreWriteError,
    /// A background refresh started.
    Refresh,
    /// A stale value was served because loading failed.
    StaleIfError,
}

/// Which tier a latency sample belongs to (JavaScript names them with `Tier`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tier {
    /// The in-isolate memory tier.
    Memory,
    /// The KV store(s).
    Store,
    /// The caller's loader (origin).
    Loader,
}

/// Running counters and latency histograms.
#[derive(Default)]
pub struct EdgeCounters {
    counts: [u64; 16],
    latency: [Histogram; 3],
}

impl EdgeCounters {
    /// Counts one event.
    pub fn count(&mut self, event: Event) {
        if let Some(c) = self.counts.get_mut(event as usize) {
            *c += 1;
        }
    }

    /// Records a latency sample for a tier.
    pub fn latency(&mut self, tier: Tier, ms: f64) {
        if let Some(h) = self.latency.get_mut(tier as usize) {
            h.record(ms);
        }
    }

    fn get(&self, event: Event) -> u64 {
        self.counts.get(event as usize).copied().unwrap_or(0)
    }

    fn tier_latency(&self, tier: Tier) -> Percentiles {
        self.latency
            .get(tier as usize)
            .map(Histogram::percentiles)
            .unwrap_or_else(|| Histogram::default().percentiles())
    }

    /// A snapshot; `in_flight` is the number of loads running now.
    pub fn snapshot(&self, in_flight: u64) -> EdgeStats {
        use Event::*;
        let rate = |hits: u64, misses: u64| {
            if hits + misses == 0 {
                0.0
            } else {
                hits as f64 / (hits + misses) as f64
            }
        };
        let (mh, mm, ms) = (
            self.get(MemoryHit),
            self.get(MemoryMiss),
            self.get(MemoryStale),
        );
        let (sh, sm, ss) = (
            self.get(StoreHit),
            self.get(StoreMiss),
            self.get(StoreStale),
        );
        EdgeStats {
            memory: MemoryTierStats {
                hits: mh,
                misses: mm,
                stale_served: ms,
                hit_rate: rate(mh + ms, mm),
                backfills: self.get(Backfill),
                latency: self.tier_latency(Tier::Memory),
            },
            store: StoreTierStats {
                hits: sh,
                misses: sm,
                stale_served: ss,
                hit_rate: rate(sh + ss, sm),
                errors: self.get(StoreError),
                timeouts: self.get(StoreTimeout),
                corrupt: self.get(StoreCorrupt),
                writes: self.get(StoreWrite),
                write_errors: self.get(StoreWriteError),
                latency: self.tier_latency(Tier::Store),
            },
            loader: LoaderStats {
                loads: self.get(Load),
                errors: self.get(LoadError),
                in_flight,
                refreshes: self.get(Refresh),
                stale_if_error: self.get(StaleIfError),
                latency: self.tier_latency(Tier::Loader),
            },
        }
    }
}

/// `EdgeCache.stats()` (the package nests the numbers of [`EdgeStats::fields`] by their
/// names and adds the memory tier's own `MemoryCache` stats).
#[derive(Clone, Debug, PartialEq)]
pub struct EdgeStats {
    /// The memory tier as seen by the tiered reads.
    pub memory: MemoryTierStats,
    /// The store tier.
    pub store: StoreTierStats,
    /// The loader (origin).
    pub loader: LoaderStats,
}

impl EdgeStats {
    /// Every number with its name as JavaScript's `stats()` shows it (`"store.corrupt"`,
    /// `"memory.latency.p99"`): the one list the package reads names and numbers from.
    pub fn fields(&self) -> [(&'static str, f64); 34] {
        let (m, s, l) = (&self.memory, &self.store, &self.loader);
        let [mc, m50, m95, m99, mmax] = m.latency.to_array();
        let [sc, s50, s95, s99, smax] = s.latency.to_array();
        let [lc, l50, l95, l99, lmax] = l.latency.to_array();
        [
            ("memory.hits", m.hits as f64),
            ("memory.misses", m.misses as f64),
            ("memory.staleServed", m.stale_served as f64),
            ("memory.hitRate", m.hit_rate),
            ("memory.backfills", m.backfills as f64),
            ("memory.latency.count", mc),
            ("memory.latency.p50", m50),
            ("memory.latency.p95", m95),
            ("memory.latency.p99", m99),
            ("memory.latency.max", mmax),
            ("store.hits", s.hits as f64),
            ("store.misses", s.misses as f64),
            ("store.staleServed", s.stale_served as f64),
            ("store.hitRate", s.hit_rate),
            ("store.errors", s.errors as f64),
            ("store.timeouts", s.timeouts as f64),
            ("store.corrupt", s.corrupt as f64),
            ("store.writes", s.writes as f64),
            ("store.writeErrors", s.write_errors as f64),
            ("store.latency.count", sc),
            ("store.latency.p50", s50),
            ("store.latency.p95", s95),
            ("store.latency.p99", s99),
            ("store.latency.max", smax),
            ("loader.loads", l.loads as f64),
            ("loader.errors", l.errors as f64),
            ("loader.inFlight", l.in_flight as f64),
            ("loader.refreshes", l.refreshes as f64),
            ("loader.staleIfError", l.stale_if_error as f64),
            ("loader.latency.count", lc),
            ("loader.latency.p50", l50),
            ("loader.latency.p95", l95),
            ("loader.latency.p99", l99),
            ("loader.latency.max", lmax),
        ]
    }
}

/// Memory-tier counters of tiered reads.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryTierStats {
    /// Served fresh.
    pub hits: u64,
    /// Nothing usable.
    pub misses: u64,
    /// Served stale.
    pub stale_served: u64,
    /// (hits + stale) / reads.
    pub hit_rate: f64,
    /// Store hits copied into memory.
    pub backfills: u64,
    /// Time to answer reads served from memory.
    pub latency: Percentiles,
}

/// Store-tier counters.
#[derive(Clone, Debug, PartialEq)]
pub struct StoreTierStats {
    /// Served fresh.
    pub hits: u64,
    /// Nothing usable.
    pub misses: u64,
    /// Served stale.
    pub stale_served: u64,
    /// (hits + stale) / reads.
    pub hit_rate: f64,
    /// Failed calls.
    pub errors: u64,
    /// Abandoned calls.
    pub timeouts: u64,
    /// Records that failed to parse or carried another key.
    pub corrupt: u64,
    /// Values written.
    pub writes: u64,
    /// Failed writes.
    pub write_errors: u64,
    /// Time of store reads.
    pub latency: Percentiles,
}

/// Loader counters.
#[derive(Clone, Debug, PartialEq)]
pub struct LoaderStats {
    /// Loader calls.
    pub loads: u64,
    /// Failed loader calls.
    pub errors: u64,
    /// Loads running now.
    pub in_flight: u64,
    /// Background refreshes started.
    pub refreshes: u64,
    /// Stale values served because loading failed.
    pub stale_if_error: u64,
    /// Time of loader calls.
    pub latency: Percentiles,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_has_a_counter() {
        assert_eq!(
            Event::StaleIfError as usize + 1,
            EdgeCounters::default().counts.len()
        );
        assert_eq!(
            Tier::Loader as usize + 1,
            EdgeCounters::default().latency.len()
        );
    }

    #[test]
    fn snapshot_counts_and_rates() {
        let mut c = EdgeCounters::default();
        for e in [
            Event::MemoryHit,
            Event::MemoryHit,
            Event::MemoryStale,
            Event::MemoryMiss,
            Event::StoreMiss,
        ] {
            c.count(e);
        }
        c.latency(Tier::Store, 5.0);
        let s = c.snapshot(2);
        assert_eq!(
            (s.memory.hits, s.memory.stale_served, s.memory.misses),
            (2, 1, 1)
        );
        assert_eq!(s.memory.hit_rate, 0.75);
        assert_eq!(
            (s.store.hit_rate, s.store.latency.count, s.loader.in_flight),
            (0.0, 1, 2)
        );
    }
}
