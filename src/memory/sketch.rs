//! Probabilistic structures of W-TinyLFU, keyed by 32-bit key hashes mixed with a seed:
//!
//! - [`FrequencySketch`]: a count-min sketch of 4-bit counters (depth 4) behind a
//!   doorkeeper bloom filter, aged by halving every counter (and clearing the doorkeeper)
//!   once the recorded increments reach ten per entry it is sized for.
//! - [`GhostFilter`]: a two-generation bloom filter remembering recently evicted keys.
//!
//! Layout of the sketch follows Caffeine's `FrequencySketch`: the table is split into
//! 64-byte blocks of eight `u64` words and a key's four counters sit in one block (one per
//! row, each row owning two of the eight words), so an estimate touches one cache line.
//!
//! The doorkeeper keeps one-hit wonders out of the counters without losing counts: a key's
//! first occurrence only sets its doorkeeper bits; the second finds them and adds 2 to its
//! counters (crediting the first); later ones add 1. A key whose counters are already
//! nonzero (history that survived an ageing) skips the doorkeeper. The estimate is the
//! smallest counter, or 1 for a key only the doorkeeper holds; so until the first ageing it
//! is never below the true count (capped at 15).
//!
//! Both structures grow with the number of entries instead of being allocated for the full
//! capacity up front. Doubling a table appends a copy of itself, which keeps every estimate
//! and every member: a key's index gains one high bit, so it lands on one of the two copies.

use crate::rng::mix;

/// Largest value of a counter, and so of an estimate.
pub const MAX_FREQUENCY: u8 = 15;

/// Increments per sized entry between two ageings.
const SAMPLE_FACTOR: u64 = 10;
/// Smallest counter table: one block of eight words.
const MIN_TABLE_WORDS: usize = 8;
/// Largest table of either structure (512 MiB); past it estimates only get coarser.
const MAX_TABLE_WORDS: usize = 1 << 26;
/// Each 4-bit counter's low bit, used to estimate what halving truncates.
const ONE_MASK: u64 = 0x1111_1111_1111_1111;
/// Keeps the low 3 bits of each counter after a right shift by one.
const RESET_MASK: u64 = 0x7777_7777_7777_7777;
/// Bloom bits per remembered key, per ghost generation.
const GHOST_BITS_PER_ENTRY: u64 = 16;
/// Smallest ghost generation (512 bits): a filter sized for a handful of keys would fill
/// up with the many keys inserted per generation, and its false hits would steer the
/// window of a small cache at random.
const MIN_GHOST_WORDS: usize = 8;

/// Doubles a table by appending a copy of itself; `false` if memory cannot be had.
fn double(v: &mut Vec<u64>) -> bool {
    if v.try_reserve_exact(v.len()).is_err() {
        return false;
    }
    v.extend_from_within(..);
    true
}

/// Grows two tables of equal length by doubling until they have `words` words (a power of
/// two at least their length); they stay equal if memory runs out.
fn grow_pair(a: &mut Vec<u64>, b: &mut Vec<u64>, words: usize) {
    while a.len() < words {
        if !double(a) {
            break;
        }
        if !double(b) {
            a.truncate(b.len());
            break;
        }
    }
}

/// Allocates two zeroed tables of `words` words if they are empty; `false` on failure.
fn allocate_pair(a: &mut Vec<u64>, b: &mut Vec<u64>, words: usize) -> bool {
    if a.is_empty() {
        if a.try_reserve_exact(words).is_err() || b.try_reserve_exact(words).is_err() {
            return false;
        }
        a.resize(words, 0);
        b.clear();
        b.resize(words, 0);
    }
    true
}

/// Whether both bloom bits are set.
fn has_bits(table: &[u64], bits: &[usize; 2]) -> bool {
    bits.iter()
        .all(|&b| table.get(b >> 6).is_some_and(|w| (w >> (b & 63)) & 1 == 1))
}

/// Sets both bloom bits.
fn set_bits(table: &mut [u64], bits: &[usize; 2]) {
    for &b in bits {
        if let Some(w) = table.get_mut(b >> 6) {
            *w |= 1 << (b & 63);
        }
    }
}

/// Two bloom bit indexes for `h` in a table of `words` words (a power of two).
fn bloom_bits(h: u64, words: usize) -> [usize; 2] {
    let mask = (words << 6).saturating_sub(1);
    // Truncation is intended: only the low bits of each half select a bit.
    [(h as usize) & mask, ((h >> 32) as usize) & mask]
}

/// Popularity estimates for 32-bit key hashes.
#[derive(Clone, Debug)]
pub struct FrequencySketch {
    /// Counters, sixteen 4-bit counters per word; empty until sized.
    table: Vec<u64>,
    /// Doorkeeper bits, as many words as `table` (64 bits per sized entry).
    doorkeeper: Vec<u64>,
    /// Entries the sketch is sized for (the most ever asked for).
    sized_for: u64,
    /// Increments between two ageings.
    sample_size: u64,
    /// Increments since the last ageing (adjusted at each ageing).
    samples: u64,
    /// Ageings so far.
    ageings: u64,
    /// Mixed into every hash, so that colliding keys cannot be precomputed.
    seed: u64,
}

