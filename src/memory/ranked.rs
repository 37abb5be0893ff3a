//! A binary min-heap of slots by priority, for W-TinyLFU's admission window. Each slot's
//! position in the heap is kept by the caller (beside the slot's other data), which the
//! heap tells of every move through a `place` callback; so removing or re-ranking any
//! slot is O(log n) with no map. Equal priorities leave in the order they were ranked.

use super::Slot;

/// One ranked slot.
#[derive(Clone, Copy, Debug)]
struct Item {
    priority: f64,
    /// When it was (re)ranked: breaks ties, oldest first. Wraps after 2^32 rankings,
    /// which at worst misorders a tie.
    stamp: u32,
    slot: Slot,
}

impl Item {
    /// Whether `self` leaves before `other`.
    fn before(&self, other: &Item) -> bool {
        match self.priority.total_cmp(&other.priority) {
            std::cmp::Ordering::Equal => self.stamp < other.stamp,
            ordering => ordering.is_lt(),
        }
    }
}

/// Slots ordered by priority, lowest first.
#[derive(Default)]
pub struct RankedSlots {
    heap: Vec<Item>,
    clock: u32,
}

impl RankedSlots {
    /// The slot that leaves first, with its priority.
    pub fn first(&self) -> Option<(Slot, f64)> {
        self.heap.first().map(|i| (i.slot, i.priority))
    }

    /// Slots ranked.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no slot is ranked.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Ranks `slot`; `place(slot, index)` is told of its position and of every move.
    /// `false` if memory cannot be had (the slot is then not ranked).
    pub fn push(&mut self, slot: Slot, priority: f64, place: &mut impl FnMut(Slot, u32)) -> bool {
        if self.heap.try_reserve(1).is_err() {
            return false;
        }
        let stamp = self.tick();
        self.heap.push(Item {
            priority,
            stamp,
            slot,
        });
        self.sift_up(self.heap.len() - 1, place);
        true
    }

    /// Gives the slot at `index` a new priority (and a new stamp: it ties as the newest).
    pub fn rerank(&mut self, index: u32, priority: f64, place: &mut impl FnMut(Slot, u32)) {
        let stamp = self.tick();
        let i = index as usize;
        let Some(item) = self.heap.get_mut(i) else {
            return;
        };
        item.priority = priority;
        item.stamp = stamp;
        self.sift_up(i, place);
        self.sift_down(i, place);
    }

    /// Removes the slot at `index` (its position, as `place` last told).
    pub fn remove(&mut self, index: u32, place: &mut impl FnMut(Slot, u32)) {
        let i = index as usize;
        if i >= self.heap.len() {
            return;
        }
        self.heap.swap_remove(i);
        if i < self.heap.len() {
            self.sift_up(i, place);
            self.sift_down(i, place);
        }
    }

    /// Forgets every slot.
    pub fn clear(&mut self) {
        self.heap.clear();
    }

    fn tick(&mut self) -> u32 {
        self.clock = self.clock.wrapping_add(1);
        self.clock
    }

    fn sift_up(&mut self, mut i: usize, place: &mut impl FnMut(Slot, u32)) {
        while i > 0 {
            let parent = (i - 1) / 2;
            match (self.heap.get(i), self.heap.get(parent)) {
                (Some(a), Some(b)) if a.before(b) => {
                    self.heap.swap(i, parent);
                    self.announce(i, place);
                    i = parent;
                }
                _ => break,
            }
        }
        self.announce(i, place);
    }

    fn sift_down(&mut self, mut i: usize, place: &mut impl FnMut(Slot, u32)) {
        loop {
            let mut least = i;
            for child in [2 * i + 1, 2 * i + 2] {
                if let (Some(c), Some(l)) = (self.heap.get(child), self.heap.get(least)) {
                    if c.before(l) {
                        least = child;
                    }
                }
            }
            if least == i {
                break;
            }
            self.heap.swap(i, least);
            self.announce(i, place);
            i = least;
        }
        self.announce(i, place);
    }

    /// Tells `place` where the slot at `i` now is.
    fn announce(&self, i: usize, place: &mut impl FnMut(Slot, u32)) {
        if let Some(item) = self.heap.get(i) {
            // Heap positions are below the slot count, which fits in u32.
            place(item.slot, i as u32);
        }
    }
}
