//! Tag generations as one isolate knows them: which are known and trusted, the raises of
//! this isolate's own invalidations, the next generation of an invalidation, the
//! invalidation sequence (marks), and a bounded memory of all of it.
//!
//! `invalidateTags` raises a tag's generation in the store; an entry is current while none
//! of its tags' generations is newer than when it was written. A generation read from the
//! store is trusted for the engine's tag-check interval (memoryTtl, else ttl). The package
//! reads and writes the store; this table decides.
//!
//! Per tag it keeps the generation the store last gave (read, or written by this isolate);
//! one this isolate raised it to that the store has not confirmed (an invalidation under
//! way, or one whose write failed), trusted until `raised_until` only; when the store was
//! last read; and the sequence number of this isolate's last invalidation of the tag. The
//! store's latest word wins, even when lower than an earlier one: two isolates
//! invalidating at once each write their own generation, and whichever lands last stays.
//! Both are above every entry written before either began, and an isolate that kept the
//! higher one would never again take the entries others write under the lower one.
//!
//! Bounded: at most `capacity` tags (the least recently used are forgotten in batches),
//! and, with a store, what is older than the interval is swept once the table has doubled.
//! Forgetting is safe: the highest invalidation sequence among forgotten tags is kept, and
//! a tag the table no longer holds counts as invalidated at it (a load or write that began
//! before it is not cached as current). Without a store the table is the generations'
//! only home, so it is bounded too but a forgotten tag's generation is taken to be the
//! highest one forgotten: entries written under it before are stale (a miss, written
//! again), never current again. Losing a generation read from a store only means reading
//! it again.

use super::tag_map::TagMap;

/// How many tags a table remembers at most, by default.
pub const TAG_CAPACITY: usize = 16_384;

/// The size at which a table with a store is first swept.
const SWEEP_AT: usize = 1024;

/// Whether an entry written under some tags is current, as far as the table can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// Every tag is known and none is newer than the entry.
    Current,
    /// A tag was invalidated since the entry was written, or is newer than it.
    Stale,
    /// A tag's generation must be read from the store first.
    Unknown,
}

/// What the table holds of a tag's generation.
#[derive(Clone, Copy, Debug)]
struct Known {
    /// The generation the store last gave.
    confirmed: f64,
    /// A generation this isolate raised the tag to.
    raised: f64,
    /// Until when `raised` is trusted.
    raised_until: f64,
    /// When the store was last read (or written, or the tag raised).
    checked_at: f64,
}

impl Known {
    fn new(now: f64) -> Known {
        Known {
            confirmed: 0.0,
            raised: 0.0,
            raised_until: f64::NEG_INFINITY,
            checked_at: now,
        }
    }

    /// The generation at `now`: the store's, or this isolate's raise while it is trusted.
    fn generation(&self, now: f64) -> f64 {
        if now < self.raised_until {
            self.confirmed.max(self.raised)
        } else {
            self.confirmed
        }
    }
}

/// This isolate's last invalidation of a tag.
#[derive(Clone, Copy, Debug)]
struct Invalidation {
    sequence: u64,
    at: f64,
}

/// One tag's entry.
#[derive(Clone, Copy, Debug)]
struct TagState {
    known: Option<Known>,
    invalidated: Option<Invalidation>,
    /// The table's use count when the tag was last used (least recently used goes first).
    used: u64,
}

/// The generations of tags, as this isolate knows them.
pub struct TagTable {
    tags: TagMap<TagState>,
    capacity: usize,
    /// How long a generation read from the store is trusted (ms).
    interval: f64,
    /// Whether there is a store (else the table is the generations' only home).
    stored: bool,
    /// Number of the last invalidation in this isolate.
    sequence: u64,
    /// Uses so far (the recency of each tag).
    uses: u64,
    /// Size at which the table is next swept (with a store).
    sweep_at: usize,
    /// The highest invalidation sequence among the tags forgotten.
    forgotten_sequence: u64,
    /// The highest generation among the tags forgotten.
    forgotten_generation: f64,
}

