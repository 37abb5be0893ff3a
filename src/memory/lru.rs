//! Least-recently-used ordering over slots, as an intrusive list.

use super::policy::EvictionPolicy;
use super::slot_list::{Links, SlotList};
use super::Slot;

/// Plain LRU: a hit or an update makes a slot most recent; the least recent is evicted.
#[derive(Default)]
pub struct LruPolicy {
    links: Links,
    order: SlotList,
}

impl LruPolicy {
    /// An empty ordering; capacity is enforced by the tier, not here.
    pub fn new() -> Self {
        LruPolicy::default()
    }
}

impl EvictionPolicy for LruPolicy {
    fn insert(&mut self, slot: Slot, _hash: u32, _weight: u64) {
        self.order.push_front(&mut self.links, slot);
    }

    fn access(&mut self, slot: Slot) {
        self.order.move_to_front(&mut self.links, slot);
    }

    fn update(&mut self, slot: Slot, _weight: u64) {
        self.order.move_to_front(&mut self.links, slot);
    }

    fn remove(&mut self, slot: Slot) {
        self.order.unlink(&mut self.links, slot);
    }

    fn evict(&mut self) -> Option<Slot> {
        self.order.pop_back(&mut self.links)
    }

    fn clear(&mut self) {
        self.order.clear();
        self.links.clear();
    }
}
