//! A growable array kept in pages of at most 64 KiB, for the memory tier's per-slot data.
//!
//! Growing a `Vec` doubles it: it may hold twice what it needs, and each doubling copies it
//! to a new block and frees the old one. On wasm the freed blocks rarely fit what comes
//! next, and wasm memory never shrinks, so a tier of 200 000 entries used to grow memory by
//! three times its live bookkeeping. A [`Paged`] array never moves an element: it adds
//! whole pages, so at most one page is partly used and nothing is copied. The first page
//! grows by doubling up to a full page, so a small tier commits no more than it holds.
//!
//! Elements are addressed as in a slice, by index; a page holds a power of two of them, so
//! finding one costs a shift, a mask and one more load than a `Vec`.

use std::mem::size_of;

/// Most bytes in one page.
const PAGE_BYTES: usize = 1 << 16;
/// Fewest elements the first page holds once it exists.
const FIRST_PAGE: usize = 16;

/// A growable array of `T` in fixed pages; see the module doc.
#[derive(Clone, Debug)]
pub struct Paged<T> {
    /// Every page but the last is full.
    pages: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Paged<T> {
    fn default() -> Self {
        Paged {
            pages: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Paged<T> {
    /// Elements per page, as a power of two: a page holds at most `PAGE_BYTES`.
    const SHIFT: u32 = if size_of::<T>() == 0 || size_of::<T>() > PAGE_BYTES {
        0
    } else {
        (PAGE_BYTES / size_of::<T>()).ilog2()
    };
    /// Elements per page.
    const PAGE: usize = 1 << Self::SHIFT;

    /// Elements held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no element is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The element at `index`.
    #[inline]
    pub fn get(&self, index: usize) -> Option<&T> {
        self.pages
            .get(index >> Self::SHIFT)?
            .get(index & (Self::PAGE - 1))
    }

    /// The element at `index`, to change.
    #[inline]
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        self.pages
            .get_mut(index >> Self::SHIFT)?
            .get_mut(index & (Self::PAGE - 1))
    }

    /// Appends `value`; `false` if memory cannot be had (nothing changes then).
    pub fn try_push(&mut self, value: T) -> bool {
        let page = self.len >> Self::SHIFT;
        if page == self.pages.len() {
            let first = if page == 0 { FIRST_PAGE } else { Self::PAGE };
            let mut fresh = Vec::new();
            if self.pages.try_reserve(1).is_err()
                || fresh.try_reserve_exact(first.min(Self::PAGE)).is_err()
            {
                return false;
            }
            self.pages.push(fresh);
        }
        let Some(p) = self.pages.get_mut(page) else {
            return false;
        };
        if p.len() == p.capacity() {
            // Only the first page starts short of a full one: it doubles.
            let more = p.len().max(FIRST_PAGE).min(Self::PAGE - p.len());
            if p.try_reserve_exact(more).is_err() {
                return false;
            }
        }
        p.push(value);
        self.len += 1;
        true
    }

    /// Removes every element and frees the pages.
    pub fn clear(&mut self) {
        self.pages.clear();
        self.len = 0;
    }
}

impl<T: Clone> Paged<T> {
    /// Appends copies of `value` until `len` elements are held; `false` if memory runs
    /// out first (the elements appended so far stay).
    pub fn try_resize(&mut self, len: usize, value: T) -> bool {
        while self.len < len {
            if !self.try_push(value.clone()) {
                return false;
            }
        }
        true
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Eight of these fill a page, so a few dozen pushes cross several pages.
    #[derive(Clone, Debug, PartialEq)]
    struct Big(u32, [u8; PAGE_BYTES / 8 - 4]);

    fn big(v: u32) -> Big {
        Big(v, [0; PAGE_BYTES / 8 - 4])
    }

    #[derive(Clone, Debug)]
    enum Op {
        Push(u32),
        Resize(usize, u32),
        Set(usize, u32),
        Clear,
    }

    fn ops() -> impl Strategy<Value = Vec<Op>> {
        prop::collection::vec(
            prop_oneof![
                6 => any::<u32>().prop_map(Op::Push),
                1 => (0..40usize, any::<u32>()).prop_map(|(n, v)| Op::Resize(n, v)),
                3 => (0..48usize, any::<u32>()).prop_map(|(i, v)| Op::Set(i, v)),
                1 => Just(Op::Clear),
            ],
            0..120,
        )
    }

    proptest! {
        /// Elements of 8 KiB (8 per page) match a `Vec` after every operation: every
        /// index in and out of range, and the length.
        #[test]
        fn matches_a_vec(ops in ops()) {
            let mut paged = Paged::<Big>::default();
            let mut model: Vec<u32> = Vec::new();
            for op in ops {
                match op {
                    Op::Push(v) => {
                        prop_assert!(paged.try_push(big(v)));
                        model.push(v);
                    }
                    Op::Resize(n, v) => {
                        prop_assert!(paged.try_resize(n, big(v)));
                        if n > model.len() { model.resize(n, v); }
                    }
                    Op::Set(i, v) => {
                        if let Some(e) = paged.get_mut(i) { *e = big(v); }
                        if let Some(e) = model.get_mut(i) { *e = v; }
                    }
                    Op::Clear => {
                        paged.clear();
                        model.clear();
                    }
                }
                prop_assert_eq!(paged.len(), model.len());
                for i in 0..model.len() + 9 {
                    prop_assert_eq!(paged.get(i).map(|b| b.0), model.get(i).copied());
                }
            }
        }
    }

    #[test]
    fn the_first_page_grows_with_its_elements() {
        let mut paged = Paged::<u64>::default();
        assert!(paged.try_resize(100, 0));
        assert!(paged.pages.iter().map(Vec::capacity).sum::<usize>() < 200);
        assert!(paged.try_resize(Paged::<u64>::PAGE + 1, 0));
        assert_eq!(paged.pages.len(), 2);
        assert_eq!(
            paged.pages.first().map(Vec::capacity),
            Some(Paged::<u64>::PAGE)
        );
    }
}
