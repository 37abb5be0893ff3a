//! A fixed-size latency histogram: quarter-octave buckets from 10 µs to about three hours,
//! so percentiles cost no allocation and no sorting, with at most ~19 % relative error.
//! Every histogram has the same buckets, so histograms merge by adding: the percentiles of
//! two merged histograms are those of one histogram fed both streams.

/// Buckets per doubling of latency.
const PER_OCTAVE: f64 = 4.0;
/// Number of buckets (30 octaves).
pub const BUCKETS: usize = 120;
/// The smallest latency told apart (ms).
const FLOOR_MS: f64 = 0.01;

/// Counts of latencies by bucket.
#[derive(Clone)]
pub struct Histogram {
    counts: [u64; BUCKETS],
    total: u64,
    sum: f64,
    max: f64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: [0; BUCKETS],
            total: 0,
            sum: 0.0,
            max: 0.0,
        }
    }
}

/// A latency sample and its bucket.
#[derive(Clone, Copy)]
pub struct Sample {
    bucket: usize,
    ms: f64,
}

impl Sample {
    /// A latency in ms (negative or NaN counts as 0).
    pub fn of(ms: f64) -> Sample {
        let ms = if ms.is_finite() && ms > 0.0 { ms } else { 0.0 };
        Sample {
            bucket: bucket(ms),
            ms,
        }
    }
}

/// Percentiles of a histogram, in milliseconds (0 when empty).
#[derive(Clone, Debug, PartialEq)]
pub struct Percentiles {
    /// Samples recorded.
    pub count: u64,
    /// Their total (ms).
    pub sum: f64,
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
    /// count, sum, p50, p95, p99, max.
    pub fn to_array(&self) -> [f64; 6] {
        [
            self.count as f64,
            self.sum,
            self.p50,
            self.p95,
            self.p99,
            self.max,
        ]
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
pub fn upper(b: usize) -> f64 {
    FLOOR_MS * (b as f64 / PER_OCTAVE).exp2()
}

impl Histogram {
    /// Records one latency (negative or NaN counts as 0).
    pub fn record(&mut self, ms: f64) {
        self.add(Sample::of(ms));
    }

    /// Records one sample (bucketed once for every histogram it goes into).
    pub fn add(&mut self, sample: Sample) {
        if let Some(c) = self.counts.get_mut(sample.bucket) {
            *c += 1;
        }
        self.total += 1;
        self.sum += sample.ms;
        self.max = self.max.max(sample.ms);
    }

    /// Adds `other`'s samples to these.
    pub fn merge(&mut self, other: &Histogram) {
        for (c, o) in self.counts.iter_mut().zip(other.counts.iter()) {
            *c = c.saturating_add(*o);
        }
        self.total = self.total.saturating_add(other.total);
        self.sum += other.sum;
        self.max = self.max.max(other.max);
    }

    /// Samples per bucket, up to the last bucket holding any.
    pub fn buckets(&self) -> &[u64] {
        let used = self
            .counts
            .iter()
            .rposition(|&c| c > 0)
            .map_or(0, |b| b + 1);
        self.counts.get(..used).unwrap_or_default()
    }

    /// The histogram as numbers: sum, max, then the samples per bucket ([`Histogram::buckets`]).
    pub fn to_numbers(&self, out: &mut Vec<f64>) {
        let buckets = self.buckets();
        out.extend([buckets.len() as f64, self.sum, self.max]);
        out.extend(buckets.iter().map(|&c| c as f64));
    }

    /// A histogram from the numbers [`Histogram::to_numbers`] wrote at the start of `input`,
    /// and the numbers after them; `None` when they are not such numbers.
    pub fn from_numbers(input: &[f64]) -> Option<(Histogram, &[f64])> {
        let (&len, rest) = input.split_first()?;
        let (&sum, rest) = rest.split_first()?;
        let (&max, rest) = rest.split_first()?;
        let len = count_of(len).filter(|&n| n <= BUCKETS as u64)? as usize;
        if rest.len() < len || !(sum >= 0.0 && max >= 0.0) {
            return None;
        }
        let (buckets, rest) = rest.split_at(len);
        let mut h = Histogram {
            sum,
            max,
            ..Histogram::default()
        };
        for (c, &n) in h.counts.iter_mut().zip(buckets) {
            *c = count_of(n)?;
            h.total += *c;
        }
        Some((h, rest))
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
            sum: self.sum,
            p50: self.quantile(0.5),
            p95: self.quantile(0.95),
            p99: self.quantile(0.99),
            max: self.max,
        }
    }
}

/// A count read from a number: a whole number from 0 to 2^53.
pub fn count_of(n: f64) -> Option<u64> {
    ((0.0..=9_007_199_254_740_992.0).contains(&n) && n.fract() == 0.0).then_some(n as u64)
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

    proptest! {
        /// Merging two histograms gives the percentiles of one fed both streams, and the
        /// numbers form reads back as the same histogram.
        #[test]
        fn merged_is_one_fed_both(a in prop::collection::vec(0.0f64..100_000.0, 0..200), b in prop::collection::vec(0.0f64..100_000.0, 0..200)) {
            let (mut ha, mut hb, mut both) = (Histogram::default(), Histogram::default(), Histogram::default());
            for &s in &a { ha.record(s); both.record(s); }
            for &s in &b { hb.record(s); both.record(s); }
            ha.merge(&hb);
            let (m, o) = (ha.percentiles(), both.percentiles());
            prop_assert_eq!((m.count, m.p50, m.p95, m.p99, m.max), (o.count, o.p50, o.p95, o.p99, o.max));
            prop_assert!((m.sum - o.sum).abs() <= 1e-6 * o.sum.max(1.0));
            let mut numbers = Vec::new();
            both.to_numbers(&mut numbers);
            numbers.push(7.0);
            let (back, rest) = Histogram::from_numbers(&numbers).unwrap();
            prop_assert_eq!(back.percentiles(), both.percentiles());
            prop_assert_eq!(rest, &[7.0][..]);
        }
    }

    #[test]
    fn numbers_that_are_no_histogram_are_refused() {
        for bad in [
            &[][..],
            &[1.0, 0.0][..],
            &[2.0, 0.0, 0.0, 1.0][..],
            &[1.0, -1.0, 0.0, 1.0][..],
            &[1.0, 0.0, 0.0, 0.5][..],
            &[121.0, 0.0, 0.0][..],
            &[f64::NAN, 0.0, 0.0][..],
        ] {
            assert!(Histogram::from_numbers(bad).is_none(), "{bad:?}");
        }
    }
}
