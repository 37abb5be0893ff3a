//! Counters of the tiered cache, per tier, and the snapshot `stats()` returns.

use super::latency::{count_of, Histogram, Percentiles, Sample};

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
    /// A store read was abandoned after `timeout`.
    StoreTimeout,
    /// A record failed to parse or carried another key (and was deleted).
    StoreCorrupt,
    /// A store hit was copied into memory.
    Backfill,
    /// The loader was called.
    Load,
    /// The loader failed.
    LoadError,
    /// A record was written to or deleted from the store.
    StoreWrite,
    /// A write to the store failed.
    StoreWriteError,
    /// A background refresh started.
    Refresh,
    /// A stale value was served because loading failed.
    StaleIfError,
    /// A read of a cache without a memory tier (with one, memory's plans count reads).
    Read,
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

/// How many slices a window is kept in: the oldest slice leaves whole, so the window
/// covers between 11/12 and all of its length.
pub const SLICES: usize = 12;

/// Counts and latency histograms of one stretch of time; they add up (see [`Tally::merge`]).
#[derive(Clone, Default)]
pub struct Tally {
    counts: [u64; 17],
    latency: [Histogram; 3],
}

impl Tally {
    fn count(&mut self, event: Event) {
        if let Some(c) = self.counts.get_mut(event as usize) {
            *c += 1;
        }
    }

    fn record(&mut self, tier: Tier, sample: Sample) {
        if let Some(h) = self.latency.get_mut(tier as usize) {
            h.add(sample);
        }
    }

    /// Adds `other`'s counts and samples to these.
    pub fn merge(&mut self, other: &Tally) {
        for (c, o) in self.counts.iter_mut().zip(other.counts) {
            *c = c.saturating_add(o);
        }
        for (h, o) in self.latency.iter_mut().zip(other.latency.iter()) {
            h.merge(o);
        }
    }

    fn get(&self, event: Event) -> u64 {
        self.counts.get(event as usize).copied().unwrap_or(0)
    }

    /// A tier's latency histogram.
    pub fn histogram(&self, tier: Tier) -> &Histogram {
        let [memory, store, loader] = &self.latency;
        match tier {
            Tier::Memory => memory,
            Tier::Store => store,
            Tier::Loader => loader,
        }
    }

    /// The tally as numbers, to merge in another isolate ([`Tally::from_numbers`]).
    pub fn to_numbers(&self) -> Vec<f64> {
        let mut out: Vec<f64> = self.counts.iter().map(|&c| c as f64).collect();
        for h in &self.latency {
            h.to_numbers(&mut out);
        }
        out
    }

    /// A tally from [`Tally::to_numbers`]'s numbers; `None` when they are not such numbers.
    pub fn from_numbers(numbers: &[f64]) -> Option<Tally> {
        Tally::read(numbers).and_then(|(tally, rest)| rest.is_empty().then_some(tally))
    }

    /// A tally from [`Tally::to_numbers`]'s numbers at the start of `numbers`, and the
    /// numbers after them; `None` when they are not such numbers.
    pub fn read(numbers: &[f64]) -> Option<(Tally, &[f64])> {
        let mut tally = Tally::default();
        let (counts, mut rest) = numbers.split_at_checked(tally.counts.len())?;
        for (c, &n) in tally.counts.iter_mut().zip(counts) {
            *c = count_of(n)?;
        }
        for h in &mut tally.latency {
            let (read, after) = Histogram::from_numbers(rest)?;
            *h = read;
            rest = after;
        }
        Some((tally, rest))
    }

