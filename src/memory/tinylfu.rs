//! W-TinyLFU, after Caffeine: a small LRU admission window in front of a segmented LRU
//! main space (probation and protected), with a frequency sketch deciding which of the
//! window's overflow and the main space's victim stays, and a hill climber resizing the
//! window to follow the workload (recency-heavy workloads get a large window).
//!
//! Entries live in intrusive doubly-linked lists over a `Vec` indexed by slot, so every
//! operation is O(1) (amortized where entries move between segments) and none allocates
//! except when a new, higher slot first appears. All sizes are in weight units.

use super::policy::EvictionPolicy;
use super::sketch::{FrequencySketch, GhostFilter};
use super::Slot;
use climber::Climber;
use lists::{Lists, Queue, NIL};

/// Share of the capacity that the main space starts with (the window gets the rest).
const PERCENT_MAIN: (u64, u64) = (99, 100);
/// Share of the main space that the protected segment may hold.
const PERCENT_PROTECTED: (u64, u64) = (80, 100);
/// A candidate at least this frequent may be admitted at random against a more frequent
/// victim, one time in 128, so that a flood of colliding hashes cannot pin the cache.
const ADMIT_HASHDOS_THRESHOLD: u8 = 6;
/// Most entries moved between segments per operation by a window resize.
const TRANSFERS_PER_STEP: usize = 32;
/// Seed used if the system cannot provide random bytes.
const FALLBACK_SEED: u64 = 0x5eed_7a1c_e0c4_09b1;

/// `x * num / den` without overflow, for `num <= den`.
fn scale(x: u64, (num, den): (u64, u64)) -> u64 {
    let scaled = u128::from(x) * u128::from(num) / u128::from(den.max(1));
    u64::try_from(scaled).unwrap_or(x)
}

pub(crate) fn tune(name: &'static str, default: f64) -> f64 {
    thread_local! { static CACHE: std::cell::RefCell<std::collections::HashMap<&'static str, f64>> = Default::default(); }
    CACHE.with(|c| {
        *c.borrow_mut().entry(name).or_insert_with(|| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        })
    })
}

/// Random bytes for the hash seed, or a fixed seed if the system has none.
fn random_seed() -> u64 {
    let mut bytes = [0u8; 8];
    if let Ok(v) = std::env::var("EC_SEED") {
        return v.parse().unwrap_or(1);
    }
    match getrandom::fill(&mut bytes) {
        Ok(()) => u64::from_le_bytes(bytes),
        Err(_) => FALLBACK_SEED,
    }
}

/// State of one eviction round (the `evict` calls after one `insert` or `update`): the
/// candidate cursor walks the window's overflow (then the window), the victim is the head
/// of `victim_queue`.
#[derive(Clone, Copy, Debug)]
struct Round {
    /// Next candidate, `NIL` when its queue is exhausted.
    cursor: Slot,
    /// Where the cursor walks: probation (the window's overflow), then the window.
    cursor_queue: Option<Queue>,
    /// Where victims come from: probation, then protected, then the window.
    victim_queue: Option<Queue>,
}

impl Round {
    fn new() -> Self {
        Round {
            cursor: NIL,
            cursor_queue: Some(Queue::Probation),
            victim_queue: Some(Queue::Probation),
        }
    }
}

/// Window TinyLFU with an adaptive window (Caffeine's hill climber).
pub struct TinyLfuPolicy {
    capacity: u64,
    lists: Lists,
    /// Most weight the window holds before spilling into probation.
    window_max: u64,
    /// Most weight protected holds before demoting into probation.
    protected_max: u64,
    sketch: FrequencySketch,
    ghost_window: GhostFilter,
    ghost_main: GhostFilter,
    climber: Climber,
    /// Window resize still to carry out, in weight units (positive grows the window).
    adjustment: i64,
    /// Entries held.
    len: u64,
    dbg_n: u64,
    round: Round,
    /// xorshift64* state for the random admission; nonzero once seeded.
    rng: u64,
}

