//! The tiered cache's decisions: entry times (TTL, jitter, stale windows), freshness and
//! early refresh, store keys and TTLs, the L2 record header, and the counters. The package
//! carries the decisions out (awaits stores and loaders) and reports back. The tag
//! generations an isolate remembers are kept in [`tags`].

pub mod alerts;
pub mod breaker;
pub mod config;
pub mod envelope;
pub mod epoch;
pub mod freshness;
pub mod generation;
pub mod keys;
pub mod latency;
pub mod plan;
pub mod stats;
mod tag_map;
pub mod tags;
pub mod write_queue;

use crate::rng::LazyRng;
use alerts::{Alerts, Rule, Transition};
use breaker::Breakers;
use config::EdgeConfig;
use epoch::Epoch;
use freshness::{Freshness, Horizons};
use stats::EdgeCounters;

/// The largest time a JavaScript `Date` can hold (ms).
pub const MAX_TIME: f64 = 8.64e15;

/// How long a tag's generation record lives in the store after the invalidation that wrote
/// it (ms): 30 days. No tagged entry lives longer, in the store or in memory, so every entry
/// written before an invalidation is gone before that invalidation's record expires (a
/// missing record reads as generation 0, under which such an entry would be current again).
pub const TAG_RECORD_TTL: f64 = 30.0 * 24.0 * 3_600_000.0;

/// An entry's times, from its TTL and the stale windows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EntryTimes {
    /// Logical expiry.
    pub expires: f64,
    /// End of the stale-while-revalidate window.
    pub stale_until: f64,
    /// End of the stale-if-error window (at least `stale_until`).
    pub error_until: f64,
}

/// The decision-making half of an `EdgeCache`.
pub struct EdgeCore {
    config: EdgeConfig,
    rng: LazyRng,
    counters: EdgeCounters,
    alerts: Option<Alerts>,
    breakers: Breakers,
    epoch: Epoch,
}