    /// A snapshot; `in_flight` is the number of loads running now.
    pub fn snapshot(&self, in_flight: u64) -> EdgeStats {
        use Event::*;
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
        let (store_errors, timeouts) = (self.get(StoreError), self.get(StoreTimeout));
        let (writes, write_errors) = (self.get(StoreWrite), self.get(StoreWriteError));
        let (loads, load_errors) = (self.get(Load), self.get(LoadError));
        let store_latency = self.histogram(Tier::Store).percentiles();
        // Every read asks memory first when there is a memory tier; without one, it is
        // counted as a `Read`.
        let memory_reads = mh + ms + mm;
        let reads = memory_reads + self.get(Read);
        let failures = store_errors + timeouts + write_errors + load_errors;
        let calls = store_latency.count + writes + write_errors + loads;
        EdgeStats {
            hit_rate: rate(mh + ms + sh + ss, reads),
            error_rate: rate(failures, calls),
            reads,
            calls,
            memory: MemoryTierStats {
                hits: mh,
                misses: mm,
                stale_served: ms,
                hit_rate: rate(mh + ms, memory_reads),
                backfills: self.get(Backfill),
                latency: self.histogram(Tier::Memory).percentiles(),
            },
            store: StoreTierStats {
                hits: sh,
                misses: sm,
                stale_served: ss,
                hit_rate: rate(sh + ss, sh + ss + sm),
                errors: store_errors,
                timeouts,
                corrupt: self.get(StoreCorrupt),
                writes,
                write_errors,
                latency: store_latency,
            },
            loader: LoaderStats {
                loads,
                errors: load_errors,
                in_flight,
                refreshes: self.get(Refresh),
                stale_if_error: self.get(StaleIfError),
                latency: self.histogram(Tier::Loader).percentiles(),
            },
        }
    }
}