impl TagTable {
    /// A table trusting generations read from a store for `interval` ms (`stored`: there
    /// is a store), remembering at most `capacity` tags (at least 1).
    pub fn new(interval: f64, stored: bool, capacity: usize) -> TagTable {
        TagTable {
            tags: TagMap::new(),
            capacity: capacity.max(1),
            interval,
            stored,
            sequence: 0,
            uses: 0,
            sweep_at: SWEEP_AT,
            forgotten_sequence: 0,
            forgotten_generation: 0.0,
        }
    }

    /// Generations known without reading the store (checked within the interval), or
    /// `None` when one is not.
    pub fn known(&mut self, tags: &[&str], now: f64) -> Option<Vec<f64>> {
        tags.iter().map(|tag| self.trusted(tag, now)).collect()
    }

    /// The current generation of each tag when it is decided without the store: known, or
    /// without a store what this isolate holds; `None` when the store must be read.
    pub fn current(&mut self, tags: &[&str], now: f64) -> Option<Vec<f64>> {
        if self.stored {
            return self.known(tags, now);
        }
        Some(tags.iter().map(|tag| self.local(tag, now)).collect())
    }

    /// A mark to pass to `invalidated_since` later.
    pub fn mark(&self) -> u64 {
        self.sequence
    }

    /// Whether any of `tags` was invalidated in this isolate after `mark` was taken (a tag
    /// the table forgot: when any forgotten tag was).
    pub fn invalidated_since(&self, tags: &[&str], mark: u64) -> bool {
        tags.iter().any(|tag| self.invalidation(tag) > mark)
    }

    /// Whether an entry written under `tags` with `written` generations (and, when this
    /// isolate wrote it, the `mark` of its write) is current at `now`: against the
    /// generations the table trusts, or against `read` ones when given (what a read of the
    /// store gave, see [`TagTable::read`]). A tag whose generation cannot be read counts as
    /// raised (NaN compares false).
    pub fn check(
        &mut self,
        tags: &[&str],
        written: &[f64],
        mark: Option<u64>,
        read: Option<&[f64]>,
        now: f64,
    ) -> Check {
        let (mut since, mut unknown, mut covered) = (false, false, true);
        for (i, &tag) in tags.iter().enumerate() {
            since |= mark.is_some_and(|m| self.invalidation(tag) > m);
            let generation = match read {
                Some(read) => Some(read.get(i).copied().unwrap_or(f64::NAN)),
                None if self.stored => self.trusted(tag, now),
                None => Some(self.local(tag, now)),
            };
            match generation {
                Some(g) => covered &= written.get(i).is_some_and(|&w| g <= w),
                None => unknown = true,
            }
        }
        if since {
            Check::Stale
        } else if unknown {
            Check::Unknown
        } else if covered {
            Check::Current
        } else {
            Check::Stale
        }
    }

    /// The generations a record written under `tags` at `mark` carries, given their
    /// `current` ones: just below the current one for a tag invalidated here since, so
    /// that the invalidation wins over the write everywhere.
    pub fn stamp(&self, tags: &[&str], current: &[f64], mark: u64) -> Vec<f64> {
        current
            .iter()
            .zip(tags)
            .map(|(&g, &tag)| {
                if self.invalidation(tag) > mark {
                    g - 1.0
                } else {
                    g
                }
            })
            .collect()
    }

    /// The generations a record written under `tags` at `mark` carries at `now` (see
    /// [`TagTable::stamp`]): from the `read` ones when given, else from the current ones
    /// when they are decided without the store (`None` when it must be read).
    pub fn stamped(
        &mut self,
        tags: &[&str],
        mark: u64,
        read: Option<&[f64]>,
        now: f64,
    ) -> Option<Vec<f64>> {
        let current = match read {
            Some(read) => read.to_vec(),
            None => self.current(tags, now)?,
        };
        Some(self.stamp(tags, &current, mark))
    }

