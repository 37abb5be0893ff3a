//! Counters of the memory tier and the snapshot `stats()` returns.

/// Why an entry left the memory tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removal {
    /// Its time to live ran out (found on access).
    Expired,
    /// The policy chose it to make room.
    Capacity,
    /// The caller deleted it.
    Explicit,
    /// It was overwritten by a value too large to keep.
    Replaced,
}

/// Running counters; `size` and `bytes` come from the tier itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Reads that found a live entry.
    pub hits: u64,
    /// Reads that found an expired entry (reads of absent keys are counted by the caller).
    pub misses: u64,
    /// Values stored (new or replacing).
    pub sets: u64,
    /// Entries removed by the caller.
    pub deletes: u64,
    /// Entries evicted to make room.
    pub evictions: u64,
    /// Entries dropped because their TTL ran out.
    pub expirations: u64,
    /// Entries replaced by a value too large to keep.
    pub replaced_too_large: u64,
    /// Values refused: larger than `maxBytes`, or not admitted by the policy.
    pub rejected: u64,
}

impl Counters {
    /// Counts one removal under its reason.
    pub fn count_removal(&mut self, reason: Removal) {
        match reason {
            Removal::Expired => self.expirations += 1,
            Removal::Capacity => self.evictions += 1,
            Removal::Explicit => self.deletes += 1,
            Removal::Replaced => self.replaced_too_large += 1,
        }
    }
}

/// The memory tier's statistics.
#[derive(Clone, Debug, PartialEq)]
pub struct TierStats {
    /// Reads that found a live entry.
    pub hits: u64,
    /// Reads that found nothing live.
    pub misses: u64,
    /// `hits / (hits + misses)`, 0 before any read.
    pub hit_rate: f64,
    /// Values stored.
    pub sets: u64,
    /// Entries removed by `delete`.
    pub deletes: u64,
    /// Entries evicted to make room.
    pub evictions: u64,
    /// Entries dropped because their TTL ran out.
    pub expirations: u64,
    /// Values refused (larger than `maxBytes`, or not admitted by the policy).
    pub rejected: u64,
    /// Removals by reason: capacity, expired, explicit, replaced.
    pub evictions_by_reason: EvictionsByReason,
    /// Entries held now (expired ones count until touched or evicted).
    pub size: u64,
    /// Sum of the sizes of the entries held now.
    pub bytes: u64,
}

/// Removals by reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvictionsByReason {
    /// Evicted to make room.
    pub capacity: u64,
    /// TTL ran out.
    pub expired: u64,
    /// Deleted by the caller.
    pub explicit: u64,
    /// Overwritten by a value too large to keep.
    pub replaced: u64,
}

impl TierStats {
    /// A snapshot from the counters, plus misses counted outside the tier.
    pub fn new(c: &Counters, outside_misses: u64, size: u64, bytes: u64) -> Self {
        let misses = c.misses.saturating_add(outside_misses);
        let reads = c.hits.saturating_add(misses);
        TierStats {
            hits: c.hits,
            misses,
            hit_rate: if reads == 0 {
                0.0
            } else {
                c.hits as f64 / reads as f64
            },
            sets: c.sets,
            deletes: c.deletes,
            evictions: c.evictions,
            expirations: c.expirations,
            rejected: c.rejected,
            evictions_by_reason: EvictionsByReason {
                capacity: c.evictions,
                expired: c.expirations,
                explicit: c.deletes,
                replaced: c.replaced_too_large,
            },
            size,
            bytes,
        }
    }

    /// The numbers in the order `pkg/src/memory.js` names them: hits, misses, hitRate,
    /// sets, deletes, evictions, expirations, rejected, then by reason capacity, expired,
    /// explicit, replaced, then size, bytes.
    pub fn to_array(&self) -> [f64; 14] {
        let r = &self.evictions_by_reason;
        [
            self.hits as f64,
            self.misses as f64,
            self.hit_rate,
            self.sets as f64,
            self.deletes as f64,
            self.evictions as f64,
            self.expirations as f64,
            self.rejected as f64,
            r.capacity as f64,
            r.expired as f64,
            r.explicit as f64,
            r.replaced as f64,
            self.size as f64,
            self.bytes as f64,
        ]
    }
}
