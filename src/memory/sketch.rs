//! The frequency sketch of W-TinyLFU: a count-min sketch of 4-bit counters (depth 4)
//! behind a doorkeeper bloom filter, aged by halving every counter (and clearing the
//! doorkeeper) once the number of recorded increments reaches ten times the number of
//! entries it is sized for.
//!
//! Layout follows Caffeine's `FrequencySketch`: the table is split into 64-byte blocks of
//! eight `u64` words; a key's four counters all sit in one block (one per row, each row
//! owning two of the eight words), so an estimate touches a single cache line. The
//! doorkeeper holds keys seen once since the last ageing, so that one-hit wonders do not
//! pollute the counters: the first increment of a key sets its doorkeeper bits, later ones
//! increment the counters, and an estimate adds one for a doorkeeper hit (capped at 15).
//!
//! The sketch grows with the number of entries instead of being allocated for the full
//! capacity up front: doubling the table copies it into both halves, which keeps every
//! estimate (a key's block index gains one bit; its counters keep their positions).

/// Largest value of a counter, and so of an estimate.
pub const MAX_FREQUENCY: u8 = 15;

/// Increments per entry sized for between two ageings.
const SAMPLE_FACTOR: u64 = 10;
/// Smallest table: one block of eight words.
const MIN_TABLE_WORDS: usize = 8;
/// Largest table (512 MiB of counters, sized for 64 Mi entries); estimates only get
/// coarser past it.
const MAX_TABLE_WORDS: usize = 1 << 26;
/// Each 4-bit counter's low bit, used to estimate what halving truncates.
const ONE_MASK: u64 = 0x1111_1111_1111_1111;
/// Keeps the low 3 bits of each counter after a right shift by one.
const RESET_MASK: u64 = 0x7777_7777_7777_7777;

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
    /// Mixed into every hash, so that hash floods cannot be precomputed.
    seed: u64,
}

/// Where a key's counters and doorkeeper bits are.
struct Spots {
    /// Index of the word of each row's counter.
    words: [usize; 4],
    /// Bit offset of each row's counter in its word.
    shifts: [u32; 4],
    /// The two doorkeeper bit indexes.
    bits: [usize; 2],
}

impl FrequencySketch {
    /// An empty sketch (all estimates 0, increments ignored until `ensure_capacity`).
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
        self.table.fill(0);
        self.doorkeeper.fill(0);
        self.samples = 0;
    }

    /// Sizes the sketch for at least `entries` keys: grows the table when needed (keeping
    /// estimates) and sets the ageing period to ten increments per entry. Never shrinks.
    /// If memory cannot be had, the sketch stays as it is.
    pub fn ensure_capacity(&mut self, entries: u64) {
        if entries <= self.sized_for && !self.table.is_empty() {
            return;
        }
        self.sized_for = self.sized_for.max(entries);
        let f = super::tinylfu::tune("EC_SAMPLE", SAMPLE_FACTOR as f64);
        self.sample_size = ((self.sized_for as f64 * f) as u64).max(SAMPLE_FACTOR);
        let wanted =
            usize::try_from((self.sized_for as f64 * super::tinylfu::tune("EC_TABLE", 1.0)) as u64)
                .unwrap_or(usize::MAX)
                .clamp(MIN_TABLE_WORDS, MAX_TABLE_WORDS);
        if self.table.is_empty() {
            let mut table = Vec::new();
            let mut doorkeeper = Vec::new();
            if table.try_reserve_exact(MIN_TABLE_WORDS).is_err()
                || doorkeeper.try_reserve_exact(MIN_TABLE_WORDS).is_err()
            {
                return;
            }
            table.resize(MIN_TABLE_WORDS, 0);
            doorkeeper.resize(MIN_TABLE_WORDS, 0);
            self.table = table;
            self.doorkeeper = doorkeeper;
        }
        while self.table.len() < wanted {
            if !double(&mut self.table) {
                break;
            }
            if !double(&mut self.doorkeeper) {
                // Keep both the same length: undo the table's growth.
                self.table.truncate(self.doorkeeper.len());
                break;
            }
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
        let added = if super::tinylfu::tune("EC_NODK", 0.0) != 0.0 || self.doorkeeper_has(&spots) {
            let mut added = false;
            for (&word, &shift) in spots.words.iter().zip(&spots.shifts) {
                if let Some(w) = self.table.get_mut(word) {
                    if (*w >> shift) & 0xf != 0xf {
                        *w += 1 << shift;
                        added = true;
                    }
                }
            }
            added
        } else {
            for bit in spots.bits {
                if let Some(w) = self.doorkeeper.get_mut(bit >> 6) {
                    *w |= 1 << (bit & 63);
                }
            }
            true
        };
        if added {
            self.samples += 1;
            if self.samples >= self.sample_size {
                self.age();
            }
        }
    }

    /// The estimated occurrences of `hash` since ageing began, from 0 to 15: never below
    /// the true count (capped at 15) until the first ageing.
    pub fn frequency(&self, hash: u32) -> u8 {
        let Some(spots) = self.spots(hash) else {
            return 0;
        };
        let mut min = MAX_FREQUENCY;
        for (&word, &shift) in spots.words.iter().zip(&spots.shifts) {
            let count = self.table.get(word).map_or(0, |w| (w >> shift) & 0xf);
            // `count` is at most 15, so the cast is lossless.
            min = min.min(count as u8);
        }
        let door =
            u8::from(super::tinylfu::tune("EC_NODK", 0.0) == 0.0 && self.doorkeeper_has(&spots));
        min.saturating_add(door).min(MAX_FREQUENCY)
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

    fn doorkeeper_has(&self, spots: &Spots) -> bool {
        spots.bits.iter().all(|&bit| {
            self.doorkeeper
                .get(bit >> 6)
                .is_some_and(|w| (w >> (bit & 63)) & 1 == 1)
        })
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
        for i in 0..4 {
            let byte = counter_hash >> (i * 8);
            let index = (byte >> 1) & 15;
            let offset = (byte & 1) as usize;
            words[i] = block + offset + (i << 1);
            shifts[i] = index << 2;
        }
        let bit_mask = (self.doorkeeper.len() << 6).saturating_sub(1);
        let d = mix(h ^ 0x9e37_79b9_7f4a_7c15);
        let bits = [(d as usize) & bit_mask, ((d >> 32) as usize) & bit_mask];
        Some(Spots {
            words,
            shifts,
            bits,
        })
    }
}

/// Doubles a vector by appending a copy of itself; `false` if memory cannot be had.
fn double(v: &mut Vec<u64>) -> bool {
    if v.try_reserve_exact(v.len()).is_err() {
        return false;
    }
    v.extend_from_within(..);
    true
}

/// The SplitMix64 finalizer: a bijective 64-bit mixer.
pub fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
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
        s.ensure_capacity(16);
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
}

