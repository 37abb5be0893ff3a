//! Placeholder until W-TinyLFU lands: behaves as LRU.
use super::lru::LruPolicy;
use super::policy::EvictionPolicy;
use super::Slot;

/// W-TinyLFU policy (in progress).
pub struct TinyLfuPolicy(LruPolicy);
impl TinyLfuPolicy {
    /// A policy for `capacity` weight units.
    pub fn new(_capacity: u64) -> Self {
        TinyLfuPolicy(LruPolicy::new())
    }
}
impl EvictionPolicy for TinyLfuPolicy {
    fn insert(&mut self, slot: Slot, hash: u32, weight: u64) {
        self.0.insert(slot, hash, weight)
    }
    fn access(&mut self, slot: Slot) {
        self.0.access(slot)
    }
    fn update(&mut self, slot: Slot, weight: u64) {
        self.0.update(slot, weight)
    }
    fn remove(&mut self, slot: Slot) {
        self.0.remove(slot)
    }
    fn evict(&mut self) -> Option<Slot> {
        self.0.evict()
    }
    fn clear(&mut self) {
        self.0.clear()
    }
}
