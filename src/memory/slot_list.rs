//! Intrusive doubly-linked lists over slots. Each slot's links live in one array indexed
//! by slot, beside the slot's data, so moving an entry is a handful of array writes with
//! no hashing and no allocation. One [`SlotLists`] arena carries `N` lists (LRU uses one,
//! W-TinyLFU one per segment); a slot is in at most one of them, and the arena records
//! which, so unlinking a slot that is in no list does nothing.
//!
//! Every list runs from its oldest slot (linked longest ago, the eviction end) to its
//! newest.

use super::paged::Paged;
use super::{Slot, NO_SLOT};

/// Names the lists of an arena.
pub trait ListId: Copy + Eq {
    /// The list's position among the arena's `N`; an index of `N` or more names no list,
    /// and operations on it do nothing.
    fn index(self) -> usize;
}

/// The one list of a single-list arena.
impl ListId for () {
    fn index(self) -> usize {
        0
    }
}

/// Per-slot data; each list keeps the sum of its slots' weights.
pub trait Weighted: Copy + Default {
    /// This slot's share of its list's weight.
    fn weight(&self) -> u64;
}

/// No data: every slot weighs 1, so a list's weight is its length.
impl Weighted for () {
    fn weight(&self) -> u64 {
        1
    }
}

/// One slot's links, list and data.
#[derive(Clone, Copy)]
struct Node<L, T> {
    older: Slot,
    newer: Slot,
    /// `None` while the slot is in no list.
    list: Option<L>,
    data: T,
}

/// The two ends of one list, and its weight.
#[derive(Clone, Copy)]
struct Ends {
    oldest: Slot,
    newest: Slot,
    weight: u64,
}

impl Ends {
    const EMPTY: Ends = Ends {
        oldest: NO_SLOT,
        newest: NO_SLOT,
        weight: 0,
    };
}

/// `N` lists named by `L` over one arena of per-slot links and data `T`.
pub struct SlotLists<L, T, const N: usize> {
    nodes: Paged<Node<L, T>>,
    ends: [Ends; N],
}

impl<L, T, const N: usize> Default for SlotLists<L, T, N> {
    fn default() -> Self {
        SlotLists {
            nodes: Paged::default(),
            ends: [Ends::EMPTY; N],
        }
    }
}

/// `Some(slot)` unless it is the end marker.
fn link(slot: Slot) -> Option<Slot> {
    (slot != NO_SLOT).then_some(slot)
}

impl<L: ListId, T: Weighted, const N: usize> SlotLists<L, T, N> {
    /// Makes room for `slot` in the arena; `false` if memory cannot be had, or for
    /// `NO_SLOT` (which must never be linked: it marks the ends).
    pub fn ensure(&mut self, slot: Slot) -> bool {
        if slot == NO_SLOT {
            return false;
        }
        let empty = Node {
            older: NO_SLOT,
            newer: NO_SLOT,
            list: None,
            data: T::default(),
        };
        // Pages, not doubling: growing copies nothing and commits at most a page ahead.
        self.nodes.try_resize(slot as usize + 1, empty)
    }

    /// The data of a slot that is in a list.
    pub fn get(&self, slot: Slot) -> Option<&T> {
        self.linked(slot).map(|n| &n.data)
    }

    /// Sets the data of `slot`, in a list or not, keeping its list's weight.
    pub fn set(&mut self, slot: Slot, data: T) {
        let Some(node) = self.nodes.get_mut(slot as usize) else {
            return;
        };
        let old = std::mem::replace(&mut node.data, data).weight();
        if let Some(ends) = node.list.and_then(|l| self.ends.get_mut(l.index())) {
            ends.weight = ends
                .weight
                .saturating_sub(old)
                .saturating_add(data.weight());
        }
    }

    /// The list `slot` is in.
    pub fn list_of(&self, slot: Slot) -> Option<L> {
        self.nodes.get(slot as usize).and_then(|n| n.list)
    }

    /// The oldest slot of `list`.
    pub fn oldest(&self, list: L) -> Option<Slot> {
        self.ends.get(list.index()).and_then(|e| link(e.oldest))
    }

    /// The slot linked after `slot` in its list.
    pub fn newer(&self, slot: Slot) -> Option<Slot> {
        self.linked(slot).and_then(|n| link(n.newer))
    }

    /// Total weight of `list`.
    pub fn weight(&self, list: L) -> u64 {
        self.ends.get(list.index()).map_or(0, |e| e.weight)
    }