impl TinyLfuPolicy {
    /// A policy for `capacity` weight units (bytes or entries, as the tier is bounded).
    pub fn new(capacity: u64) -> Self {
        let capacity = capacity.max(1);
        let pm = tune("EC_MAIN", 99.0) as u64;
        let main = scale(capacity, (pm, 100));
        TinyLfuPolicy {
            capacity,
            lists: Lists::default(),
            window_max: capacity - main,
            protected_max: scale(main, PERCENT_PROTECTED),
            sketch: FrequencySketch::new(0),
            ghost_window: GhostFilter::new(0),
            ghost_main: GhostFilter::new(0),
            climber: Climber::new(capacity),
            adjustment: 0,
            len: 0,
            dbg_n: 0,
            round: Round::new(),
            rng: 0,
        }
    }

    /// Seeds the hash mixing and the random admission, on first use.
    fn seed_once(&mut self) {
        if self.rng == 0 {
            let seed = random_seed();
            self.sketch.reseed(seed);
            self.ghost_window.reseed(seed);
            self.ghost_main.reseed(seed);
            self.rng = super::sketch::mix(seed) | 1;
        }
    }

    /// Next xorshift64* value.
    fn random(&mut self) -> u64 {
        let mut x = self.rng | 1;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Removes `slot` from its list, first moving the candidate cursor past it.
    fn detach(&mut self, slot: Slot) -> Option<Queue> {
        if slot == self.round.cursor {
            self.round.cursor = self.lists.next(slot).unwrap_or(NIL);
        }
        self.lists.unlink(slot)
    }

    /// Moves `slot` to the most recent end of `queue`.
    fn move_to(&mut self, slot: Slot, queue: Queue) {
        if self.detach(slot).is_some() {
            self.lists.push_back(queue, slot);
        }
    }

    /// Starts an eviction round: the window's overflow moves to probation and becomes the
    /// round's candidates.
    fn start_round(&mut self) {
        self.round = Round::new();
        while self.lists.weight(Queue::Window) > self.window_max {
            let Some(slot) = self.lists.head(Queue::Window) else {
                break;
            };
            self.move_to(slot, Queue::Probation);
            if tune("EC_GHOST", 0.0) == 2.0 {
                let (sw, _) = self.ghost_spans();
                self.ghost_window.tick_span(sw);
            } else {
                self.ghost_window.tick();
            }
            if self.round.cursor == NIL {
                self.round.cursor = slot;
            }
        }
    }

    /// Demotes the least recent protected entries into probation while protected is over
    /// its share (amortized O(1): each demotion undoes an earlier promotion or resize).
    fn demote_protected(&mut self) {
        while self.lists.weight(Queue::Protected) > self.protected_max {
            let Some(slot) = self.lists.head(Queue::Protected) else {
                break;
            };
            self.move_to(slot, Queue::Probation);
        }
    }

    /// Reorders an entry that was read or rewritten.
    fn touch(&mut self, slot: Slot, queue: Queue) {
        match queue {
            Queue::Window => self.move_to(slot, Queue::Window),
            Queue::Protected => self.move_to(slot, Queue::Protected),
            Queue::Probation => {
                let weight = self.lists.weight_of(slot).unwrap_or(0);
                if weight > self.protected_max {
                    self.move_to(slot, Queue::Probation);
                } else {
                    self.move_to(slot, Queue::Protected);
                    self.demote_protected();
                }
            }
        }
    }

    /// The round's current candidate, moving on to the window once the overflow is done.
    fn candidate(&mut self) -> Option<Slot> {
        if self.round.cursor == NIL && self.round.cursor_queue == Some(Queue::Probation) {
            self.round.cursor_queue = Some(Queue::Window);
            self.round.cursor = self.lists.head(Queue::Window).unwrap_or(NIL);
        }
        if self.round.cursor == NIL {
            self.round.cursor_queue = None;
            return None;
        }
        Some(self.round.cursor)
    }

    /// Whether the candidate should replace the victim.
    fn admit(&mut self, candidate: Slot, victim: Slot) -> bool {
        let freq = |s: Slot, p: &Self| p.lists.hash_of(s).map_or(0, |h| p.sketch.frequency(h));
        let candidate_freq = freq(candidate, self);
        let victim_freq = freq(victim, self);
        if candidate_freq > victim_freq
            || (tune("EC_TIE", 0.0) != 0.0 && candidate_freq == victim_freq)
        {
            true
        } else if candidate_freq >= ADMIT_HASHDOS_THRESHOLD && tune("EC_NORAND", 0.0) == 0.0 {
            self.random() & 127 == 0
        } else {
            false
        }
    }

    /// ARC geometry: the window's ghost spans what the main space holds, and vice versa.
    fn ghost_spans(&self) -> (u64, u64) {
        let w = self.lists.count(Queue::Window);
        let m = self.len.saturating_sub(w);
        let f = tune("EC_GHOST_SPAN", 1.0);
        let min = tune("EC_GHOST_MIN", 16.0);
        ((m as f64 * f).max(min) as u64, (w as f64 * f).max(min) as u64)
    }

    fn ghost(&mut self, slot: Slot, window: bool) {
        if let Some(h) = self.lists.hash_of(slot) {
            if window {
                self.ghost_window.insert(h)
            } else {
                self.ghost_main.insert(h);
                self.ghost_main.tick()
            }
        }
    }

    /// Forgets `slot` as evicted and returns it.
    fn forget(&mut self, slot: Slot) -> Slot {
        if self.detach(slot).is_some() {
            self.len = self.len.saturating_sub(1);
        }
        slot
    }

    /// Applies the hill climber's pending window adjustment, a bounded step at a time.
    fn climb(&mut self) {
        let weight = self.lists.total_weight();
        let ss = (self.sketch.sample_size() as f64 * tune("EC_CLIMB_SAMPLE", 1.0)) as u64;
        if tune("EC_NOCLIMB", 0.0) != 0.0 {
        } else if let Some(adjustment) = self.climber.adjustment(weight, ss) {
            if tune("EC_TRACE", 0.0) != 0.0 {
                eprintln!("climb window_max {} adj {} ", self.window_max, adjustment);
            }
            self.adjustment = adjustment;
        }
        self.demote_protected();
        if self.adjustment > 0 {
            self.increase_window();
        } else if self.adjustment < 0 {
            self.decrease_window();
        }
    }

    /// Moves weight from the main space to the window.
    fn increase_window(&mut self) {
        if self.protected_max == 0 {
            self.adjustment = 0;
            return;
        }
        let mut quota = self.adjustment.unsigned_abs().min(self.protected_max);
        self.protected_max -= quota;
        self.window_max = self.window_max.saturating_add(quota);
        self.demote_protected();
        for _ in 0..TRANSFERS_PER_STEP {
            let fits = |s: Option<Slot>, p: &Self| {
                s.filter(|&s| p.lists.weight_of(s).is_some_and(|w| w <= quota))
            };
            let Some(slot) = fits(self.lists.head(Queue::Probation), self)
                .or_else(|| fits(self.lists.head(Queue::Protected), self))
            else {
                break;
            };
            quota -= self.lists.weight_of(slot).unwrap_or(0);
            self.move_to(slot, Queue::Window);
        }
        self.protected_max = self.protected_max.saturating_add(quota);
        self.window_max = self.window_max.saturating_sub(quota);
        self.adjustment = i64::try_from(quota).unwrap_or(i64::MAX);
    }

    /// Moves weight from the window to the main space.
    fn decrease_window(&mut self) {
        if self.window_max <= 1 {
            self.adjustment = 0;
            return;
        }
        let mut quota = self.adjustment.unsigned_abs().min(self.window_max - 1);
        self.protected_max = self.protected_max.saturating_add(quota);
        self.window_max -= quota;
        for _ in 0..TRANSFERS_PER_STEP {
            let Some(slot) = self.lists.head(Queue::Window) else {
                break;
            };
            let weight = self.lists.weight_of(slot).unwrap_or(0);
            if weight > quota {
                break;
            }
            quota -= weight;
            self.move_to(slot, Queue::Probation);
        }
        self.protected_max = self.protected_max.saturating_sub(quota);
        self.window_max = self.window_max.saturating_add(quota);
        self.adjustment = -i64::try_from(quota).unwrap_or(i64::MAX);
    }
}

impl EvictionPolicy for TinyLfuPolicy {
    fn insert(&mut self, slot: Slot, hash: u32, weight: u64) {
        if slot == NIL {
            return;
        }
        self.seed_once();
        if self.detach(slot).is_some() {
            self.len = self.len.saturating_sub(1);
        }
        if !self.lists.ensure_slot(slot) {
            return;
        }
        self.len += 1;
        self.sketch.ensure_capacity(self.len);
        self.sketch.increment(hash);
        if tune("EC_GHOST", 0.0) == 2.0 {
            self.ghost_window.ensure_capacity(self.len.max(1));
            self.ghost_main.ensure_capacity(self.len.max(1));
            let (sw, sm) = self.ghost_spans();
            let k = tune("EC_GHOST_K", 1.0);
            if self.ghost_window.contains(hash) {
                let r = (sm as f64 / sw as f64).max(1.0);
                self.adjustment = self.adjustment.saturating_add((weight as f64 * k * r) as i64);
            } else if self.ghost_main.contains(hash) {
                let r = (sw as f64 / sm as f64).max(1.0);
                self.adjustment = self.adjustment.saturating_sub((weight as f64 * k * r) as i64);
            }
            let hi = i64::try_from(self.protected_max).unwrap_or(i64::MAX);
            let lo = -i64::try_from(self.window_max.saturating_sub(1)).unwrap_or(i64::MAX);
            self.adjustment = self.adjustment.clamp(lo, hi);
        } else if tune("EC_GHOST", 0.0) != 0.0 {
            let span = (self.len as f64 * tune("EC_GHOST_SPAN", 0.05)) as u64;
            self.ghost_window.ensure_capacity(span.max(1));
            self.ghost_main.ensure_capacity(span.max(1));
            let k = tune("EC_GHOST_K", 1.0);
            let delta = (weight as f64 * k) as i64;
            if self.ghost_window.contains(hash) {
                self.adjustment = self.adjustment.saturating_add(delta);
            } else if self.ghost_main.contains(hash) {
                self.adjustment = self.adjustment.saturating_sub(delta);
            }
            let hi = i64::try_from(self.protected_max).unwrap_or(i64::MAX);
            let lo = -i64::try_from(self.window_max.saturating_sub(1)).unwrap_or(i64::MAX);
            self.adjustment = self.adjustment.clamp(lo, hi);
        }
        self.climber.record_miss();
        self.climb();
        if tune("EC_TRACE2", 0.0) != 0.0 {
            self.dbg_n += 1;
            if self.dbg_n % 2500 == 0 { eprintln!("w {:.1}% len {} win {} prob {} prot {} samples {}", 100.0 * self.window_max as f64 / self.capacity as f64, self.len, self.lists.weight(Queue::Window) * 100 / self.capacity, self.lists.weight(Queue::Probation)* 100 / self.capacity, self.lists.weight(Queue::Protected)* 100 / self.capacity, self.sketch.sample_size()); }
        }
        self.lists.set_entry(slot, hash, weight);
        self.lists.push_back(Queue::Window, slot);
        self.start_round();
    }

