//! The plans of a read and a write: what the package does with a value a tier found, and
//! the times a value is written with. Each is decided in one engine call that also counts
//! what it decided, so a memory hit costs one crossing and a miss → load → write a few.

use super::freshness::{Freshness, Horizons};
use super::stats::Event;
use super::{EdgeCore, EntryTimes};

/// What a read does with a value found in memory or in the store (JavaScript's `ReadPlan`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadPlan {
    /// Fresh: serve it.
    Serve,
    /// Fresh, drawn for an early refresh: serve it and refresh in the background.
    ServeAndRefresh,
    /// Past expiry, inside stale-while-revalidate: serve it and refresh in the background.
    ServeStale,
    /// Past that window, inside stale-if-error: read on (store, loader) and keep it to
    /// serve only if that fails.
    ReadOnWithFallback,
    /// Past every window: drop it and read on.
    ReadOn,
}

impl ReadPlan {
    /// Whether the value is served now.
    pub fn serves(self) -> bool {
        matches!(
            self,
            ReadPlan::Serve | ReadPlan::ServeAndRefresh | ReadPlan::ServeStale
        )
    }
}

impl From<Freshness> for ReadPlan {
    fn from(freshness: Freshness) -> ReadPlan {
        match freshness {
            Freshness::Fresh => ReadPlan::Serve,
            Freshness::RefreshEarly => ReadPlan::ServeAndRefresh,
            Freshness::Stale => ReadPlan::ServeStale,
            Freshness::ErrorOnly => ReadPlan::ReadOnWithFallback,
            Freshness::Expired => ReadPlan::ReadOn,
        }
    }
}

/// The tier a read plan is made for (each counts its own hits, stale serves and misses;
/// the package reports latency once the read is answered).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadTier {
    /// The memory tier.
    Memory,
    /// The store tier.
    Store,
}

/// What a write stores: the entry's times, how long memory keeps it, the store's TTL.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WritePlan {
    /// The entry's horizons.
    pub times: EntryTimes,
    /// How long memory keeps the entry (ms); not above 0: memory keeps nothing.
    pub memory_ttl: f64,
    /// The store TTL of the record (ms).
    pub store_ttl: f64,
}

impl EdgeCore {
    /// The plan for a value of `tier` with `horizons` at `now`, counted (hit, stale or
    /// miss of the tier).
    pub fn plan_read(&mut self, tier: ReadTier, now: f64, horizons: Horizons) -> ReadPlan {
        let plan = ReadPlan::from(self.classify(now, horizons));
        let event = match (tier, plan) {
            (ReadTier::Memory, ReadPlan::ServeStale) => Event::MemoryStale,
            (ReadTier::Memory, p) if p.serves() => Event::MemoryHit,
            (ReadTier::Memory, _) => Event::MemoryMiss,
            (ReadTier::Store, ReadPlan::ServeStale) => Event::StoreStale,
            (ReadTier::Store, p) if p.serves() => Event::StoreHit,
            (ReadTier::Store, _) => Event::StoreMiss,
        };
        self.counters().count(event, now);
        plan
    }

    /// Whether a value kept as a fallback (`ReadPlan::ReadOnWithFallback`) is served at
    /// `now` because reading on failed: inside its stale-if-error window (counted).
    pub fn serve_fallback(&mut self, now: f64, error_until: f64) -> bool {
        let serve = now < error_until;
        if serve {
            self.counters().count(Event::StaleIfError, now);
        }
        serve
    }

    /// The plan of a write at `now` with the per-call `ttl`, `swr`, `sie` (defaults from
    /// the configuration), to a store whose minimum TTL is `min_ttl`.
    pub fn plan_write(
        &mut self,
        now: f64,
        ttl: Option<f64>,
        swr: Option<f64>,
        sie: Option<f64>,
        tagged: bool,
        min_ttl: f64,
    ) -> WritePlan {
        let times = self.entry_times(now, ttl, swr, sie);
        WritePlan {
            times,
            memory_ttl: self.memory_ttl(now, times.error_until, tagged),
            store_ttl: EdgeCore::store_ttl(now, times.error_until, min_ttl, tagged),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edge::test_core as core;
    use crate::edge::TAG_RECORD_TTL;

    const H: Horizons = Horizons {
        expires: 100.0,
        stale_until: 150.0,
        error_until: 300.0,
        load_ms: 0.0,
    };

    #[test]
    fn each_window_has_its_plan_and_its_count() {
        let mut c = core(&[]);
        let plans: Vec<ReadPlan> = [50.0, 120.0, 200.0, 400.0]
            .iter()
            .map(|&now| c.plan_read(ReadTier::Memory, now, H))
            .collect();
        assert_eq!(
            plans,
            [
                ReadPlan::Serve,
                ReadPlan::ServeStale,
                ReadPlan::ReadOnWithFallback,
                ReadPlan::ReadOn
            ]
        );
        let s = c.counters().lifetime().snapshot(0);
        assert_eq!(
            (s.memory.hits, s.memory.stale_served, s.memory.misses),
            (1, 1, 2)
        );
        c.plan_read(ReadTier::Store, 50.0, H);
        c.plan_read(ReadTier::Store, 120.0, H);
        c.plan_read(ReadTier::Store, 400.0, H);
        let s = c.counters().lifetime().snapshot(0);
        assert_eq!(
            (s.store.hits, s.store.stale_served, s.store.misses),
            (1, 1, 1)
        );
        assert_eq!(
            (s.memory.latency.count, s.store.latency.count),
            (0, 0),
            "the package reports latency apart"
        );
    }

    #[test]
    fn early_refresh_serves_and_counts_a_hit() {
        let mut c = core(&[("earlyRefresh", 1e9)]);
        let loaded = Horizons {
            load_ms: 1000.0,
            ..H
        };
        assert_eq!(
            c.plan_read(ReadTier::Memory, 99.0, loaded),
            ReadPlan::ServeAndRefresh
        );
        assert_eq!(c.counters().lifetime().snapshot(0).memory.hits, 1);
    }

    #[test]
    fn a_fallback_is_served_inside_its_window_only_and_counted() {
        let mut c = core(&[]);
        assert!(c.serve_fallback(299.0, 300.0));
        assert!(!c.serve_fallback(300.0, 300.0));
        assert!(!c.serve_fallback(f64::NAN, 300.0));
        assert_eq!(c.counters().lifetime().snapshot(0).loader.stale_if_error, 1);
    }

    #[test]
    fn a_write_plan_has_its_times_and_both_ttls() {
        let mut c = core(&[
            ("ttl", 1000.0),
            ("staleIfError", 500.0),
            ("memoryTtl", 200.0),
        ]);
        let p = c.plan_write(0.0, None, None, None, false, 60_000.0);
        assert_eq!((p.times.expires, p.times.error_until), (1000.0, 1500.0));
        assert_eq!((p.memory_ttl, p.store_ttl), (200.0, 60_000.0));
        let year = 365.0 * 24.0 * 3_600_000.0;
        let p = core(&[]).plan_write(0.0, Some(year), None, None, true, 0.0);
        assert_eq!(
            (p.memory_ttl, p.store_ttl),
            (TAG_RECORD_TTL, TAG_RECORD_TTL)
        );
    }
}
