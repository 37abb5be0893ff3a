//! The namespace's clear epoch: `clear()` removes every entry of a namespace without
//! listing keys by moving its data to new store keys. Data keys carry the epoch
//! (`<namespace>:k<epoch>:<key>`, nothing for epoch 0); the epoch lives in one store record
//! (`<namespace>:e:`, a generation record without expiry), read and then trusted for the
//! tag-check interval (memoryTtl, else ttl), as tag generations are. Records of an older
//! epoch are never read again (their store TTLs remove them); writes still queued or loads
//! still running under it land where nobody reads.
//!
//! A clear takes the next epoch from the stored one: the time in whole ms, or one above
//! the highest epoch this isolate has seen or made and the stored one if larger, so clocks
//! that disagree never reuse an epoch (one isolate never does, even after the store's word
//! undid its clear; another may take the number of a clear whose record was never written,
//! which only that isolate used, until its next read). The
//! store's word wins on each read, as for tags: a clear whose record could not be written
//! is undone at the next read. A read that arrives late (begun before a clear of this
//! isolate, or before a read already taken in) is ignored, so an isolate never goes back
//! to an older epoch unless the store's record, read after all it knew, says so.
//!
//! A cache does not wait for the record before its first store call: a read goes out at
//! the epoch held, in the same batch as the epoch's record, and is repeated under the new
//! key only when the record moved the epoch; a write or delete keyed at an epoch that the
//! record then moves is sent again under the new key (pkg/src/edge/clears.js).

use super::generation::{decode, encode, MAX_GENERATION};

/// What a read of the epoch record found, and what the epoch then did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    /// The epoch held is the store's (or the read is ignored: it failed, or began before a
    /// clear of this isolate).
    Kept,
    /// The store holds another epoch, now adopted: this isolate drops its memory and what
    /// it reads or loads.
    Changed,
    /// The record is unreadable: the epoch held is trusted for the interval (a clear
    /// replaces the record); reported.
    Unreadable,
}

/// The epoch of one isolate's cache, and until when it is trusted without reading the store.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Epoch {
    current: f64,
    trusted_until: f64,
    interval: f64,
    /// The highest epoch this isolate has seen or made (a clear goes above it, even after
    /// the store's word took the epoch back down).
    highest: f64,
    /// Reads begun and clears made, numbered in order.
    begun: u64,
    /// The number of the last read or clear taken in (one begun before it is ignored).
    settled: u64,
}

impl Epoch {
    /// The epoch of a new cache, trusting what it reads for `interval` ms: 0, to be read
    /// from the store before its first use (a cache without a store never reads it).
    pub fn new(interval: f64) -> Epoch {
        Epoch {
            current: 0.0,
            trusted_until: f64::NEG_INFINITY,
            interval,
            highest: 0.0,
            begun: 0,
            settled: 0,
        }
    }

    /// The epoch data keys carry now.
    pub fn current(&self) -> u64 {
        self.current as u64
    }

    /// Until when the epoch is used without reading the store (ms).
    pub fn trusted_until(&self) -> f64 {
        self.trusted_until
    }

    /// A mark to pass to `read` for a read of the store begun now.
    pub fn mark(&mut self) -> u64 {
        self.begun += 1;
        self.begun
    }

    /// A read of the store begun at `mark` found `record` at `now` (`None`: none; the epoch
    /// is 0). A failed read (`failed`) keeps the epoch held, untrusted: the next use reads
    /// again. A read begun before the last clear or read taken in is ignored. The epoch
    /// changes when another isolate cleared the namespace (or this isolate's clear did not
    /// reach the store).
    pub fn read(&mut self, record: Option<&str>, failed: bool, mark: u64, now: f64) -> Found {
        if failed || mark <= self.settled {
            return Found::Kept;
        }
        self.settled = mark;
        self.trusted_until = now + self.interval;
        let Some(stored) = record.map_or(Some(0.0), decode) else {
            return Found::Unreadable;
        };
        let changed = stored != self.current;
        self.current = stored;
        self.highest = self.highest.max(stored);
        if changed {
            Found::Changed
        } else {
            Found::Kept
        }
    }