    fn access(&mut self, slot: Slot) {
        let Some(queue) = self.lists.queue_of(slot) else {
            return;
        };
        if let Some(hash) = self.lists.hash_of(slot) {
            self.sketch.increment(hash);
        }
        self.climber.record_hit();
        self.touch(slot, queue);
    }

    fn update(&mut self, slot: Slot, weight: u64) {
        let Some(queue) = self.lists.queue_of(slot) else {
            return;
        };
        if let Some(hash) = self.lists.hash_of(slot) {
            self.sketch.increment(hash);
        }
        self.lists.set_weight(slot, weight);
        self.touch(slot, queue);
        self.start_round();
    }

    fn remove(&mut self, slot: Slot) {
        if self.detach(slot).is_some() {
            self.len = self.len.saturating_sub(1);
        }
    }

    fn evict(&mut self) -> Option<Slot> {
        // Each pass either returns or moves the victim queue on (at most three times).
        for _ in 0..4 {
            let candidate = self.candidate();
            let victim = self
                .round
                .victim_queue
                .and_then(|queue| self.lists.head(queue));
            match (candidate, victim) {
                (None, None) => {
                    self.round.victim_queue = match self.round.victim_queue {
                        Some(Queue::Probation) => Some(Queue::Protected),
                        Some(Queue::Protected) => Some(Queue::Window),
                        _ => None,
                    };
                    if self.round.victim_queue.is_none() {
                        break;
                    }
                }
                (Some(candidate), None) => {
                    self.ghost(candidate, true);
                    return Some(self.forget(candidate));
                }
                (None, Some(victim)) => {
                    let w = self.round.victim_queue == Some(Queue::Window);
                    self.ghost(victim, w);
                    return Some(self.forget(victim));
                }
                (Some(candidate), Some(victim)) => {
                    let too_heavy = self
                        .lists
                        .weight_of(candidate)
                        .is_some_and(|w| w > self.capacity);
                    if candidate == victim || too_heavy || !self.admit(candidate, victim) {
                        self.ghost(candidate, true);
                        return Some(self.forget(candidate));
                    }
                    // The candidate stays; the next one faces the next victim.
                    self.round.cursor = self.lists.next(candidate).unwrap_or(NIL);
                    let w = self.round.victim_queue == Some(Queue::Window);
                    self.ghost(victim, w);
                    return Some(self.forget(victim));
                }
            }
        }
        // Not reached while entries remain; a last resort that never leaves them stuck.
        [Queue::Probation, Queue::Protected, Queue::Window]
            .into_iter()
            .find_map(|queue| self.lists.head(queue))
            .map(|slot| self.forget(slot))
    }