    /// Starts an invalidation of `tags` at `now`: raised here at once from what this isolate
    /// knows (the time in whole ms, or one above the known generation if larger), so that
    /// reads, sets and loads from now on see it. Returns these local generations; without
    /// a store they are final. `stored`: another isolate's invalidation, the store holding
    /// these generations (its bus message); with a store the tags are raised to them, not
    /// above (entries it writes under them are current here too).
    pub fn invalidate(&mut self, tags: &[&str], now: f64, stored: Option<&[f64]>) -> Vec<f64> {
        self.sequence += 1;
        let local: Vec<f64> = tags
            .iter()
            .enumerate()
            .map(|(i, tag)| match stored.and_then(|s| s.get(i)) {
                Some(&g) if self.stored => g,
                _ => now.ceil().max(self.local(tag, now) + 1.0),
            })
            .collect();
        let invalidation = Invalidation {
            sequence: self.sequence,
            at: now,
        };
        for (tag, &g) in tags.iter().zip(&local) {
            if let Some(state) = self.entry(tag) {
                state.invalidated = Some(invalidation);
            }
            self.raise(tag, g, now);
            if !self.stored {
                self.confirm(tag, g, now); // the table is their home
            }
        }
        local
    }

    /// The generations an invalidation started at `now` writes, given its `local` ones and
    /// the `stored` ones read since (0 for a tag never invalidated, negative for an
    /// unreadable record, which is replaced), raised here: one above the stored one if
    /// that is not below the local one, and at least this isolate's own latest (a
    /// concurrent invalidation may have raised it). `None` when a stored one could not be
    /// read (NaN): written blind, a generation could go below one another isolate stored.
    pub fn settle(
        &mut self,
        tags: &[&str],
        local: &[f64],
        stored: &[f64],
        now: f64,
    ) -> Option<Vec<f64>> {
        if stored.iter().any(|s| s.is_nan()) {
            return None;
        }
        let next: Vec<f64> = tags
            .iter()
            .zip(local)
            .zip(stored)
            .map(|((tag, &g), &s)| {
                let s = s.max(0.0);
                let next = if s >= g { s + 1.0 } else { g };
                next.max(self.local(tag, now))
            })
            .collect();
        for (tag, &g) in tags.iter().zip(&next) {
            self.raise(tag, g, now);
        }
        Some(next)
    }

    /// The store holds `generation` for `tag` (read, or written by this isolate) at `now`.
    pub fn confirm(&mut self, tag: &str, generation: f64, now: f64) {
        let Some(state) = self.entry(tag) else {
            return;
        };
        let known = state.known.get_or_insert(Known::new(now));
        known.confirmed = generation;
        known.checked_at = now;
    }

    /// The generations of `tags` once a read begun at `now` gave `stored` (NaN where the
    /// store could not be read: the last known, else NaN, which no entry is current under;
    /// negative for an unreadable record: NaN until an invalidation replaces it), each
    /// never below a raise of this isolate's own that is still trusted. Sweeps the table.
    pub fn read(&mut self, tags: &[&str], stored: &[f64], now: f64) -> Vec<f64> {
        let generations = tags
            .iter()
            .zip(stored)
            .map(|(&tag, &s)| {
                if s.is_nan() {
                    self.generation(tag, now).unwrap_or(f64::NAN)
                } else if s < 0.0 {
                    f64::NAN
                } else {
                    self.confirm(tag, s, now);
                    self.generation(tag, now).unwrap_or(f64::NAN)
                }
            })
            .collect();
        self.sweep(now);
        generations
    }

    /// A known generation checked within the interval (any known one without a store).
    fn trusted(&mut self, tag: &str, now: f64) -> Option<f64> {
        let (interval, stored) = (self.interval, self.stored);
        let state = self.touch(tag)?;
        let known = state.known?;
        if stored && now - known.checked_at >= interval {
            return None;
        }
        Some(known.generation(now))
    }

    /// What this isolate takes `tag`'s generation to be at `now`, if it holds one.
    fn generation(&mut self, tag: &str, now: f64) -> Option<f64> {
        Some(self.touch(tag)?.known?.generation(now))
    }

    /// The generation of `tag` this isolate goes by without the store: the one it holds,
    /// else 0 with a store (which is read) and the highest forgotten one without.
    fn local(&mut self, tag: &str, now: f64) -> f64 {
        let unknown = if self.stored {
            0.0
        } else {
            self.forgotten_generation
        };
        self.generation(tag, now).unwrap_or(unknown)
    }

    /// The sequence of this isolate's last invalidation of `tag` (the highest forgotten
    /// one when the table holds none).
    fn invalidation(&self, tag: &str) -> u64 {
        self.tags
            .get(tag)
            .and_then(|s| s.invalidated)
            .map_or(self.forgotten_sequence, |i| i.sequence)
    }