/// `part / whole`, 0 when `whole` is 0.
fn rate(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The last `length` ms of counts, in [`SLICES`] slices on the caller's clock.
pub struct Window {
    slices: Vec<Tally>,
    slice_ms: f64,
    /// The number of the newest slice (`floor(now / slice_ms)`); `None` before any count.
    newest: Option<i64>,
    /// The times the newest slice covers, from and until, and where it is: what most
    /// counts need, found without dividing.
    newest_span: (f64, f64, usize),
}

impl Window {
    /// A window `length` ms long (positive).
    pub fn new(length: f64) -> Self {
        Window {
            slices: vec![Tally::default(); SLICES],
            slice_ms: length / SLICES as f64,
            newest: None,
            newest_span: (f64::INFINITY, f64::NEG_INFINITY, 0),
        }
    }

    /// The window's length (ms).
    pub fn length(&self) -> f64 {
        self.slice_ms * SLICES as f64
    }

    /// When the slice holding `now` begins and when the next one does.
    pub fn slice_bounds(&self, now: f64) -> (f64, f64) {
        let number = (now / self.slice_ms).floor();
        (number * self.slice_ms, (number + 1.0) * self.slice_ms)
    }

    /// Moves the window to `now`, the clock's present reading. A clock gone back by less
    /// than the window leaves it where it is; by more (or after one reading far ahead), the
    /// window starts afresh at `now`.
    pub fn advance(&mut self, now: f64) {
        let Some(number) = slice_number(now, self.slice_ms) else {
            return;
        };
        let newest = match self.newest {
            Some(newest) if number <= newest && newest - number < SLICES as i64 => return,
            Some(newest) if number > newest => newest,
            _ => number - SLICES as i64,
        };
        let dropped = (number - newest).min(SLICES as i64);
        for step in 0..dropped {
            if let Some(slice) = self.slices.get_mut(ring_index(number - step)) {
                *slice = Tally::default();
            }
        }
        self.newest = Some(number);
        let from = number as f64 * self.slice_ms;
        self.newest_span = (from, from + self.slice_ms, ring_index(number));
    }

    /// The slice counting what happened at `at`; `None` when `at` is older than the
    /// window. `present`: `at` is the clock's present reading (the window moves to it);
    /// else a report of the past (the window only moves forward to it).
    fn slice_at(&mut self, at: f64, present: bool) -> Option<&mut Tally> {
        let (from, until, newest) = self.newest_span;
        if at >= from && at < until {
            return self.slices.get_mut(newest);
        }
        let number = slice_number(at, self.slice_ms)?;
        if present || self.newest.is_none_or(|newest| number > newest) {
            self.advance(at);
        }
        let newest = self.newest?;
        (number <= newest && newest - number < SLICES as i64)
            .then(|| self.slices.get_mut(ring_index(number)))?
    }

    /// Everything in the window.
    pub fn total(&self) -> Tally {
        let mut sum = Tally::default();
        for slice in &self.slices {
            sum.merge(slice);
        }
        sum
    }
}

/// The number of the slice holding `at`; `None` for a time that is not a finite number.
fn slice_number(at: f64, slice_ms: f64) -> Option<i64> {
    let n = (at / slice_ms).floor();
    n.is_finite().then_some(n as i64)
}

fn ring_index(number: i64) -> usize {
    number.rem_euclid(SLICES as i64) as usize
}

/// Lifetime counts, and the sliding window's when the cache keeps one.
pub struct EdgeCounters {
    lifetime: Tally,
    window: Option<Window>,
}

impl EdgeCounters {
    /// Counters with a window `window` ms long, or none.
    pub fn new(window: Option<f64>) -> Self {
        EdgeCounters {
            lifetime: Tally::default(),
            window: window.map(Window::new),
        }
    }

    /// Counts one event happening now, at the clock's present reading `now`.
    pub fn count(&mut self, event: Event, now: f64) {
        self.lifetime.count(event);
        if let Some(slice) = self.window.as_mut().and_then(|w| w.slice_at(now, true)) {
            slice.count(event);
        }
    }

    /// Counts one event reported to have happened at `at`.
    pub fn count_reported(&mut self, event: Event, at: f64) {
        self.lifetime.count(event);
        if let Some(slice) = self.window.as_mut().and_then(|w| w.slice_at(at, false)) {
            slice.count(event);
        }
    }

    /// Records a latency sample of a tier reported to have been taken at `at`.
    pub fn latency(&mut self, tier: Tier, ms: f64, at: f64) {
        let sample = Sample::of(ms);
        self.lifetime.record(tier, sample);
        if let Some(slice) = self.window.as_mut().and_then(|w| w.slice_at(at, false)) {
            slice.record(tier, sample);
        }
    }

    /// Everything counted.
    pub fn lifetime(&self) -> &Tally {
        &self.lifetime
    }

    /// The window, moved to `now`; `None` without one.
    pub fn window(&mut self, now: f64) -> Option<&Window> {
        let window = self.window.as_mut()?;
        window.advance(now);
        Some(window)
    }
}

/// `EdgeCache.stats()` (the package nests the numbers of [`EdgeStats::values`] by their
/// names and adds the memory tier's own `MemoryCache` stats).
#[derive(Clone, Debug, PartialEq)]
pub struct EdgeStats {
    /// Reads answered from memory or the store, fresh or stale, per read.
    pub hit_rate: f64,
    /// Failed store and loader calls per call.
    pub error_rate: f64,
    /// Reads (`get`, `getOrSet`, ...): memory-tier reads, or store reads without a memory tier.
    pub reads: u64,
    /// Store reads, store writes and loader calls.
    pub calls: u64,
    /// The memory tier as seen by the tiered reads.
    pub memory: MemoryTierStats,
    /// The store tier.
    pub store: StoreTierStats,
    /// The loader (origin).
    pub loader: LoaderStats,
}

impl EdgeStats {
    /// Every number, in [`STAT_NAMES`] order.
    pub fn values(&self) -> [f64; 41] {
        let (m, s, l) = (&self.memory, &self.store, &self.loader);
        let [mc, msum, m50, m95, m99, mmax] = m.latency.to_array();
        let [sc, ssum, s50, s95, s99, smax] = s.latency.to_array();
        let [lc, lsum, l50, l95, l99, lmax] = l.latency.to_array();
        let (r, ms) = (round_rate, round_ms);
        [
            r(self.hit_rate),
            r(self.error_rate),
            self.reads as f64,
            self.calls as f64,
            m.hits as f64,
            m.misses as f64,
            m.stale_served as f64,
            r(m.hit_rate),
            m.backfills as f64,
            mc,
            ms(msum),
            ms(m50),
            ms(m95),
            ms(m99),
            ms(mmax),
            s.hits as f64,
            s.misses as f64,
            s.stale_served as f64,
            r(s.hit_rate),
            s.errors as f64,
            s.timeouts as f64,
            s.corrupt as f64,
            s.writes as f64,
            s.write_errors as f64,
            sc,
            ms(ssum),
            ms(s50),
            ms(s95),
            ms(s99),
            ms(smax),
            l.loads as f64,
            l.errors as f64,
            l.in_flight as f64,
            l.refreshes as f64,
            l.stale_if_error as f64,
            lc,
            ms(lsum),
            ms(l50),
            ms(l95),
            ms(l99),
            ms(lmax),
        ]
    }
}

/// The names of [`EdgeStats::values`], as JavaScript's `stats()` nests them
/// (`"store.corrupt"`, `"memory.latency.p99"`): the one list the package reads names from.
pub const STAT_NAMES: [&str; 41] = [
    "hitRate",
    "errorRate",
    "reads",
    "calls",
    "memory.hits",
    "memory.misses",
    "memory.staleServed",
    "memory.hitRate",
    "memory.backfills",
    "memory.latency.count",
    "memory.latency.sum",
    "memory.latency.p50",
    "memory.latency.p95",
    "memory.latency.p99",
    "memory.latency.max",
    "store.hits",
    "store.misses",
    "store.staleServed",
    "store.hitRate",
    "store.errors",
    "store.timeouts",
    "store.corrupt",
    "store.writes",
    "store.writeErrors",
    "store.latency.count",
    "store.latency.sum",
    "store.latency.p50",
    "store.latency.p95",
    "store.latency.p99",
    "store.latency.max",
    "loader.loads",
    "loader.errors",
    "loader.inFlight",
    "loader.refreshes",
    "loader.staleIfError",
    "loader.latency.count",
    "loader.latency.sum",
    "loader.latency.p50",
    "loader.latency.p95",
    "loader.latency.p99",
    "loader.latency.max",
];

/// A rate as `stats()` shows it: four decimals (0.48, not 0.4799849999999424).
pub fn round_rate(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// A time in ms as `stats()` shows it: to the microsecond.
pub fn round_ms(x: f64) -> f64 {
    (x * 1_000.0).round() / 1_000.0
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
    /// Failed reads (each replica's, in a sharded cache).
    pub errors: u64,
    /// Reads abandoned after `timeout`.
    pub timeouts: u64,
    /// Records that failed to parse or carried another key.
    pub corrupt: u64,
    /// Records written or deleted.
    pub writes: u64,
    /// Failed writes and deletes (timed out ones included).
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
        assert_eq!(Event::Read as usize + 1, Tally::default().counts.len());
        assert_eq!(Tier::Loader as usize + 1, Tally::default().latency.len());
    }

    #[test]
    fn snapshot_counts_and_rates() {
        let mut c = EdgeCounters::new(None);
        for e in [
            Event::MemoryHit,
            Event::MemoryHit,
            Event::MemoryStale,
            Event::MemoryMiss,
            Event::StoreMiss,
            Event::Load,
            Event::LoadError,
        ] {
            c.count(e, 0.0);
        }
        c.latency(Tier::Store, 5.0, 0.0);
        let s = c.lifetime().snapshot(2);
        assert_eq!(
            (s.memory.hits, s.memory.stale_served, s.memory.misses),
            (2, 1, 1)
        );
        assert_eq!((s.memory.hit_rate, s.hit_rate, s.reads), (0.75, 0.75, 4));
        // One failed load among one store read and one load.
        assert_eq!((s.error_rate, s.calls), (0.5, 2));
        assert_eq!(
            (s.store.hit_rate, s.store.latency.count, s.loader.in_flight),
            (0.0, 1, 2)
        );
        assert!(c.window(0.0).is_none());
    }

    #[test]
    fn without_a_memory_tier_reads_are_counted_once_each() {
        let mut c = EdgeCounters::new(None);
        // Three reads: a hit after one replica failed, a miss, one no replica answered.
        for e in [
            Event::StoreError,
            Event::StoreHit,
            Event::StoreMiss,
            Event::StoreError,
            Event::StoreError,
        ] {
            c.count(e, 0.0);
        }
        for _ in 0..3 {
            c.count(Event::Read, 0.0);
        }
        let s = c.lifetime().snapshot(0);
        assert_eq!((s.reads, s.hit_rate), (3, 1.0 / 3.0));
    }

    #[test]
    fn rates_and_times_are_rounded() {
        assert_eq!(round_rate(0.4799849999999424), 0.48);
        assert_eq!(round_ms(0.011892071150027212), 0.012);
    }

    /// What happened in the last `length` ms, against the slices a brute-force model keeps.
    #[test]
    fn the_window_keeps_the_last_slices() {
        let length = 1_200.0; // slices of 100 ms
        let mut c = EdgeCounters::new(Some(length));
        let mut seen: Vec<f64> = Vec::new();
        let mut now = 0.0;
        for step in 0..2_000u32 {
            // Mostly small steps, some long gaps, a few late reports from the past.
            now += f64::from((step * 7919) % 97) + if step % 250 == 0 { 3_000.0 } else { 0.0 };
            let at = if step % 13 == 0 { now - 450.0 } else { now };
            c.count(Event::MemoryHit, at);
            seen.push(at);
            let oldest_slice = (now / 100.0).floor() - 11.0;
            let expected = seen
                .iter()
                .filter(|&&t| (t / 100.0).floor() >= oldest_slice)
                .count() as u64;
            let got = c.window(now).map(|w| w.total().snapshot(0).memory.hits);
            assert_eq!(got, Some(expected), "step {step} at {now}");
        }
        assert_eq!(c.lifetime().snapshot(0).memory.hits, 2_000);
    }

    #[test]
    fn a_clock_gone_back_by_more_than_the_window_starts_it_afresh() {
        let mut c = EdgeCounters::new(Some(60_000.0));
        let hits =
            |c: &mut EdgeCounters, now| c.window(now).map(|w| w.total().snapshot(0).memory.hits);
        c.count(Event::MemoryHit, 1_000_000.0);
        // Back by less than the window: counted where it belongs, nothing dropped.
        c.count(Event::MemoryHit, 990_000.0);
        assert_eq!(hits(&mut c, 1_000_000.0), Some(2));
        // Back by more (a clock step): the window starts again from there.
        c.count(Event::MemoryHit, 500_000.0);
        assert_eq!(hits(&mut c, 500_000.0), Some(1));
        // One reading far ahead, then the clock as it was: the same.
        c.count(Event::MemoryHit, 1e15);
        c.count(Event::MemoryHit, 501_000.0);
        c.count(Event::MemoryHit, 502_000.0);
        assert_eq!(hits(&mut c, 502_000.0), Some(2));
        // A report of the past never moves the window back.
        c.count_reported(Event::MemoryHit, 100_000.0);
        assert_eq!(hits(&mut c, 502_000.0), Some(2));
        assert_eq!(c.lifetime().snapshot(0).memory.hits, 7);
    }

    #[test]
    fn merged_counts_saturate() {
        let mut t = Tally::default();
        t.counts[0] = u64::MAX - 1;
        let copy = t.clone();
        t.merge(&copy);
        assert_eq!(t.counts[0], u64::MAX);
    }

    #[test]
    fn a_tally_travels_as_numbers() {
        let mut t = Tally::default();
        t.count(Event::StoreHit);
        t.record(Tier::Loader, Sample::of(1_200.0));
        t.record(Tier::Memory, Sample::of(0.002));
        let back = Tally::from_numbers(&t.to_numbers()).unwrap();
        assert_eq!(back.snapshot(0), t.snapshot(0));
        let mut numbers = t.to_numbers();
        numbers.push(0.0);
        assert!(Tally::from_numbers(&numbers).is_none());
        assert!(Tally::from_numbers(&numbers[..10]).is_none());
    }
}