    fn clear(&mut self) {
        self.lists.clear();
        self.len = 0;
        self.round = Round::new();
    }
}

/// Intrusive doubly-linked lists of slots, one per segment, with their total weights.
mod lists {
    use super::Slot;

    /// No slot: the end of a list.
    pub(super) const NIL: Slot = Slot::MAX;

    /// The segments of W-TinyLFU.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(super) enum Queue {
        /// The admission window (LRU).
        Window,
        /// Main space, entries not read since they arrived (LRU).
        Probation,
        /// Main space, entries read there (LRU).
        Protected,
    }

    /// Per-slot links and data.
    #[derive(Clone, Copy, Debug)]
    struct Node {
        prev: Slot,
        next: Slot,
        hash: u32,
        weight: u64,
        /// `None` while the slot holds nothing.
        queue: Option<Queue>,
    }

    impl Node {
        const EMPTY: Node = Node {
            prev: NIL,
            next: NIL,
            hash: 0,
            weight: 0,
            queue: None,
        };
    }

    /// One list: least recent at the head, most recent at the tail.
    #[derive(Clone, Copy, Debug)]
    struct Ends {
        head: Slot,
        tail: Slot,
        weight: u64,
        count: u64,
    }

    impl Default for Ends {
        fn default() -> Self {
            Ends {
                head: NIL,
                tail: NIL,
                weight: 0,
                count: 0,
            }
        }
    }

