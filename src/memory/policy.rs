//! The eviction-policy contract of the memory tier. A policy only orders slots; the tier
//! owns entries, expiry, byte accounting and stats, and asks the policy for victims.

use super::Slot;

/// What the memory tier needs from an eviction policy. Weights are the unit of the tier's
/// primary bound: bytes when `maxBytes` is set, else 1 per entry.
pub trait EvictionPolicy {
    /// A new entry now occupies `slot`. `hash` identifies its key (stable across
    /// evictions, used by frequency-based policies); `weight` is its share of capacity.
    fn insert(&mut self, slot: Slot, hash: u32, weight: u64);
    /// The entry at `slot` was read (a hit).
    fn access(&mut self, slot: Slot);
    /// The entry at `slot` got a new value of `weight`; counts as an access.
    fn update(&mut self, slot: Slot, weight: u64);
    /// The entry at `slot` is gone (deleted or expired); forget it.
    fn remove(&mut self, slot: Slot);
    /// Chooses a victim among the entries, forgets it and returns its slot; `None` when empty.
    fn evict(&mut self) -> Option<Slot>;
    /// Forgets every entry.
    fn clear(&mut self);
}