    /// This isolate raised `tag` to `generation` at `now` (trusted for the interval).
    fn raise(&mut self, tag: &str, generation: f64, now: f64) {
        let interval = self.interval;
        let Some(state) = self.entry(tag) else {
            return;
        };
        let known = state.known.get_or_insert(Known::new(now));
        known.raised = known.generation(now).max(generation);
        known.raised_until = now + interval;
        known.checked_at = now;
    }

    /// `tag`'s entry, marked used.
    fn touch(&mut self, tag: &str) -> Option<&mut TagState> {
        self.uses += 1;
        let uses = self.uses;
        let state = self.tags.get_mut(tag)?;
        state.used = uses;
        Some(state)
    }

    /// `tag`'s entry, marked used; made (forgetting the least recently used tags when the
    /// table is full) if there is none.
    fn entry(&mut self, tag: &str) -> Option<&mut TagState> {
        if self.tags.get(tag).is_none() && self.tags.len() >= self.capacity {
            self.evict();
        }
        self.uses += 1;
        let used = self.uses;
        let state = self.tags.get_or_insert(tag, || TagState {
            known: None,
            invalidated: None,
            used,
        })?;
        state.used = used;
        Some(state)
    }

    /// Forgets the least recently used tags: those used in the oldest eighth of the span
    /// between the least and the most recently used (at least one).
    fn evict(&mut self) {
        let (oldest, newest) = self.tags.values().fold((u64::MAX, 0), |(lo, hi), s| {
            (lo.min(s.used), hi.max(s.used))
        });
        let cutoff = oldest + (newest.saturating_sub(oldest)) / 8;
        let (mut sequence, mut generation) = (self.forgotten_sequence, self.forgotten_generation);
        self.tags.retain(|s| {
            let keep = s.used > cutoff;
            if !keep {
                if let Some(i) = s.invalidated {
                    sequence = sequence.max(i.sequence);
                }
                if let Some(k) = s.known {
                    generation = generation.max(k.confirmed).max(k.raised);
                }
            }
            keep
        });
        self.forgotten_sequence = sequence;
        self.forgotten_generation = generation;
    }

    /// Forgets what is older than the interval (it would be read again anyway) once the
    /// table has doubled since the last sweep, so one tag per user does not keep it full.
    fn sweep(&mut self, now: f64) {
        if self.tags.len() < self.sweep_at {
            return;
        }
        let interval = self.interval;
        let mut sequence = self.forgotten_sequence;
        self.tags.retain(|s| {
            if s.known.is_some_and(|k| now - k.checked_at >= interval) {
                s.known = None;
            }
            if let Some(i) = s.invalidated.filter(|i| now - i.at >= interval) {
                sequence = sequence.max(i.sequence);
                s.invalidated = None;
            }
            s.known.is_some() || s.invalidated.is_some()
        });
        self.forgotten_sequence = sequence;
        self.sweep_at = SWEEP_AT.max(2 * self.tags.len());
    }
}