    /// A clear at `now`, the store holding `record` (`None`: none; an unreadable one is
    /// replaced): the record of the next epoch, adopted at once; `None` when it cannot be
    /// decided (`failed`: the read failed) or recorded.
    pub fn clear(&mut self, record: Option<&str>, failed: bool, now: f64) -> Option<String> {
        if failed {
            return None;
        }
        let stored = record.and_then(decode).unwrap_or(0.0);
        let next = now.ceil().max(self.highest.max(stored) + 1.0);
        if next.is_nan() || next > MAX_GENERATION {
            return None;
        }
        self.current = next;
        self.highest = next;
        self.trusted_until = now + self.interval;
        self.begun += 1;
        self.settled = self.begun;
        encode(next)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn a_new_epoch_is_read_before_use() {
        assert_eq!(Epoch::new(1000.0).trusted_until(), f64::NEG_INFINITY);
    }

    #[test]
    fn a_failed_read_keeps_the_epoch_untrusted() {
        let mut e = Epoch::new(1000.0);
        let mark = e.mark();
        assert_eq!(e.read(Some("g1:7;"), false, mark, 10.0), Found::Changed);
        assert_eq!(e.trusted_until(), 1010.0);
        let mark = e.mark();
        assert_eq!(e.read(None, true, mark, 2000.0), Found::Kept);
        assert_eq!((e.current(), e.trusted_until()), (7, 1010.0));
    }

    #[test]
    fn an_unreadable_record_keeps_the_epoch_trusted_and_a_clear_replaces_it() {
        let mut e = Epoch::new(1000.0);
        let mark = e.mark();
        e.read(Some("g1:7;"), false, mark, 0.0);
        let mark = e.mark();
        assert_eq!(e.read(Some("g1:7"), false, mark, 2000.0), Found::Unreadable);
        assert_eq!((e.current(), e.trusted_until()), (7, 3000.0));
        assert_eq!(e.clear(Some("junk"), false, 5.0).as_deref(), Some("g1:8;"));
    }

    #[test]
    fn a_read_begun_before_a_clear_is_ignored() {
        let mut e = Epoch::new(1000.0);
        let mark = e.mark();
        assert_eq!(e.clear(None, false, 500.0).as_deref(), Some("g1:500;"));
        assert_eq!(e.read(None, false, mark, 600.0), Found::Kept);
        assert_eq!((e.current(), e.trusted_until()), (500, 1500.0));
    }

    #[test]
    fn a_read_that_arrives_after_a_later_one_is_ignored() {
        let mut e = Epoch::new(1000.0);
        let (early, late) = (e.mark(), e.mark());
        assert_eq!(e.read(Some("g1:9;"), false, late, 10.0), Found::Changed);
        assert_eq!(e.read(Some("g1:3;"), false, early, 20.0), Found::Kept);
        assert_eq!((e.current(), e.trusted_until()), (9, 1010.0));
    }

    #[test]
    fn a_clear_never_reuses_an_epoch_whatever_the_clocks() {
        let mut e = Epoch::new(1000.0);
        assert_eq!(
            e.clear(Some("g1:5000;"), false, 100.5).as_deref(),
            Some("g1:5001;")
        );
        assert_eq!(
            e.clear(Some("g1:0;"), false, 9_000.2).as_deref(),
            Some("g1:9001;")
        );
        assert_eq!(e.clear(None, true, 9_500.0), None);
        assert_eq!(e.current(), 9_001);
        assert_eq!(e.clear(Some("g1:4503599627370496;"), false, 1.0), None);
    }

    #[test]
    fn the_stores_word_wins_so_an_unrecorded_clear_is_undone_and_never_reused() {
        let mut e = Epoch::new(1000.0);
        e.clear(None, false, 50.0);
        let mark = e.mark();
        assert_eq!(e.read(None, false, mark, 2000.0), Found::Changed);
        assert_eq!(e.current(), 0);
        assert_eq!(e.clear(None, false, 40.0).as_deref(), Some("g1:51;"));
    }
}