impl EdgeCore {
    /// A core for a validated configuration.
    pub fn new(config: EdgeConfig) -> Self {
        let breakers = Breakers::new(config.breaker);
        let rng = config.seed.map_or_else(LazyRng::default, LazyRng::seeded);
        let counters = EdgeCounters::new(config.window);
        let alerts = config.alerts.clone().map(Alerts::new);
        let epoch = Epoch::new(config.tag_check_interval());
        EdgeCore {
            epoch,
            config,
            rng,
            counters,
            alerts,
            breakers,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &EdgeConfig {
        &self.config
    }

    /// The store shards' circuit breakers.
    pub fn breakers(&mut self) -> &mut Breakers {
        &mut self.breakers
    }

    /// The namespace's clear epoch.
    pub fn epoch(&mut self) -> &mut Epoch {
        &mut self.epoch
    }

    /// The clear epoch data keys carry now.
    pub fn current_epoch(&self) -> u64 {
        self.epoch.current()
    }

    /// The counters.
    pub fn counters(&mut self) -> &mut EdgeCounters {
        &mut self.counters
    }

    /// Judges the alert rules on the window at `now`, with the memory tier's use of its
    /// bound (`None` without a memory tier): the rules that changed state, and the times
    /// between which they are not due again (the slice of the window holding `now`; for
    /// ever without rules).
    pub fn evaluate_alerts(
        &mut self,
        now: f64,
        memory_usage: Option<f64>,
    ) -> (Vec<Transition>, (f64, f64)) {
        let (Some(alerts), Some(window)) = (self.alerts.as_mut(), self.counters.window(now)) else {
            return (Vec::new(), (f64::NEG_INFINITY, f64::INFINITY));
        };
        let total = window.total();
        let stats = total.snapshot(0);
        let latency = |tier, q| total.histogram(tier).quantile(q);
        let changed = alerts.evaluate(now, &stats, latency, memory_usage);
        (changed, window.slice_bounds(now))
    }

    /// The firing rules: rule, value, threshold, since.
    pub fn firing_alerts(&self) -> Vec<(Rule, f64, f64, f64)> {
        self.alerts
            .as_ref()
            .map(|a| a.firing().collect())
            .unwrap_or_default()
    }

    /// Times of an entry written at `now`. `ttl`, `swr` and `sie` default to the
    /// configuration; `jitter` shortens the TTL by a random fraction up to its value.
    pub fn entry_times(
        &mut self,
        now: f64,
        ttl: Option<f64>,
        swr: Option<f64>,
        sie: Option<f64>,
    ) -> EntryTimes {
        let ttl = ttl.unwrap_or(self.config.ttl);
        let jitter = self.config.jitter;
        let ttl = if jitter > 0.0 {
            ttl * (1.0 - jitter * self.rng.next_f64())
        } else {
            ttl
        };
        // Clamped to the largest JavaScript date, so a huge TTL stays a finite time.
        let expires = (now + ttl).min(MAX_TIME);
        let stale_until =
            (expires + swr.unwrap_or(self.config.stale_while_revalidate)).min(MAX_TIME);
        // max/min, not clamp: clamp's assertion would pull float formatting into the wasm.
        let error_until = (expires + sie.unwrap_or(self.config.stale_if_error))
            .max(stale_until)
            .min(MAX_TIME);
        EntryTimes {
            expires,
            stale_until,
            error_until,
        }
    }

    /// How fresh a value with these horizons is at `now` (draws for early refresh).
    pub fn classify(&mut self, now: f64, horizons: Horizons) -> Freshness {
        freshness::classify(now, horizons, self.config.early_refresh_beta, &mut self.rng)
    }

    /// How long the store should keep a record whose last use is at `horizon`: the time
    /// left, whole milliseconds, raised to the store's minimum.
    pub fn store_ttl(now: f64, horizon: f64, min_ttl: f64, tagged: bool) -> f64 {
        let ttl = (horizon - now).ceil().max(min_ttl).max(1.0);
        if tagged {
            ttl.min(TAG_RECORD_TTL.max(min_ttl))
        } else {
            ttl
        }
    }

    /// How long memory may keep an entry: until its last horizon, at most `memoryTtl` (and
    /// `TAG_RECORD_TTL` when it is tagged).
    pub fn memory_ttl(&self, now: f64, horizon: f64, tagged: bool) -> f64 {
        let left = horizon - now;
        let capped = self.config.memory_ttl.map_or(left, |cap| left.min(cap));
        if tagged {
            capped.min(TAG_RECORD_TTL)
        } else {
            capped
        }
    }
}

/// A core for tests, from numeric options.
#[cfg(test)]
pub(crate) fn test_core(fields: &[(&str, f64)]) -> EdgeCore {
    let fields = fields
        .iter()
        .map(|(k, v)| (k.to_string(), crate::options::OptionValue::Number(*v)))
        .collect();
    EdgeCore::new(EdgeConfig::from_fields(fields).unwrap())
}

#[cfg(test)]
mod tests {
    use super::test_core as core;
    use super::*;

    #[test]
    fn entry_times_use_defaults_and_overrides() {
        let mut c = core(&[
            ("ttl", 100.0),
            ("staleWhileRevalidate", 50.0),
            ("staleIfError", 20.0),
        ]);
        let t = c.entry_times(1000.0, None, None, None);
        assert_eq!(
            t,
            EntryTimes {
                expires: 1100.0,
                stale_until: 1150.0,
                error_until: 1150.0
            }
        );
        let t = c.entry_times(1000.0, Some(10.0), Some(0.0), Some(500.0));
        assert_eq!(
            t,
            EntryTimes {
                expires: 1010.0,
                stale_until: 1010.0,
                error_until: 1510.0
            }
        );
    }

    #[test]
    fn jitter_only_shortens_and_spreads() {
        let mut c = core(&[("ttl", 1000.0), ("jitter", 0.2)]);
        let ttls: Vec<f64> = (0..1000)
            .map(|_| c.entry_times(0.0, None, None, None).expires)
            .collect();
        assert!(ttls.iter().all(|t| (800.0..=1000.0).contains(t)));
        let distinct: std::collections::BTreeSet<u64> = ttls.iter().map(|t| *t as u64).collect();
        assert!(distinct.len() > 100, "spread over many values");
    }

    #[test]
    fn huge_windows_stay_finite() {
        let mut c = core(&[("ttl", 1000.0)]);
        let t = c.entry_times(0.0, Some(1e300), Some(1e300), Some(1e300));
        assert_eq!(
            (t.expires, t.stale_until, t.error_until),
            (MAX_TIME, MAX_TIME, MAX_TIME)
        );
    }

    #[test]
    fn store_and_memory_ttls() {
        assert_eq!(
            EdgeCore::store_ttl(0.0, 1500.4, 60_000.0, false),
            60_000.0,
            "raised to the store's minimum"
        );
        assert_eq!(
            EdgeCore::store_ttl(0.0, 90_000.2, 60_000.0, false),
            90_001.0
        );
        assert_eq!(EdgeCore::store_ttl(5.0, 5.0, 0.0, false), 1.0, "never zero");
        let year = 365.0 * 24.0 * 3_600_000.0;
        assert_eq!(EdgeCore::store_ttl(0.0, year, 0.0, false), year);
        assert_eq!(
            EdgeCore::store_ttl(0.0, year, 0.0, true),
            TAG_RECORD_TTL,
            "tagged: at most the tag record's"
        );
        let c = core(&[("ttl", 1000.0), ("memoryTtl", 300.0)]);
        assert_eq!(c.memory_ttl(0.0, 1000.0, false), 300.0);
        assert_eq!(c.memory_ttl(900.0, 1000.0, false), 100.0);
        assert_eq!(
            core(&[("ttl", 1000.0)]).memory_ttl(0.0, 5000.0, false),
            5000.0,
            "uncapped by default"
        );
        assert_eq!(
            core(&[("ttl", 1000.0)]).memory_ttl(0.0, year, true),
            TAG_RECORD_TTL,
            "a tagged entry in memory too"
        );
    }
}
