//! Intrusive doubly-linked lists over slots: the links live in two arrays indexed by slot,
//! so moving an entry is a handful of array writes with no hashing and no allocation.
//! One [`Links`] arena can carry several [`SlotList`]s, as long as each slot is in at most
//! one list at a time.

use super::Slot;

const NIL: Slot = Slot::MAX;

/// The `prev`/`next` links of every slot.
#[derive(Default)]
pub struct Links {
    prev: Vec<Slot>,
    next: Vec<Slot>,
}

impl Links {
    fn ensure(&mut self, slot: Slot) {
        let needed = slot as usize + 1;
        if self.prev.len() < needed {
            self.prev.resize(needed, NIL);
            self.next.resize(needed, NIL);
        }
    }

    fn prev(&self, slot: Slot) -> Slot {
        self.prev.get(slot as usize).copied().unwrap_or(NIL)
    }

    fn next(&self, slot: Slot) -> Slot {
        self.next.get(slot as usize).copied().unwrap_or(NIL)
    }

    fn set_prev(&mut self, slot: Slot, to: Slot) {
        if let Some(p) = self.prev.get_mut(slot as usize) {
            *p = to;
        }
    }

    fn set_next(&mut self, slot: Slot, to: Slot) {
        if let Some(n) = self.next.get_mut(slot as usize) {
            *n = to;
        }
    }

    /// Forgets every link.
    pub fn clear(&mut self) {
        self.prev.clear();
        self.next.clear();
    }
}

/// One list: front is most recent, back is least recent.
pub struct SlotList {
    head: Slot,
    tail: Slot,
    len: usize,
}

impl Default for SlotList {
    fn default() -> Self {
        SlotList {
            head: NIL,
            tail: NIL,
            len: 0,
        }
    }
}

impl SlotList {
    /// Number of slots in the list.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The least recent slot.
    pub fn back(&self) -> Option<Slot> {
        (self.tail != NIL).then_some(self.tail)
    }

    /// Links `slot` (which must be in no list) at the front.
    pub fn push_front(&mut self, links: &mut Links, slot: Slot) {
        links.ensure(slot);
        links.set_prev(slot, NIL);
        links.set_next(slot, self.head);
        if self.head == NIL {
            self.tail = slot;
        } else {
            links.set_prev(self.head, slot);
        }
        self.head = slot;
        self.len += 1;
    }

    /// Unlinks `slot`, which must be in this list.
    pub fn unlink(&mut self, links: &mut Links, slot: Slot) {
        let (prev, next) = (links.prev(slot), links.next(slot));
        if prev == NIL {
            self.head = next;
        } else {
            links.set_next(prev, next);
        }
        if next == NIL {
            self.tail = prev;
        } else {
            links.set_prev(next, prev);
        }
        self.len = self.len.saturating_sub(1);
    }

    /// Moves `slot`, which must be in this list, to the front.
    pub fn move_to_front(&mut self, links: &mut Links, slot: Slot) {
        if self.head != slot {
            self.unlink(links, slot);
            self.push_front(links, slot);
        }
    }

    /// Unlinks and returns the least recent slot.
    pub fn pop_back(&mut self, links: &mut Links) -> Option<Slot> {
        let slot = self.back()?;
        self.unlink(links, slot);
        Some(slot)
    }

    /// Empties the list (the caller clears the shared links).
    pub fn clear(&mut self) {
        *self = SlotList::default();
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::VecDeque;

    #[derive(Debug, Clone)]
    enum Op {
        Push(Slot),
        Touch(Slot),
        Unlink(Slot),
        Pop,
    }

    fn ops() -> impl Strategy<Value = Vec<Op>> {
        prop::collection::vec(
            prop_oneof![
                (0..20u32).prop_map(Op::Push),
                (0..20u32).prop_map(Op::Touch),
                (0..20u32).prop_map(Op::Unlink),
                Just(Op::Pop),
            ],
            0..200,
        )
    }

    proptest! {
        /// The list matches a VecDeque model (front = most recent) after every operation.
        #[test]
        fn matches_a_deque(ops in ops()) {
            let (mut links, mut list, mut model) = (Links::default(), SlotList::default(), VecDeque::new());
            for op in ops {
                match op {
                    Op::Push(s) if !model.contains(&s) => { list.push_front(&mut links, s); model.push_front(s); }
                    Op::Touch(s) if model.contains(&s) => {
                        list.move_to_front(&mut links, s);
                        model.retain(|x| *x != s);
                        model.push_front(s);
                    }
                    Op::Unlink(s) if model.contains(&s) => { list.unlink(&mut links, s); model.retain(|x| *x != s); }
                    Op::Pop => prop_assert_eq!(list.pop_back(&mut links), model.pop_back()),
                    _ => {}
                }
                prop_assert_eq!(list.len(), model.len());
                prop_assert_eq!(list.back(), model.back().copied());
            }
            let mut drained = Vec::new();
            while let Some(s) = list.pop_back(&mut links) { drained.push(s); }
            prop_assert_eq!(drained, model.iter().rev().copied().collect::<Vec<_>>());
        }
    }
}
