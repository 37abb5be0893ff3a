//! Circuit breakers, one per store shard: a shard that keeps failing is skipped for a
//! cool-down, then tried once (half-open) before it is trusted again.

/// The state of one shard's breaker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// Calls are skipped until the cool-down ends.
    Open,
    /// The cool-down ended: one trial call is let through.
    HalfOpen,
}

/// Failure threshold and cool-down shared by every shard's breaker.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BreakerPolicy {
    /// Consecutive failures that open the breaker.
    pub failures: u32,
    /// How long an open breaker skips the shard (ms).
    pub cooldown: f64,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        BreakerPolicy {
            failures: 5,
            cooldown: 30_000.0,
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Shard {
    consecutive_failures: u32,
    open_until: Option<f64>,
    trial_running: bool,
}

/// The breakers of every shard, by shard index.
#[derive(Default)]
pub struct Breakers {
    policy: BreakerPolicy,
    shards: Vec<Shard>,
}

impl Breakers {
    /// Breakers following `policy`.
    pub fn new(policy: BreakerPolicy) -> Self {
        Breakers {
            policy,
            shards: Vec::new(),
        }
    }

    fn shard(&mut self, index: u32) -> Option<&mut Shard> {
        let i = index as usize;
        if i >= self.shards.len() && i < 1 << 16 {
            self.shards.resize(i + 1, Shard::default());
        }
        self.shards.get_mut(i)
    }

    /// The state of shard `index` at `now`.
    pub fn state(&self, index: u32, now: f64) -> BreakerState {
        match self.shards.get(index as usize).and_then(|s| s.open_until) {
            None => BreakerState::Closed,
            Some(until) if now < until => BreakerState::Open,
            Some(_) => BreakerState::HalfOpen,
        }
    }

    /// Whether a call to shard `index` may go out now (a half-open shard lets one through).
    pub fn allow(&mut self, index: u32, now: f64) -> bool {
        let state = self.state(index, now);
        let Some(shard) = self.shard(index) else {
            return true;
        };
        match state {
            BreakerState::Closed => true,
            BreakerState::Open => false,
            BreakerState::HalfOpen if shard.trial_running => false,
            BreakerState::HalfOpen => {
                shard.trial_running = true;
                true
            }
        }
    }

    /// Records the outcome of a call to shard `index`.
    pub fn record(&mut self, index: u32, ok: bool, now: f64) {
        let policy = self.policy;
        let Some(shard) = self.shard(index) else {
            return;
        };
        let was_trial = shard.trial_running;
        shard.trial_running = false;
        if ok {
            *shard = Shard::default();
            return;
        }
        shard.consecutive_failures = shard.consecutive_failures.saturating_add(1);
        if was_trial || shard.consecutive_failures >= policy.failures {
            shard.open_until = Some(now + policy.cooldown);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_failures_then_half_opens_after_the_cooldown() {
        let mut b = Breakers::new(BreakerPolicy {
            failures: 3,
            cooldown: 100.0,
        });
        for _ in 0..2 {
            assert!(b.allow(1, 0.0));
            b.record(1, false, 0.0);
        }
        assert_eq!(b.state(1, 0.0), BreakerState::Closed);
        b.record(1, false, 10.0);
        assert_eq!(b.state(1, 10.0), BreakerState::Open);
        assert!(!b.allow(1, 50.0), "skipped while open");
        assert!(b.allow(0, 50.0), "other shards unaffected");
        assert!(b.allow(1, 110.0), "one trial after the cool-down");
        assert!(!b.allow(1, 110.0), "only one");
        b.record(1, false, 111.0);
        assert_eq!(
            b.state(1, 150.0),
            BreakerState::Open,
            "a failed trial opens it again"
        );
        assert!(b.allow(1, 211.0));
        b.record(1, true, 211.0);
        assert_eq!(b.state(1, 211.0), BreakerState::Closed);
        assert!(b.allow(1, 212.0));
    }

    #[test]
    fn a_success_resets_the_count() {
        let mut b = Breakers::new(BreakerPolicy {
            failures: 2,
            cooldown: 100.0,
        });
        b.record(0, false, 0.0);
        b.record(0, true, 0.0);
        b.record(0, false, 0.0);
        assert_eq!(b.state(0, 0.0), BreakerState::Closed);
        assert!(b.allow(u32::MAX, 0.0), "an absurd index is simply allowed");
    }
}
