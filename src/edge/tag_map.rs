//! The map from a tag to what [`super::tags::TagTable`] holds of it: open addressing
//! over a slot list, smaller in wasm than `std`'s map. Entries leave only in batches
//! (`retain`), after which the index is rebuilt, so there are no tombstones. The hash is
//! seeded from the platform on the first insert (tags may come from users).

use crate::rng::{mix, LazyRng};

/// Tags and their values; lookups by tag text.
pub struct TagMap<V> {
    slots: Vec<(Box<str>, V)>,
    /// Open-addressed index (a power of two long, at most half full): 0 for an empty
    /// place, else one more than a slot's position.
    index: Vec<u32>,
    seed: u64,
}

impl<V> TagMap<V> {
    /// An empty map.
    pub fn new() -> TagMap<V> {
        TagMap {
            slots: Vec::new(),
            index: Vec::new(),
            seed: 0,
        }
    }

    /// How many tags it holds.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// The value of `tag`.
    pub fn get(&self, tag: &str) -> Option<&V> {
        let slot = self.find(tag)?;
        self.slots.get(slot).map(|(_, v)| v)
    }

    /// The value of `tag`, to change.
    pub fn get_mut(&mut self, tag: &str) -> Option<&mut V> {
        let slot = self.find(tag)?;
        self.slots.get_mut(slot).map(|(_, v)| v)
    }

    /// The value of `tag`, made with `make` if there is none.
    pub fn get_or_insert(&mut self, tag: &str, make: impl FnOnce() -> V) -> Option<&mut V> {
        let slot = match self.find(tag) {
            Some(slot) => slot,
            None => self.insert(tag, make()),
        };
        self.slots.get_mut(slot).map(|(_, v)| v)
    }

    /// Every value.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.slots.iter().map(|(_, v)| v)
    }

    /// Keeps the tags whose value `keep` (which may change it) says to keep.
    pub fn retain(&mut self, mut keep: impl FnMut(&mut V) -> bool) {
        // Slots are in no order: one that goes is replaced by the last.
        let mut slot = 0;
        while let Some((_, value)) = self.slots.get_mut(slot) {
            if keep(value) {
                slot += 1;
            } else {
                self.slots.swap_remove(slot);
            }
        }
        self.rebuild(self.index.len());
    }

    fn hash(&self, tag: &str) -> usize {
        // FNV-1a from the seed, then mixed.
        let h = tag.bytes().fold(self.seed ^ 0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        mix(h) as usize
    }

    /// The slot of `tag`.
    fn find(&self, tag: &str) -> Option<usize> {
        let mask = self.index.len().checked_sub(1)?;
        let mut at = self.hash(tag) & mask;
        loop {
            let slot = usize::try_from(*self.index.get(at)?).ok()?.checked_sub(1)?;
            if self.slots.get(slot).is_some_and(|(t, _)| &**t == tag) {
                return Some(slot);
            }
            at = (at + 1) & mask;
        }
    }

    /// Adds `tag` (not in the map): its slot.
    fn insert(&mut self, tag: &str, value: V) -> usize {
        if self.index.is_empty() {
            self.seed = LazyRng::default().next_u64();
        }
        self.slots.push((tag.into(), value));
        let slot = self.slots.len() - 1;
        if 2 * self.slots.len() > self.index.len() {
            self.rebuild(4 * self.slots.len());
        } else {
            self.place(slot);
        }
        slot
    }

    /// Indexes every slot again, in an index of at least `size` places (a power of two).
    fn rebuild(&mut self, size: usize) {
        let size = size.max(2 * self.slots.len()).max(16).next_power_of_two();
        self.index.clear();
        self.index.resize(size, 0);
        for slot in 0..self.slots.len() {
            self.place(slot);
        }
    }

    /// Puts `slot` in the first empty place from its tag's hash.
    fn place(&mut self, slot: usize) {
        let Some((tag, _)) = self.slots.get(slot) else {
            return;
        };
        let mask = self.index.len().wrapping_sub(1);
        let mut at = self.hash(tag) & mask;
        while let Some(place) = self.index.get_mut(at) {
            if *place == 0 {
                *place = slot as u32 + 1;
                return;
            }
            at = (at + 1) & mask;
        }
    }
}