/// A membership filter of recently added hashes ("ghosts" of evicted entries): two
/// generations of bloom filter bits; once the current one has taken `span` additions it
/// becomes the previous one and the oldest is cleared. So a hash is remembered for at
/// least `span` and at most `2 * span` additions (false positives aside).
#[derive(Clone, Debug)]
pub struct GhostFilter {
    current: Vec<u64>,
    previous: Vec<u64>,
    span: u64,
    added: u64,
    seed: u64,
}

/// Bloom bits per remembered hash, per generation.
const GHOST_BITS_PER_ENTRY: u64 = 16;

impl GhostFilter {
    /// An empty filter (remembers nothing until sized).
    pub fn new(seed: u64) -> Self {
        GhostFilter {
            current: Vec::new(),
            previous: Vec::new(),
            span: 0,
            added: 0,
            seed,
        }
    }

    /// Changes the hash seed and forgets everything.
    pub fn reseed(&mut self, seed: u64) {
        self.seed = seed;
        self.current.fill(0);
        self.previous.fill(0);
        self.added = 0;
    }

    /// Remembers at least `span` additions; grows (keeping members), never shrinks.
    pub fn ensure_capacity(&mut self, span: u64) {
        if span <= self.span && !self.current.is_empty() {
            return;
        }
        self.span = self.span.max(span);
        let words = usize::try_from(self.span.saturating_mul(GHOST_BITS_PER_ENTRY) / 64)
            .unwrap_or(usize::MAX)
            .clamp(1, MAX_TABLE_WORDS);
        if self.current.is_empty() {
            if self.current.try_reserve_exact(1).is_err()
                || self.previous.try_reserve_exact(1).is_err()
            {
                return;
            }
            self.current.push(0);
            self.previous.push(0);
        }
        while self.current.len() < words {
            if !double(&mut self.current) {
                break;
            }
            if !double(&mut self.previous) {
                self.current.truncate(self.previous.len());
                break;
            }
        }
    }

    fn bits(&self, hash: u32) -> [usize; 2] {
        let d = mix(u64::from(hash) ^ self.seed ^ 0x6a09_e667_f3bc_c909);
        let mask = (self.current.len() << 6).saturating_sub(1);
        [(d as usize) & mask, ((d >> 32) as usize) & mask]
    }

    /// Remembers `hash` (without counting an event).
    pub fn insert(&mut self, hash: u32) {
        if self.current.is_empty() {
            return;
        }
        for bit in self.bits(hash) {
            if let Some(w) = self.current.get_mut(bit >> 6) {
                *w |= 1 << (bit & 63);
            }
        }
    }

    /// Counts one event towards the generation span.
    pub fn tick(&mut self) {
        let span = self.span;
        self.tick_span(span);
    }

    /// Counts one event; rotates generations after `span` events.
    pub fn tick_span(&mut self, span: u64) {
        self.added += 1;
        if self.added >= span {
            std::mem::swap(&mut self.current, &mut self.previous);
            self.current.fill(0);
            self.added = 0;
        }
    }

    /// Whether `hash` was added recently.
    pub fn contains(&self, hash: u32) -> bool {
        let has = |v: &Vec<u64>, bits: &[usize; 2]| {
            bits.iter()
                .all(|&b| v.get(b >> 6).is_some_and(|w| (w >> (b & 63)) & 1 == 1))
        };
        let bits = self.bits(hash);
        has(&self.current, &bits) || has(&self.previous, &bits)
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.current.fill(0);
        self.previous.fill(0);
        self.added = 0;
    }
}