    /// The three segment lists over one node vector.
    #[derive(Debug, Default)]
    pub(super) struct Lists {
        nodes: Vec<Node>,
        window: Ends,
        probation: Ends,
        protected: Ends,
    }

    /// `Some(slot)` unless it is the end marker.
    fn link(slot: Slot) -> Option<Slot> {
        (slot != NIL).then_some(slot)
    }

    impl Lists {
        fn ends(&self, queue: Queue) -> &Ends {
            match queue {
                Queue::Window => &self.window,
                Queue::Probation => &self.probation,
                Queue::Protected => &self.protected,
            }
        }

        fn ends_mut(&mut self, queue: Queue) -> &mut Ends {
            match queue {
                Queue::Window => &mut self.window,
                Queue::Probation => &mut self.probation,
                Queue::Protected => &mut self.protected,
            }
        }

        fn node(&self, slot: Slot) -> Option<&Node> {
            self.nodes.get(slot as usize)
        }

        /// Makes room for `slot` in the node vector; `false` if memory cannot be had.
        pub(super) fn ensure_slot(&mut self, slot: Slot) -> bool {
            let needed = slot as usize + 1;
            if needed > self.nodes.len() {
                let grow = needed.max(self.nodes.len().saturating_mul(2)) - self.nodes.len();
                if self.nodes.try_reserve(grow).is_err() {
                    return false;
                }
                self.nodes.resize(needed, Node::EMPTY);
            }
            true
        }

