//! A fixed-size latency histogram: quarter-octave buckets from 10 µs to about three hours,
//! so percentiles cost no allocation and no sorting, with at most ~19 % relative error.

/// Buckets per doubling of latency.
const PER_OCTAVE: f64 = 4.0;
/// Number of buckets (30 octaves).
const BUCKETS: usize = 120;
/// The smallest latency told apart (ms).
const FLOOR_MS: f64 = 0.01;

/// Counts of latencies by bucket.
#[derive(Clone)]
pub struct Histogram {
    counts: [u64; BUCKETS],
    total: u64,
    max: f64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: [0; BUCKETS],
            total: 0,
            max: 0.0,
        }
    }
}

/// Percentiles of a histogram, in milliseconds (0 when empty).
#[derive(Clone, Debug, PartialEq)]
pub struct Percentiles {
    /// Samples recorded.
    pub count: u64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest sample.
    pub max: f64,
}

impl Percentiles {
    /// count, p50, p95, p99, max.
    pub fn to_array(&self) -> [f64; 5] {
        [self.count as f64, self.p50, self.p95, self.p99, self.max]
    }
}

fn bucket(ms: f64) -> usize {
    // NaN lands in the first bucket too.
    if ms.is_nan() || ms <= FLOOR_MS {
        return 0;
    }
    let b = ((ms / FLOOR_MS).log2() * PER_OCTAVE).ceil();
    (b as usize).min(BUCKETS - 1)
}

/// The upper bound of a bucket (ms).
fn upper(b: usize) -> f64 {
    FLOOR_MS * (b as f64 / PER_OCTAVE).exp2()
}

impl Histogram {
    /// Records one latency (negative or NaN counts as 0).
    pub fn record(&mut self, ms: f64) {
        let ms = if ms.is_finite() && ms > 0.0 { ms } else { 0.0 };
        if let Some(c) = self.counts.get_mut(bucket(ms)) {
            *c += 1;
        }
        self.total += 1;
        self.max = self.max.max(ms);
    }

    /// The latency below which `q` (0..1) of the samples fall, as a bucket's upper bound
    /// (capped by the largest sample).
    pub fn quantile(&self, q: f64) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        let rank = ((q * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (b, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return upper(b).min(self.max);
            }
        }
        self.max
    }

    /// p50, p95, p99 and max.
    pub fn percentiles(&self) -> Percentiles {
        Percentiles {
            count: self.total,
            p50: self.quantile(0.5),
            p95: self.quantile(0.95),
            p99: self.quantile(0.99),
            max: self.max,
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Against the exact sorted quantile: never below it, at most one bucket above.
        #[test]
        fn quantiles_bound_the_exact_ones(samples in prop::collection::vec(0.0f64..100_000.0, 1..500), q in 0.01f64..1.0) {
            let mut h = Histogram::default();
            for &s in &samples { h.record(s); }
            let mut sorted = samples.clone();
            sorted.sort_by(f64::total_cmp);
            let exact = sorted[((q * sorted.len() as f64).ceil() as usize).max(1) - 1];
            let got = h.quantile(q);
            prop_assert!(got >= exact.min(FLOOR_MS) - 1e-9, "got {} exact {}", got, exact);
            prop_assert!(got <= (exact * 2f64.powf(0.25)).max(FLOOR_MS) + 1e-9, "got {} exact {}", got, exact);
        }
    }

    #[test]
    fn empty_and_extreme_samples() {
        let mut h = Histogram::default();
        assert_eq!(h.percentiles().p99, 0.0);
        h.record(f64::NAN);
        h.record(-3.0);
        h.record(1e12);
        assert_eq!(h.percentiles().count, 3);
        assert_eq!(h.quantile(1.0), 1e12_f64.min(upper(BUCKETS - 1)));
    }
}