/// Where a key's counters and doorkeeper bits are.
struct Spots {
    /// Index of the word of each row's counter.
    words: [usize; 4],
    /// Bit offset of each row's counter in its word.
    shifts: [u32; 4],
    /// The doorkeeper bit indexes.
    bits: [usize; 2],
}

impl FrequencySketch {
    /// An empty sketch: estimates are 0 and increments ignored until `ensure_capacity`.
    pub fn new(seed: u64) -> Self {
        FrequencySketch {
            table: Vec::new(),
            doorkeeper: Vec::new(),
            sized_for: 0,
            sample_size: SAMPLE_FACTOR,
            samples: 0,
            ageings: 0,
            seed,
        }
    }

    /// Changes the hash seed; forgets every count, since keys now land elsewhere.
    pub fn reseed(&mut self, seed: u64) {
        self.seed = seed;
        self.clear();
    }

    /// Sizes the sketch for at least `entries` keys: grows the tables when needed (keeping
    /// estimates) and sets the ageing period to ten increments per entry. Never shrinks;
    /// if memory cannot be had, the sketch stays as it is.
    pub fn ensure_capacity(&mut self, entries: u64) {
        if entries <= self.sized_for && !self.table.is_empty() {
            return;
        }
        self.sized_for = self.sized_for.max(entries);
        self.sample_size = self
            .sized_for
            .saturating_mul(SAMPLE_FACTOR)
            .max(SAMPLE_FACTOR);
        let words = usize::try_from(self.sized_for)
            .unwrap_or(usize::MAX)
            .clamp(MIN_TABLE_WORDS, MAX_TABLE_WORDS);
        if allocate_pair(&mut self.table, &mut self.doorkeeper, MIN_TABLE_WORDS) {
            grow_pair(&mut self.table, &mut self.doorkeeper, words);
        }
    }

    /// Increments between two ageings.
    pub fn sample_size(&self) -> u64 {
        self.sample_size
    }

    /// How many times the counters have been halved.
    pub fn ageings(&self) -> u64 {
        self.ageings
    }

    /// Records one occurrence of `hash`.
    pub fn increment(&mut self, hash: u32) {
        let Some(spots) = self.spots(hash) else {
            return;
        };
        let counted = self.counters_min(&spots);
        let added = if counted == 0 && !has_bits(&self.doorkeeper, &spots.bits) {
            set_bits(&mut self.doorkeeper, &spots.bits);
            true
        } else {
            // A doorkeeper hit with no counts yet credits the first occurrence too.
            let step = if counted == 0 { 2 } else { 1 };
            let mut added = false;
            for (&word, &shift) in spots.words.iter().zip(&spots.shifts) {
                if let Some(w) = self.table.get_mut(word) {
                    let count = (*w >> shift) & 0xf;
                    if count < 0xf {
                        let next = (count + step).min(0xf);
                        *w = (*w & !(0xf << shift)) | (next << shift);
                        added = true;
                    }
                }
            }
            added
        };
        if added {
            self.samples += 1;
            if self.samples >= self.sample_size {
                self.age();
            }
        }
    }

    /// The estimated occurrences of `hash`, from 0 to 15.
    pub fn frequency(&self, hash: u32) -> u8 {
        let Some(spots) = self.spots(hash) else {
            return 0;
        };
        // `counters_min` is at most 15, so the cast is lossless.
        let counted = self.counters_min(&spots) as u8;
        counted.max(u8::from(has_bits(&self.doorkeeper, &spots.bits)))
    }

    /// Forgets every count (keeps the size and seed).
    pub fn clear(&mut self) {
        self.table.fill(0);
        self.doorkeeper.fill(0);
        self.samples = 0;
    }

    /// Halves every counter and clears the doorkeeper.
    fn age(&mut self) {
        let mut odd = 0u64;
        for w in &mut self.table {
            odd += u64::from((*w & ONE_MASK).count_ones());
            *w = (*w >> 1) & RESET_MASK;
        }
        self.doorkeeper.fill(0);
        self.samples = self.samples.saturating_sub(odd / 4) / 2;
        self.ageings += 1;
    }

    /// The smallest of a key's four counters.
    fn counters_min(&self, spots: &Spots) -> u64 {
        spots
            .words
            .iter()
            .zip(&spots.shifts)
            .map(|(&word, &shift)| self.table.get(word).map_or(0, |w| (w >> shift) & 0xf))
            .min()
            .unwrap_or(0)
    }

    /// The positions of a key's counters and doorkeeper bits; `None` while unsized.
    fn spots(&self, hash: u32) -> Option<Spots> {
        if self.table.is_empty() {
            return None;
        }
        let h = mix(u64::from(hash) ^ self.seed);
        // Table lengths are powers of two of at least 8, so this masks a whole block.
        let block_mask = (self.table.len() >> 3) - 1;
        // Truncation is intended: only the low bits select the block.
        let block = ((h as usize) & block_mask) << 3;
        let counter_hash = (h >> 32) as u32;
        let mut words = [0usize; 4];
        let mut shifts = [0u32; 4];
        for (i, (word, shift)) in words.iter_mut().zip(&mut shifts).enumerate() {
            let byte = counter_hash >> (i * 8);
            *word = block + (byte & 1) as usize + (i << 1);
            *shift = ((byte >> 1) & 15) << 2;
        }
        let bits = bloom_bits(mix(h ^ 0x9e37_79b9_7f4a_7c15), self.doorkeeper.len());
        Some(Spots {
            words,
            shifts,
            bits,
        })
    }
}