        /// Sets the key hash and weight of a detached slot.
        pub(super) fn set_entry(&mut self, slot: Slot, hash: u32, weight: u64) {
            if let Some(node) = self.nodes.get_mut(slot as usize) {
                *node = Node {
                    hash,
                    weight,
                    ..Node::EMPTY
                };
            }
        }

        /// Changes a slot's weight, keeping its list's total.
        pub(super) fn set_weight(&mut self, slot: Slot, weight: u64) {
            let Some(node) = self.nodes.get_mut(slot as usize) else {
                return;
            };
            let old = std::mem::replace(&mut node.weight, weight);
            if let Some(queue) = node.queue {
                let ends = self.ends_mut(queue);
                ends.weight = ends.weight.saturating_sub(old).saturating_add(weight);
            }
        }

        /// The list holding `slot`, if any.
        pub(super) fn queue_of(&self, slot: Slot) -> Option<Queue> {
            self.node(slot).and_then(|n| n.queue)
        }

        /// The key hash of a held slot.
        pub(super) fn hash_of(&self, slot: Slot) -> Option<u32> {
            self.node(slot)
                .filter(|n| n.queue.is_some())
                .map(|n| n.hash)
        }

        /// The weight of a held slot.
        pub(super) fn weight_of(&self, slot: Slot) -> Option<u64> {
            self.node(slot)
                .filter(|n| n.queue.is_some())
                .map(|n| n.weight)
        }

        /// The least recent slot of `queue`.
        pub(super) fn head(&self, queue: Queue) -> Option<Slot> {
            link(self.ends(queue).head)
        }

        /// The slot after `slot` (more recent) in its list.
        pub(super) fn next(&self, slot: Slot) -> Option<Slot> {
            self.node(slot)
                .filter(|n| n.queue.is_some())
                .and_then(|n| link(n.next))
        }

        /// Total weight of `queue`.
        pub(super) fn weight(&self, queue: Queue) -> u64 {
            self.ends(queue).weight
        }

        /// Entries in `queue`.
        pub(super) fn count(&self, queue: Queue) -> u64 {
            self.ends(queue).count
        }

        /// Total weight of every list.
        pub(super) fn total_weight(&self) -> u64 {
            self.window
                .weight
                .saturating_add(self.probation.weight)
                .saturating_add(self.protected.weight)
        }

        /// Appends a detached slot at the most recent end of `queue`.
        pub(super) fn push_back(&mut self, queue: Queue, slot: Slot) {
            let tail = self.ends(queue).tail;
            let Some(node) = self.nodes.get_mut(slot as usize) else {
                return;
            };
            if node.queue.is_some() {
                return;
            }
            node.queue = Some(queue);
            node.prev = tail;
            node.next = NIL;
            let weight = node.weight;
            match self.nodes.get_mut(tail as usize) {
                Some(prev) if tail != NIL => prev.next = slot,
                _ => self.ends_mut(queue).head = slot,
            }
            let ends = self.ends_mut(queue);
            ends.tail = slot;
            ends.weight = ends.weight.saturating_add(weight);
            ends.count += 1;
        }