    /// Total weight of every list.
    pub fn total_weight(&self) -> u64 {
        self.ends
            .iter()
            .fold(0, |sum, e| sum.saturating_add(e.weight))
    }

    /// Links `slot` as the newest of `list`, if it is in no list and in the arena (see
    /// `ensure`).
    pub fn push_newest(&mut self, list: L, slot: Slot) {
        let newest = self.ends.get(list.index()).map_or(NO_SLOT, |e| e.newest);
        self.link_between(list, slot, newest, NO_SLOT);
    }

    /// Links `slot` as the oldest of `list`, if it is in no list and in the arena.
    pub fn push_oldest(&mut self, list: L, slot: Slot) {
        let oldest = self.ends.get(list.index()).map_or(NO_SLOT, |e| e.oldest);
        self.link_between(list, slot, NO_SLOT, oldest);
    }

    /// Moves `slot`, if it is in a list, to the newest end of that list.
    pub fn move_to_newest(&mut self, slot: Slot) {
        let Some(list) = self.list_of(slot) else {
            return;
        };
        if self
            .ends
            .get(list.index())
            .is_some_and(|e| e.newest != slot)
        {
            self.unlink(slot);
            self.push_newest(list, slot);
        }
    }

    /// Takes `slot` out of its list; returns the list it was in.
    pub fn unlink(&mut self, slot: Slot) -> Option<L> {
        let node = self.nodes.get_mut(slot as usize)?;
        let list = node.list.take()?;
        let (older, newer) = (node.older, node.newer);
        node.older = NO_SLOT;
        node.newer = NO_SLOT;
        let weight = node.data.weight();
        // `list` was checked against `ends` when the slot was linked.
        let ends = self.ends.get_mut(list.index())?;
        ends.weight = ends.weight.saturating_sub(weight);
        match self.nodes.get_mut(older as usize) {
            Some(n) if older != NO_SLOT => n.newer = newer,
            _ => ends.oldest = newer,
        }
        match self.nodes.get_mut(newer as usize) {
            Some(n) if newer != NO_SLOT => n.older = older,
            _ => ends.newest = older,
        }
        Some(list)
    }

    /// Unlinks and returns the oldest slot of `list`.
    pub fn pop_oldest(&mut self, list: L) -> Option<Slot> {
        let slot = self.oldest(list)?;
        self.unlink(slot);
        Some(slot)
    }

    /// Empties every list and frees the arena.
    pub fn clear(&mut self) {
        self.nodes.clear();
        self.ends = [Ends::EMPTY; N];
    }

    /// The node of a slot that is in a list.
    fn linked(&self, slot: Slot) -> Option<&Node<L, T>> {
        self.nodes.get(slot as usize).filter(|n| n.list.is_some())
    }