/// The tags of a list as the package passes it: each tag as its length in UTF-16 code
/// units, `:`, and the tag (`"3:abc1:d"`), so any tag text is carried as it is. A
/// malformed rest ends the list.
pub fn split_list(list: &str) -> Vec<&str> {
    let bytes = list.as_bytes();
    let (mut tags, mut at) = (Vec::new(), 0);
    loop {
        let mut units = 0usize;
        let start = at;
        while let Some(digit) = bytes.get(at).and_then(|b| b.checked_sub(b'0')) {
            if digit > 9 {
                break;
            }
            let Some(n) = units
                .checked_mul(10)
                .and_then(|n| n.checked_add(digit.into()))
            else {
                return tags;
            };
            units = n;
            at += 1;
        }
        if at == start || bytes.get(at) != Some(&b':') {
            return tags;
        }
        at += 1;
        let from = at;
        // Each UTF-8 lead byte is one UTF-16 unit, a four-byte one (above U+FFFF) two.
        while units > 0 {
            let Some(&b) = bytes.get(at) else {
                return tags;
            };
            at += 1;
            units -= 1;
            if b >= 0xF0 {
                let Some(rest) = units.checked_sub(1) else {
                    return tags; // half of a pair
                };
                units = rest;
            }
            while bytes.get(at).is_some_and(|b| b & 0xC0 == 0x80) {
                at += 1;
            }
        }
        match list.get(from..at) {
            Some(tag) => tags.push(tag),
            None => return tags,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const I: f64 = 1000.0;

    #[test]
    fn a_list_splits_by_lengths_whatever_the_tags_hold() {
        assert_eq!(split_list("3:abc1:d"), ["abc", "d"]);
        assert_eq!(split_list("3:a\0b2:é:"), ["a\0b", "é:"]);
        assert_eq!(split_list("2:😀"), ["😀"], "UTF-16 units");
        assert_eq!(split_list(""), Vec::<&str>::new());
        assert_eq!(
            split_list("1:a9:b"),
            ["a"],
            "a malformed rest ends the list"
        );
        assert_eq!(split_list("x:a"), Vec::<&str>::new());
    }

    #[test]
    fn read_generations_are_trusted_for_the_interval_with_a_store() {
        let mut t = TagTable::new(I, true, 16);
        assert_eq!(t.known(&["a"], 0.0), None);
        assert_eq!(t.read(&["a"], &[5.0], 0.0), [5.0]);
        assert_eq!(t.known(&["a"], 999.0), Some(vec![5.0]));
        assert_eq!(t.check(&["a"], &[5.0], None, None, 999.0), Check::Current);
        assert_eq!(t.check(&["a"], &[4.0], None, None, 999.0), Check::Stale);
        assert_eq!(t.known(&["a"], 1000.0), None);
        assert_eq!(t.check(&["a"], &[5.0], None, None, 1000.0), Check::Unknown);
    }

    #[test]
    fn a_failed_read_keeps_the_last_known_and_an_unreadable_record_is_nan() {
        let mut t = TagTable::new(I, true, 16);
        t.read(&["a"], &[5.0], 0.0);
        let g = t.read(&["a", "b", "c"], &[f64::NAN, f64::NAN, -1.0], 2000.0);
        assert_eq!(g[0], 5.0);
        assert!(g[1].is_nan() && g[2].is_nan());
        let tags = ["a", "b", "c"];
        let stale = t.check(&tags, &[9.0, 9.0, 9.0], None, Some(&g), 2000.0);
        assert_eq!(stale, Check::Stale, "NaN: not current");
        let read = Some(&[1.0, 2.0][..]);
        assert_eq!(
            t.check(&["x", "y"], &[1.0, 3.0], None, read, 0.0),
            Check::Current
        );
        assert_eq!(
            t.check(&["x", "y"], &[1.0], None, read, 0.0),
            Check::Stale,
            "a missing generation"
        );
        assert_eq!(
            t.check(&["a"], &[9.0], Some(0), read, 0.0),
            Check::Current,
            "not invalidated here"
        );
    }

    #[test]
    fn an_invalidation_raises_at_once_and_settles_above_the_store() {
        let mut t = TagTable::new(I, true, 16);
        let m = t.mark();
        assert_eq!(t.invalidate(&["a"], 10.2, None), [11.0]);
        assert!(t.invalidated_since(&["a"], m));
        assert!(!t.invalidated_since(&["b"], m));
        assert!(!t.invalidated_since(&["a"], t.mark()));
        assert_eq!(
            t.check(&["a"], &[f64::INFINITY], Some(m), None, 10.2),
            Check::Stale
        );
        assert_eq!(t.stamp(&["a", "b"], &[11.0, 3.0], m), [10.0, 3.0]);
        let read = Some(&[11.0, 3.0][..]);
        assert_eq!(t.stamped(&["a", "b"], m, read, 10.2), Some(vec![10.0, 3.0]));
        assert_eq!(t.stamped(&["a"], m, None, 10.2), Some(vec![10.0]), "known");
        assert_eq!(t.stamped(&["b"], m, None, 10.2), None, "to be read");
        assert_eq!(t.settle(&["a"], &[11.0], &[f64::NAN], 10.2), None);
        assert_eq!(t.settle(&["a"], &[11.0], &[50.0], 10.2), Some(vec![51.0]));
        assert_eq!(
            t.settle(&["a"], &[11.0], &[-1.0], 10.2),
            Some(vec![51.0]),
            "never below its own latest"
        );
        assert_eq!(t.known(&["a"], 11.0), Some(vec![51.0]));
        // A raise the store never confirmed is trusted for the interval only.
        assert_eq!(t.known(&["a"], 10.2 + I - 1.0), Some(vec![51.0]));
        t.confirm("a", 51.0, 20.0);
        assert_eq!(t.known(&["a"], 20.0 + I - 1.0), Some(vec![51.0]));
    }

    #[test]
    fn another_isolates_invalidation_raises_to_what_the_store_holds() {
        let mut t = TagTable::new(I, true, 16);
        let m = t.mark();
        // Its clock is behind ours: the tag goes to its generation, not to our time.
        assert_eq!(t.invalidate(&["a"], 500.0, Some(&[400.0])), [400.0]);
        assert!(
            t.invalidated_since(&["a"], m),
            "a load begun before is not cached"
        );
        assert_eq!(
            t.known(&["a"], 500.0),
            Some(vec![400.0]),
            "known without a read"
        );
        assert_eq!(t.check(&["a"], &[399.0], None, None, 500.0), Check::Stale);
        assert_eq!(t.check(&["a"], &[400.0], None, None, 500.0), Check::Current);
        // A late message never lowers it.
        t.invalidate(&["a"], 501.0, Some(&[300.0]));
        assert_eq!(t.known(&["a"], 501.0), Some(vec![400.0]));
        // Without a store its generations mean nothing here: a local invalidation.
        let mut home = TagTable::new(I, false, 16);
        assert_eq!(home.invalidate(&["a"], 5.0, Some(&[1.0])), [5.0]);
    }

    #[test]
    fn without_a_store_the_table_is_the_home_and_never_asks_to_read() {
        let mut t = TagTable::new(I, false, 16);
        assert_eq!(t.known(&["a"], 0.0), None);
        assert_eq!(t.current(&["a"], 0.0), Some(vec![0.0]));
        assert_eq!(t.invalidate(&["a"], 5.0, None), [5.0]);
        assert_eq!(t.invalidate(&["a"], 5.0, None), [6.0]);
        assert_eq!(t.check(&["a"], &[5.0], None, None, 1e9), Check::Stale);
        assert_eq!(t.check(&["a"], &[6.0], None, None, 1e9), Check::Current);
    }

    #[test]
    fn eviction_is_bounded_and_safe() {
        let mut t = TagTable::new(I, false, 8);
        let m = t.mark();
        t.invalidate(&["victim"], 100.0, None);
        let written = t.current(&["victim"], 100.0).unwrap_or_default();
        for i in 0..100 {
            t.invalidate(&[&format!("t{i}")], 1.0, None);
        }
        assert!(t.tags.len() <= 8);
        assert!(t.tags.get("victim").is_none());
        // Still invalidated since the mark, and its entries never current with an older generation.
        assert!(t.invalidated_since(&["victim"], m));
        assert_eq!(
            t.check(&["victim"], &[99.0], None, None, 200.0),
            Check::Stale
        );
        assert_eq!(
            t.check(&["victim"], &written, Some(t.mark()), None, 200.0),
            Check::Stale
        );
        let now = t.current(&["victim"], 200.0).unwrap_or_default();
        assert_eq!(
            t.check(&["victim"], &now, Some(t.mark()), None, 200.0),
            Check::Current
        );
    }

    #[test]
    fn a_sweep_forgets_old_tags_and_keeps_their_invalidations_safe() {
        let mut t = TagTable::new(I, true, TAG_CAPACITY);
        let m = t.mark();
        t.invalidate(&["old"], 0.0, None);
        let names: Vec<String> = (0..SWEEP_AT).map(|i| format!("t{i}")).collect();
        for n in &names {
            t.read(&[n], &[1.0], 0.0);
        }
        // Swept once the table has doubled: the tags read at 0 are past the interval.
        for i in SWEEP_AT..2 * SWEEP_AT {
            t.read(&[&format!("t{i}")], &[1.0], 5000.0);
        }
        assert!(t.tags.len() <= SWEEP_AT);
        assert_eq!(t.known(&["t0"], 5000.0), None);
        assert!(t.invalidated_since(&["old"], m));
        assert!(!t.invalidated_since(&["old"], t.mark()));
    }
}