        /// Takes `slot` out of its list; returns the list it was in.
        pub(super) fn unlink(&mut self, slot: Slot) -> Option<Queue> {
            let node = self.nodes.get_mut(slot as usize)?;
            let queue = node.queue.take()?;
            let (prev, next, weight) = (node.prev, node.next, node.weight);
            node.prev = NIL;
            node.next = NIL;
            match self.nodes.get_mut(prev as usize) {
                Some(p) if prev != NIL => p.next = next,
                _ => self.ends_mut(queue).head = next,
            }
            match self.nodes.get_mut(next as usize) {
                Some(n) if next != NIL => n.prev = prev,
                _ => self.ends_mut(queue).tail = prev,
            }
            let ends = self.ends_mut(queue);
            ends.weight = ends.weight.saturating_sub(weight);
            ends.count = ends.count.saturating_sub(1);
            Some(queue)
        }

        /// Empties every list (keeps the memory).
        pub(super) fn clear(&mut self) {
            self.nodes.clear();
            self.window = Ends::default();
            self.probation = Ends::default();
            self.protected = Ends::default();
        }
    }
}

/// Caffeine's hill climber: samples the hit rate over a period, then steps the window
/// size in the direction that last improved it, with a decaying step that restarts when
/// the hit rate moves a lot.
mod climber {
    /// A hit-rate change at least this large restarts the step size.
    use super::tune;
    fn restart() -> f64 {
        tune("EC_RESTART", 0.05)
    }
    fn step_percent() -> f64 {
        tune("EC_STEP", 0.0625)
    }
    fn decay() -> f64 {
        tune("EC_DECAY", 0.98)
    }
    #[allow(dead_code)]
    const RESTART_THRESHOLD: f64 = 0.05;
    /// The initial (and restarted) step, as a share of the capacity.
    #[allow(dead_code)]
    const STEP_PERCENT: f64 = 0.0625;
    /// Each step is this share of the previous one.
    #[allow(dead_code)]
    const STEP_DECAY_RATE: f64 = 0.98;

    /// Hit-rate sampling and step sizing.
    #[derive(Debug)]
    pub(super) struct Climber {
        capacity: f64,
        hits: u64,
        misses: u64,
        previous_hit_rate: f64,
        step: f64,
        /// Sampling starts once the cache is half full.
        started: bool,
    }

    impl Climber {
        /// A climber for `capacity` weight units; the first step shrinks the window.
        pub(super) fn new(capacity: u64) -> Self {
            let capacity = capacity as f64;
            Climber {
                capacity,
                hits: 0,
                misses: 0,
                previous_hit_rate: 0.0,
                step: -step_percent() * capacity * tune("EC_INIT", 1.0),
                started: false,
            }
        }

        /// Counts a hit.
        pub(super) fn record_hit(&mut self) {
            self.hits += 1;
        }

        /// Counts a miss.
        pub(super) fn record_miss(&mut self) {
            self.misses += 1;
        }

        /// The window adjustment in weight units (positive grows it) once a sample of
        /// `sample_size` requests is complete; `None` while sampling.
        pub(super) fn adjustment(&mut self, weight: u64, sample_size: u64) -> Option<i64> {
            if !self.started {
                self.hits = 0;
                self.misses = 0;
                self.started = weight as f64 >= self.capacity / 2.0;
                return None;
            }
            let requests = self.hits + self.misses;
            if requests < sample_size.max(1) {
                return None;
            }
            let hit_rate = self.hits as f64 / requests as f64;
            let change = hit_rate - self.previous_hit_rate;
            let amount = if change >= 0.0 { self.step } else { -self.step };
            self.step = if change.abs() >= restart() {
                step_percent() * self.capacity * amount.signum()
            } else {
                decay() * amount
            };
            self.previous_hit_rate = hit_rate;
            self.hits = 0;
            self.misses = 0;
            // Saturating float-to-int conversion; the amount is at most the capacity.
            Some(amount as i64)
        }
    }
}
