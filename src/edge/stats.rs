//! Counters of the tiered cache, per tier, and the snapshot `stats()` returns.

use super::latency::{Histogram, Percentiles};

/// Things the package counts, by the code it passes to `count`.
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

impl Event {
    /// The event for a code from JavaScript (see `pkg/src/edge/codes.js`).
    pub fn from_code(code: u32) -> Option<Event> {
        use Event::*;
        const ALL: [Event; 16] = [
            MemoryHit,
            MemoryMiss,
            MemoryStale,
            StoreHit,
            StoreMiss,
            StoreStale,
            StoreError,
            StoreTimeout,
            StoreCorrupt,
            Backfill,
            Load,
            LoadError,
            StoreWrite,
            StoreWriteError,
            Refresh,
            StaleIfError,
        ];
        ALL.get(code as usize).copied()
    }
}

/// Which tier a latency sample belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tier {
    /// The in-isolate memory tier.
    Memory,
    /// The KV store(s).
    Store,
    /// The caller's loader (origin).
    Loader,
}

impl Tier {
    /// The tier for a code from JavaScript: 0 memory, 1 store, 2 loader.
    pub fn from_code(code: u32) -> Option<Tier> {
        [Tier::Memory, Tier::Store, Tier::Loader]
            .get(code as usize)
            .copied()
    }
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

/// `EdgeCache.stats()` (the package adds the memory tier's own `MemoryCache` stats and
/// names the numbers of [`EdgeStats::to_array`]).
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
    /// The numbers in the order `pkg/src/edge/cache.js` names them: memory (hits, misses,
    /// staleServed, hitRate, backfills, latency), store (hits, misses, staleServed,
    /// hitRate, errors, timeouts, corrupt, writes, writeErrors, latency), loader (loads,
    /// errors, inFlight, refreshes, staleIfError, latency); each latency is count, p50,
    /// p95, p99, max.
    pub fn to_array(&self) -> Vec<f64> {
        let (m, s, l) = (&self.memory, &self.store, &self.loader);
        let mut out = vec![
            m.hits as f64,
            m.misses as f64,
            m.stale_served as f64,
            m.hit_rate,
            m.backfills as f64,
        ];
        out.extend(m.latency.to_array());
        out.extend([s.hits, s.misses, s.stale_served].map(|n| n as f64));
        out.push(s.hit_rate);
        out.extend([s.errors, s.timeouts, s.corrupt, s.writes, s.write_errors].map(|n| n as f64));
        out.extend(s.latency.to_array());
        out.extend(
            [
                l.loads,
                l.errors,
                l.in_flight,
                l.refreshes,
                l.stale_if_error,
            ]
            .map(|n| n as f64),
        );
        out.extend(l.latency.to_array());
        out
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
    fn codes_map_to_events_in_order() {
        assert_eq!(Event::from_code(0), Some(Event::MemoryHit));
        assert_eq!(Event::from_code(15), Some(Event::StaleIfError));
        assert_eq!(Event::from_code(16), None);
        assert_eq!(Tier::from_code(2), Some(Tier::Loader));
        assert_eq!(Tier::from_code(3), None);
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
