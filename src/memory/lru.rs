//! Least-recently-used ordering over slots, as an intrusive list.

use super::policy::EvictionPolicy;
use super::slot_list::SlotLists;
use super::Slot;

/// Plain LRU: a hit or an update makes a slot newest; the oldest is evicted.
#[derive(Default)]
pub struct LruPolicy {
    order: SlotLists<(), (), 1>,
}

impl LruPolicy {
    /// An empty ordering; capacity is enforced by the tier, not here.
    pub fn new() -> Self {
        LruPolicy::default()
    }
}

impl EvictionPolicy for LruPolicy {
    fn insert(&mut self, slot: Slot, _hash: u32, _weight: u64) {
        // Out of memory for the links: the entry stays unknown to the policy.
        if self.order.ensure(slot) {
            self.order.push_newest((), slot);
        }
    }

    fn access(&mut self, slot: Slot) {
        self.order.move_to_newest(slot);
    }

    fn update(&mut self, slot: Slot, _weight: u64) {
        self.order.move_to_newest(slot);
    }

    fn remove(&mut self, slot: Slot) {
        self.order.unlink(slot);
    }

    fn evict(&mut self) -> Option<Slot> {
        self.order.pop_oldest(())
    }

    fn clear(&mut self) {
        self.order.clear();
    }
}