    /// Links `slot`, which must be in no list, between `older` and `newer` of `list`.
    fn link_between(&mut self, list: L, slot: Slot, older: Slot, newer: Slot) {
        let Some(ends) = self.ends.get_mut(list.index()) else {
            return;
        };
        let Some(node) = self.nodes.get_mut(slot as usize) else {
            return;
        };
        if node.list.is_some() {
            // Linking it twice would corrupt both neighbourhoods.
            return;
        }
        node.list = Some(list);
        node.older = older;
        node.newer = newer;
        ends.weight = ends.weight.saturating_add(node.data.weight());
        match self.nodes.get_mut(older as usize) {
            Some(n) if older != NO_SLOT => n.newer = slot,
            _ => ends.oldest = slot,
        }
        match self.nodes.get_mut(newer as usize) {
            Some(n) if newer != NO_SLOT => n.older = slot,
            _ => ends.newest = slot,
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::VecDeque;

    /// Two lists, so that moves between lists are covered.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    struct Two(usize);

    impl ListId for Two {
        fn index(self) -> usize {
            self.0
        }
    }

    #[derive(Clone, Copy, Debug, Default, PartialEq)]
    struct Weight(u64);

    impl Weighted for Weight {
        fn weight(&self) -> u64 {
            self.0
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        PushNewest(usize, Slot, u64),
        PushOldest(usize, Slot, u64),
        Touch(Slot),
        Unlink(Slot),
        Pop(usize),
        Reweigh(Slot, u64),
    }

    fn ops() -> impl Strategy<Value = Vec<Op>> {
        let (list, slot, weight) = (0..3usize, 0..20u32, 0..100u64);
        prop::collection::vec(
            prop_oneof![
                (list.clone(), slot.clone(), weight.clone())
                    .prop_map(|(l, s, w)| Op::PushNewest(l, s, w)),
                (list.clone(), slot.clone(), weight.clone())
                    .prop_map(|(l, s, w)| Op::PushOldest(l, s, w)),
                slot.clone().prop_map(Op::Touch),
                slot.clone().prop_map(Op::Unlink),
                list.prop_map(Op::Pop),
                (slot, weight).prop_map(|(s, w)| Op::Reweigh(s, w)),
            ],
            0..300,
        )
    }

    /// Every list, walked from its oldest slot.
    fn walk(lists: &SlotLists<Two, Weight, 2>, list: usize) -> Vec<(Slot, u64)> {
        let mut out = Vec::new();
        let mut at = lists.oldest(Two(list));
        while let Some(slot) = at {
            out.push((slot, lists.get(slot).map_or(0, |w| w.0)));
            at = lists.newer(slot);
        }
        out
    }

    proptest! {
        /// Two lists (and a list index out of range, which names no list) match two
        /// VecDeque models, oldest first, with their weights, after every operation.
        #[test]
        fn matches_deques(ops in ops()) {
            let mut lists = SlotLists::<Two, Weight, 2>::default();
            let mut model: [VecDeque<(Slot, u64)>; 2] = Default::default();
            let find = |model: &[VecDeque<(Slot, u64)>; 2], s: Slot| {
                (0..2).find_map(|l| model[l].iter().position(|e| e.0 == s).map(|i| (l, i)))
            };
            for op in ops {
                match op {
                    Op::PushNewest(l, s, w) | Op::PushOldest(l, s, w) => {
                        prop_assert!(lists.ensure(s));
                        let held = find(&model, s).is_some();
                        if !held {
                            lists.set(s, Weight(w));
                        }
                        if matches!(op, Op::PushNewest(..)) {
                            lists.push_newest(Two(l), s);
                            if l < 2 && !held { model[l].push_back((s, w)); }
                        } else {
                            lists.push_oldest(Two(l), s);
                            if l < 2 && !held { model[l].push_front((s, w)); }
                        }
                    }
                    Op::Touch(s) => {
                        lists.move_to_newest(s);
                        if let Some((l, i)) = find(&model, s) {
                            let e = model[l].remove(i).unwrap();
                            model[l].push_back(e);
                        }
                    }
                    Op::Unlink(s) => {
                        let found = find(&model, s);
                        prop_assert_eq!(lists.unlink(s), found.map(|(l, _)| Two(l)));
                        if let Some((l, i)) = found { model[l].remove(i); }
                    }
                    Op::Pop(l) => {
                        let expected = model.get_mut(l).and_then(|m| m.pop_front()).map(|e| e.0);
                        prop_assert_eq!(lists.pop_oldest(Two(l)), expected);
                    }
                    Op::Reweigh(s, w) => {
                        if let Some((l, i)) = find(&model, s) {
                            lists.set(s, Weight(w));
                            model[l][i].1 = w;
                        }
                    }
                }
                for (l, m) in model.iter().enumerate() {
                    prop_assert_eq!(walk(&lists, l), m.iter().copied().collect::<Vec<_>>());
                    prop_assert_eq!(lists.weight(Two(l)), m.iter().map(|e| e.1).sum::<u64>());
                }
                prop_assert_eq!(lists.total_weight(), lists.weight(Two(0)) + lists.weight(Two(1)));
                prop_assert_eq!(lists.oldest(Two(2)), None);
                prop_assert_eq!(lists.weight(Two(2)), 0);
            }
        }
    }

    #[test]
    fn no_slot_is_never_linked() {
        let mut lists = SlotLists::<(), (), 1>::default();
        assert!(!lists.ensure(NO_SLOT));
        lists.push_newest((), NO_SLOT);
        lists.move_to_newest(NO_SLOT);
        assert_eq!(lists.unlink(NO_SLOT), None);
        assert_eq!(lists.pop_oldest(()), None);
        assert!(lists.ensure(3));
        lists.push_newest((), 3);
        lists.push_newest((), 3);
        assert_eq!(lists.weight(()), 1, "a slot is linked once");
        assert_eq!(lists.pop_oldest(()), Some(3));
        assert_eq!(lists.pop_oldest(()), None);
    }
}
