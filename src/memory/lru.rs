//! Least-recently-used ordering over slots, kept by the `lru` crate.

use super::policy::EvictionPolicy;
use super::Slot;
use lru::LruCache;

/// Plain LRU: a hit or an update makes a slot most recent; the least recent is evicted.
pub struct LruPolicy {
    order: LruCache<Slot, ()>,
}

impl LruPolicy {
    /// An empty ordering; capacity is enforced by the tier, not here.
    pub fn new() -> Self {
        LruPolicy {
            order: LruCache::unbounded(),
        }
    }
}

impl EvictionPolicy for LruPolicy {
    fn insert(&mut self, slot: Slot, _hash: u32, _weight: u64) {
        self.order.put(slot, ());
    }

    fn access(&mut self, slot: Slot) {
        self.order.promote(&slot);
    }

    fn update(&mut self, slot: Slot, _weight: u64) {
        self.order.promote(&slot);
    }

    fn remove(&mut self, slot: Slot) {
        self.order.pop(&slot);
    }

    fn evict(&mut self) -> Option<Slot> {
        self.order.pop_lru().map(|(slot, ())| slot)
    }

    fn clear(&mut self) {
        self.order.clear();
    }
}