/// Remembers recently added key hashes ("ghosts" of evicted entries): two generations of
/// bloom bits; after `span` events the current generation becomes the previous one and the
/// oldest is dropped. So a key is remembered for `span` to `2 * span` events (with a small
/// false-positive rate).
#[derive(Clone, Debug)]
pub struct GhostFilter {
    current: Vec<u64>,
    previous: Vec<u64>,
    /// Events per generation.
    span: u64,
    /// Events counted in the current generation.
    events: u64,
    seed: u64,
}

impl GhostFilter {
    /// An empty filter (remembers nothing until sized).
    pub fn new(seed: u64) -> Self {
        GhostFilter {
            current: Vec::new(),
            previous: Vec::new(),
            span: 1,
            events: 0,
            seed,
        }
    }

    /// Changes the hash seed and forgets everything.
    pub fn reseed(&mut self, seed: u64) {
        self.seed = seed;
        self.clear();
    }

    /// Sets the generation span to `span` events (at least 1) and grows the filter to hold
    /// that many keys per generation (keeping members). Never shrinks.
    pub fn ensure_capacity(&mut self, span: u64) {
        let span = span.max(1);
        if span <= self.span && !self.current.is_empty() {
            return;
        }
        self.span = self.span.max(span);
        let words = usize::try_from(self.span.saturating_mul(GHOST_BITS_PER_ENTRY) / 64)
            .unwrap_or(usize::MAX)
            .clamp(MIN_GHOST_WORDS, MAX_TABLE_WORDS)
            .next_power_of_two();
        if allocate_pair(&mut self.current, &mut self.previous, MIN_GHOST_WORDS) {
            grow_pair(&mut self.current, &mut self.previous, words);
        }
    }

    fn bits(&self, hash: u32) -> [usize; 2] {
        bloom_bits(
            mix(u64::from(hash) ^ self.seed ^ 0x6a09_e667_f3bc_c909),
            self.current.len(),
        )
    }

    /// Remembers `hash` (without counting an event).
    pub fn insert(&mut self, hash: u32) {
        let bits = self.bits(hash);
        set_bits(&mut self.current, &bits);
    }

    /// Counts one event; every `span` events the oldest generation is dropped.
    pub fn tick(&mut self) {
        self.events += 1;
        if self.events >= self.span {
            std::mem::swap(&mut self.current, &mut self.previous);
            self.current.fill(0);
            self.events = 0;
        }
    }

    /// Whether `hash` was inserted in the current or previous generation.
    pub fn contains(&self, hash: u32) -> bool {
        let bits = self.bits(hash);
        has_bits(&self.current, &bits) || has_bits(&self.previous, &bits)
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.current.fill(0);
        self.previous.fill(0);
        self.events = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsized_sketch_ignores_increments() {
        let mut s = FrequencySketch::new(1);
        s.increment(7);
        assert_eq!(s.frequency(7), 0);
    }

    #[test]
    fn counts_saturate_at_fifteen() {
        let mut s = FrequencySketch::new(3);
        s.ensure_capacity(1000);
        for n in 1..=40u8 {
            s.increment(42);
            assert_eq!(s.frequency(42), n.min(MAX_FREQUENCY));
        }
    }

    #[test]
    fn growing_keeps_estimates() {
        let mut s = FrequencySketch::new(5);
        s.ensure_capacity(8);
        for key in 0..8u32 {
            for _ in 0..=key {
                s.increment(key);
            }
        }
        let before: Vec<u8> = (0..8).map(|k| s.frequency(k)).collect();
        s.ensure_capacity(4096);
        let after: Vec<u8> = (0..8).map(|k| s.frequency(k)).collect();
        assert_eq!(before, after);
        assert!(after.iter().zip(1..).all(|(&f, n)| f >= n.min(15)));
    }

    #[test]
    fn ageing_halves_counts() {
        let mut s = FrequencySketch::new(9);
        s.ensure_capacity(64);
        for _ in 0..12 {
            s.increment(1);
        }
        let before = s.frequency(1);
        let mut other = 1000u32;
        while s.ageings() == 0 {
            s.increment(other);
            other += 1;
        }
        assert!(s.frequency(1) <= before / 2 + 1, "{}", s.frequency(1));
    }

    #[test]
    fn ghosts_are_forgotten_after_two_spans() {
        let mut g = GhostFilter::new(11);
        g.ensure_capacity(4);
        g.insert(99);
        assert!(g.contains(99));
        for _ in 0..4 {
            g.tick();
        }
        assert!(g.contains(99), "kept for one more generation");
        for _ in 0..4 {
            g.tick();
        }
        assert!(!g.contains(99));
    }
}
