//! W-TinyLFU after Caffeine: a small LRU admission window in front of a segmented LRU
//! main space (probation and protected). When the window overflows, its least recent
//! entry becomes a candidate for the main space and faces probation's least recent entry,
//! the victim: a frequency sketch estimates how often each was requested and the rarer one
//! is evicted. For weighted (byte-bounded) tiers a candidate faces all the victims needed
//! to make room for it and must be more frequent than their weight-averaged estimate: each
//! victim counts by the weight it frees, so neither many small victims nor one large one
//! outvotes the candidate by their number alone. An admitted candidate that was requested
//! before (a key coming back after an eviction, as a ghost hit does in ARC) goes straight
//! to the protected segment while that has room; a first-time one goes to probation.
//!
//! The window size adapts by hill climbing, guided by ghosts: recently rejected candidates
//! and recently evicted main-space victims are remembered in two small bloom filters. A
//! miss on a rejected candidate means a larger window would have hit, so the window grows;
//! a miss on an evicted victim means a larger main space would have hit, so it shrinks.
//! Both ghosts cover the same short span of evictions, so they estimate the marginal gain
//! of the same step either way, and the window settles where the two balance (tiny on
//! frequency-skewed loads, most of the cache on recency-heavy ones).
//!
//! Entries live in intrusive doubly-linked lists (one [`SlotLists`] arena, a list per
//! segment, each slot's key hash and weight beside its links): every operation is O(1)
//! (amortized where entries move between segments), and none allocates except when a new,
//! higher slot first appears or the sketch grows with the entry count. All sizes are in
//! weight units.

use super::policy::EvictionPolicy;
use super::sketch::{FrequencySketch, GhostFilter};
use super::slot_list::{ListId, SlotLists, Weighted};
use super::{Slot, NO_SLOT};
use crate::rng::LazyRng;

/// Share of the capacity the main space starts with (the window gets the rest).
const PERCENT_MAIN: (u64, u64) = (99, 100);
/// Share of the main space that the protected segment starts with and may grow back to.
const PERCENT_PROTECTED: (u64, u64) = (80, 100);
/// Smallest estimate with which an admitted candidate skips probation: requested at least
/// twice, so it is a returning key rather than a first-time one.
const PROMOTE_FREQUENCY: u8 = 2;
/// Largest share of the capacity the window may grow to.
const PERCENT_WINDOW_MAX: (u64, u64) = (99, 100);
/// Share of the entries held that each ghost filter remembers per generation.
const PERCENT_GHOST_SPAN: (u64, u64) = (5, 100);
/// Window resize per ghost hit, in multiples of the missed entry's weight.
const GHOST_STEP: u64 = 3;
/// A candidate at least this frequent may be admitted at random against a more frequent
/// victim, one time in `ADMIT_HASHDOS_ODDS`, so that a flood of colliding hashes cannot
/// pin the cache.
const ADMIT_HASHDOS_THRESHOLD: u8 = 6;
/// See `ADMIT_HASHDOS_THRESHOLD`.
const ADMIT_HASHDOS_ODDS: u32 = 128;
/// Most victims a candidate is weighed against; a candidate needing more is refused.
const MAX_AGGREGATED_VICTIMS: usize = 16;
/// Most entries moved between segments per operation by a window resize.
const TRANSFERS_PER_STEP: usize = 32;

/// `x * num / den` for the percentages above (`num <= den <= 100`): exact for every `x`
/// a tier can hold (weights are at most 2^53), saturating past that. No 128-bit
/// arithmetic: its division alone is a kilobyte of wasm.
fn scale(x: u64, (num, den): (u64, u64)) -> u64 {
    x.saturating_mul(num) / den.max(1)
}

/// `x` as a signed adjustment, saturating.
fn signed(x: u64) -> i64 {
    i64::try_from(x).unwrap_or(i64::MAX)
}

/// The segments of W-TinyLFU, each a list of the arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Queue {
    /// The admission window (LRU).
    Window,
    /// Main space, entries not read since they arrived (LRU).
    Probation,
    /// Main space, entries read there (LRU).
    Protected,
}

impl ListId for Queue {
    fn index(self) -> usize {
        self as usize
    }
}

/// What the policy keeps per slot, beside its links.
#[derive(Clone, Copy, Debug, Default)]
struct Entry {
    hash: u32,
    weight: u64,
}

impl Weighted for Entry {
    fn weight(&self) -> u64 {
        self.weight
    }
}

/// The three segments over one arena.
type Segments = SlotLists<Queue, Entry, 3>;

/// State of one eviction round (the `evict` calls after one `insert` or `update`): the
/// candidate cursor walks the window's overflow (then the window), the victim is the
/// oldest of `victim_queue`.
#[derive(Clone, Copy, Debug)]
struct Round {
    /// Next candidate, `NO_SLOT` when its queue is exhausted.
    cursor: Slot,
    /// Where the cursor walks: probation (the window's overflow), then the window.
    cursor_queue: Option<Queue>,
    /// Where victims come from: probation, then protected, then the window.
    victim_queue: Option<Queue>,
    /// Weight already evicted on behalf of the current candidate.
    credit: u64,
}

impl Round {
    fn new() -> Self {
        Round {
            cursor: NO_SLOT,
            cursor_queue: Some(Queue::Probation),
            victim_queue: Some(Queue::Probation),
            credit: 0,
        }
    }
}

/// Window TinyLFU with an adaptive, ghost-guided window.
pub struct TinyLfuPolicy {
    capacity: u64,
    lists: Segments,
    /// Most weight the window holds before spilling into probation.
    window_max: u64,
    /// Most weight protected holds before demoting into probation.
    protected_max: u64,
    sketch: FrequencySketch,
    /// Candidates refused admission (and window entries evicted as victims).
    window_ghosts: GhostFilter,
    /// Victims evicted from the main space.
    main_ghosts: GhostFilter,
    /// Window resize still to carry out, in weight units (positive grows the window).
    adjustment: i64,
    /// Entries held.
    len: u64,
    round: Round,
    /// Draws the hash seed, then the admission lottery.
    rng: LazyRng,
    /// Whether the sketch and the ghosts have their hash seed.
    seeded: bool,
}

impl TinyLfuPolicy {
    /// A policy for `capacity` weight units (bytes or entries, as the tier is bounded),
    /// its randomness seeded with `seed`, else from the platform on first use.
    pub fn new(capacity: u64, seed: Option<u64>) -> Self {
        let capacity = capacity.max(1);
        let main = scale(capacity, PERCENT_MAIN);
        TinyLfuPolicy {
            capacity,
            lists: Segments::default(),
            window_max: capacity - main,
            protected_max: scale(main, PERCENT_PROTECTED),
            sketch: FrequencySketch::new(0),
            window_ghosts: GhostFilter::new(0),
            main_ghosts: GhostFilter::new(0),
            adjustment: 0,
            len: 0,
            round: Round::new(),
            rng: seed.map_or_else(LazyRng::default, LazyRng::seeded),
            seeded: false,
        }
    }

    /// Draws the hash seed on first use (not at construction, so that building a cache
    /// never touches the system's random source); the lottery draws from the same `rng`.
    fn seed_once(&mut self) {
        if !self.seeded {
            self.seeded = true;
            let seed = self.rng.next_u64();
            self.sketch.reseed(seed);
            self.window_ghosts.reseed(seed);
            self.main_ghosts.reseed(seed);
        }
    }

    /// The key hash of a held slot.
    fn hash_of(&self, slot: Slot) -> Option<u32> {
        self.lists.get(slot).map(|e| e.hash)
    }

    /// The weight of a held slot.
    fn weight_of(&self, slot: Slot) -> Option<u64> {
        self.lists.get(slot).map(|e| e.weight)
    }

    /// Sizes the sketch and the ghosts for the entries held.
    fn size_sketches(&mut self) {
        self.sketch.ensure_capacity(self.len);
        let span = scale(self.len, PERCENT_GHOST_SPAN);
        self.window_ghosts.ensure_capacity(span);
        self.main_ghosts.ensure_capacity(span);
    }

    /// Removes `slot` from its list, first moving the candidate cursor past it.
    fn detach(&mut self, slot: Slot) -> Option<Queue> {
        if slot == self.round.cursor {
            self.round.cursor = self.lists.newer(slot).unwrap_or(NO_SLOT);
        }
        self.lists.unlink(slot)
    }

    /// Moves `slot` to the most recent end of `queue`.
    fn move_to(&mut self, slot: Slot, queue: Queue) {
        if self.detach(slot).is_some() {
            self.lists.push_newest(queue, slot);
        }
    }

    /// Starts an eviction round: the window's overflow moves to probation and becomes the
    /// round's candidates.
    fn start_round(&mut self) {
        self.round = Round::new();
        while self.lists.weight(Queue::Window) > self.window_max {
            let Some(slot) = self.lists.oldest(Queue::Window) else {
                break;
            };
            self.move_to(slot, Queue::Probation);
            self.window_ghosts.tick();
            if self.round.cursor == NO_SLOT {
                self.round.cursor = slot;
            }
        }
    }

    /// Demotes the least recent protected entries into probation while protected is over
    /// its share (amortized O(1): each demotion undoes an earlier promotion or resize).
    fn demote_protected(&mut self) {
        while self.lists.weight(Queue::Protected) > self.protected_max {
            let Some(slot) = self.lists.oldest(Queue::Protected) else {
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
                let weight = self.weight_of(slot).unwrap_or(0);
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
        if self.round.cursor == NO_SLOT && self.round.cursor_queue == Some(Queue::Probation) {
            self.round.cursor_queue = Some(Queue::Window);
            self.round.cursor = self.lists.oldest(Queue::Window).unwrap_or(NO_SLOT);
        }
        if self.round.cursor == NO_SLOT {
            self.round.cursor_queue = None;
            return None;
        }
        Some(self.round.cursor)
    }

    fn frequency(&self, slot: Slot) -> u8 {
        self.hash_of(slot).map_or(0, |h| self.sketch.frequency(h))
    }

    /// Whether `candidate` should stay at the expense of the oldest entries of `queue`
    /// that weigh at least `room`: it must be more frequent than their average estimate,
    /// each victim weighted by the part of `room` it frees (or win the anti-flooding
    /// lottery). With weights of 1 this is the classic one-victim duel.
    fn admit(&mut self, candidate: Slot, queue: Queue, room: u64) -> bool {
        // Sum over the victims of estimate times the weight counted (at most `room` in all).
        // Estimates are at most 15 and weights at most 2^53: no sum of 16 overflows.
        let mut victims_frequency = 0u64;
        let mut freed = 0u64;
        let mut next = self.lists.oldest(queue);
        for _ in 0..MAX_AGGREGATED_VICTIMS {
            let Some(victim) = next else {
                break;
            };
            next = self.lists.newer(victim);
            if victim == candidate {
                continue;
            }
            let weight = self.weight_of(victim).unwrap_or(0);
            let counted = weight.min(room.saturating_sub(freed));
            victims_frequency = victims_frequency
                .saturating_add(u64::from(self.frequency(victim)).saturating_mul(counted));
            freed = freed.saturating_add(weight);
            if freed >= room {
                break;
            }
        }
        if freed < room {
            return false;
        }
        let candidate_frequency = self.frequency(candidate);
        if u64::from(candidate_frequency).saturating_mul(room) > victims_frequency {
            true
        } else if candidate_frequency >= ADMIT_HASHDOS_THRESHOLD {
            self.rng.below(ADMIT_HASHDOS_ODDS) == 0
        } else {
            false
        }
    }

    /// Places an admitted candidate of the window's overflow: a returning key goes to
    /// protected if protected has room for it, a first-time one stays in probation. Only
    /// free room is taken, never an entry demoted: so an overestimated key (a sketch
    /// collision) cannot push a protected entry back into probation.
    fn settle(&mut self, candidate: Slot, weight: u64) {
        let protected_room = self
            .protected_max
            .saturating_sub(self.lists.weight(Queue::Protected));
        if self.round.cursor_queue == Some(Queue::Probation)
            && weight <= protected_room
            && self.frequency(candidate) >= PROMOTE_FREQUENCY
        {
            self.move_to(candidate, Queue::Protected);
        }
    }

    /// Evicts a candidate (refused admission), remembering it as a window ghost.
    fn evict_candidate(&mut self, slot: Slot) -> Slot {
        self.round.credit = 0;
        if let Some(hash) = self.hash_of(slot) {
            self.window_ghosts.insert(hash);
        }
        self.forget(slot)
    }

    /// Evicts a victim, remembering it as a ghost of the segment it leaves.
    fn evict_victim(&mut self, slot: Slot) -> Slot {
        if let Some(hash) = self.hash_of(slot) {
            if self.round.victim_queue == Some(Queue::Window) {
                self.window_ghosts.insert(hash);
            } else {
                self.main_ghosts.insert(hash);
                self.main_ghosts.tick();
            }
        }
        self.forget(slot)
    }

    /// Forgets an evicted slot and returns it.
    fn forget(&mut self, slot: Slot) -> Slot {
        if self.detach(slot).is_some() {
            self.len = self.len.saturating_sub(1);
        }
        slot
    }

    /// Steps the window after a miss on a ghost: up for a refused candidate, down for an
    /// evicted victim.
    fn climb(&mut self, hash: u32, weight: u64) {
        let step = signed(weight.max(1).saturating_mul(GHOST_STEP));
        if self.window_ghosts.contains(hash) {
            self.adjustment = self.adjustment.saturating_add(step);
        } else if self.main_ghosts.contains(hash) {
            self.adjustment = self.adjustment.saturating_sub(step);
        }
        let most = signed(self.window_room());
        let least = -signed(self.window_max.saturating_sub(1));
        self.adjustment = self.adjustment.clamp(least, most);
        if self.adjustment > 0 {
            self.increase_window();
        } else if self.adjustment < 0 {
            self.decrease_window();
        }
    }

    /// How much the window may still grow.
    fn window_room(&self) -> u64 {
        scale(self.capacity, PERCENT_WINDOW_MAX).saturating_sub(self.window_max)
    }

    /// Moves weight from the main space to the window: first any room the main space has
    /// not filled, then its least recent entries (a bounded number per call; the rest of
    /// the adjustment waits for the next insert).
    fn increase_window(&mut self) {
        let mut quota = self.adjustment.unsigned_abs().min(self.window_room());
        let main_weight = self
            .lists
            .total_weight()
            .saturating_sub(self.lists.weight(Queue::Window));
        let main_room = self
            .capacity
            .saturating_sub(self.window_max)
            .saturating_sub(main_weight);
        let mut moved = quota.min(main_room);
        quota -= moved;
        for _ in 0..TRANSFERS_PER_STEP {
            let fits = |s: Option<Slot>, p: &Self| {
                s.filter(|&s| p.weight_of(s).is_some_and(|w| w <= quota))
            };
            let Some(slot) = fits(self.lists.oldest(Queue::Probation), self)
                .or_else(|| fits(self.lists.oldest(Queue::Protected), self))
            else {
                break;
            };
            let weight = self.weight_of(slot).unwrap_or(0);
            quota -= weight;
            moved += weight;
            self.move_to(slot, Queue::Window);
        }
        self.window_max += moved;
        self.protected_max = self.protected_max.saturating_sub(moved);
        self.adjustment = signed(quota);
        self.demote_protected();
    }

    /// Moves weight from the window to the main space: first any room the window has not
    /// filled, then its least recent entries, which go to the least recent end of
    /// probation (they were not admitted, so they face the next candidates first).
    fn decrease_window(&mut self) {
        let mut quota = self
            .adjustment
            .unsigned_abs()
            .min(self.window_max.saturating_sub(1));
        let window_room = self
            .window_max
            .saturating_sub(self.lists.weight(Queue::Window));
        let mut moved = quota.min(window_room);
        quota -= moved;
        for _ in 0..TRANSFERS_PER_STEP {
            let Some(slot) = self.lists.oldest(Queue::Window) else {
                break;
            };
            let weight = self.weight_of(slot).unwrap_or(0);
            if weight > quota {
                break;
            }
            quota -= weight;
            moved += weight;
            if self.detach(slot).is_some() {
                self.lists.push_oldest(Queue::Probation, slot);
            }
        }
        self.window_max = self.window_max.saturating_sub(moved);
        let protected_share = scale(
            self.capacity.saturating_sub(self.window_max),
            PERCENT_PROTECTED,
        );
        self.protected_max = (self.protected_max + moved).min(protected_share);
        self.adjustment = -signed(quota);
    }
}

impl EvictionPolicy for TinyLfuPolicy {
    fn insert(&mut self, slot: Slot, hash: u32, weight: u64) {
        if slot == NO_SLOT {
            return;
        }
        self.seed_once();
        self.remove(slot);
        if !self.lists.ensure(slot) {
            // Out of memory for the node: the entry stays unknown to the policy.
            return;
        }
        self.len += 1;
        self.size_sketches();
        self.sketch.increment(hash);
        self.climb(hash, weight);
        self.lists.set(slot, Entry { hash, weight });
        self.lists.push_newest(Queue::Window, slot);
        self.start_round();
    }

    fn access(&mut self, slot: Slot) {
        let Some(queue) = self.lists.list_of(slot) else {
            return;
        };
        if let Some(hash) = self.hash_of(slot) {
            self.sketch.increment(hash);
        }
        self.touch(slot, queue);
    }

    fn update(&mut self, slot: Slot, weight: u64) {
        let Some(queue) = self.lists.list_of(slot) else {
            return;
        };
        if let Some(hash) = self.hash_of(slot) {
            self.sketch.increment(hash);
        }
        if let Some(&entry) = self.lists.get(slot) {
            self.lists.set(slot, Entry { weight, ..entry });
        }
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
                .and_then(|queue| self.lists.oldest(queue));
            let (candidate, victim) = match (candidate, victim) {
                (None, None) => {
                    self.round.victim_queue = match self.round.victim_queue {
                        Some(Queue::Probation) => Some(Queue::Protected),
                        Some(Queue::Protected) => Some(Queue::Window),
                        _ => None,
                    };
                    continue;
                }
                (Some(candidate), None) => return Some(self.evict_candidate(candidate)),
                (None, Some(victim)) => return Some(self.evict_victim(victim)),
                (Some(candidate), Some(victim)) => (candidate, victim),
            };
            let weight = self.weight_of(candidate).unwrap_or(0);
            if candidate == victim || weight > self.capacity {
                return Some(self.evict_candidate(candidate));
            }
            // Room the candidate still needs: what the cache is over by, at most its weight.
            let over = self.lists.total_weight().saturating_sub(self.capacity);
            let room = over.min(weight.saturating_sub(self.round.credit)).max(1);
            let queue = self.round.victim_queue.unwrap_or(Queue::Probation);
            if !self.admit(candidate, queue, room) {
                return Some(self.evict_candidate(candidate));
            }
            self.round.credit = self
                .round
                .credit
                .saturating_add(self.weight_of(victim).unwrap_or(0));
            if self.round.credit >= weight {
                // The candidate is paid for; the next one faces the next victims.
                self.round.credit = 0;
                self.round.cursor = self.lists.newer(candidate).unwrap_or(NO_SLOT);
                self.settle(candidate, weight);
            }
            return Some(self.evict_victim(victim));
        }
        // Not reached while entries remain; a last resort that never leaves them stuck.
        [Queue::Probation, Queue::Protected, Queue::Window]
            .into_iter()
            .find_map(|queue| self.lists.oldest(queue))
            .map(|slot| self.forget(slot))
    }

    fn clear(&mut self) {
        self.lists.clear();
        self.len = 0;
        self.round = Round::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Drives the policy like the tier does, with entry weights of 1.
    fn fill(policy: &mut TinyLfuPolicy, capacity: u64, keys: impl Iterator<Item = u32>) {
        let mut held = 0u64;
        for (slot, key) in keys.enumerate() {
            policy.insert(slot as Slot, key, 1);
            held += 1;
            while held > capacity {
                assert!(policy.evict().is_some());
                held -= 1;
            }
        }
    }

    #[test]
    fn evicts_everything_then_nothing() {
        let mut p = TinyLfuPolicy::new(10, Some(1));
        for slot in 0..5 {
            p.insert(slot, slot * 7, 1);
        }
        let mut seen: Vec<Slot> = (0..5).filter_map(|_| p.evict()).collect();
        seen.sort_unstable();
        assert_eq!(seen, vec![0, 1, 2, 3, 4]);
        assert_eq!(p.evict(), None);
    }

    #[test]
    fn unknown_slots_are_ignored() {
        let mut p = TinyLfuPolicy::new(4, Some(1));
        p.access(3);
        p.update(9, 5);
        p.remove(NO_SLOT);
        p.insert(NO_SLOT, 1, 1);
        assert_eq!(p.evict(), None);
    }

    #[test]
    fn frequent_keys_survive_a_scan() {
        let capacity = 100;
        let mut p = TinyLfuPolicy::new(capacity, Some(1));
        fill(&mut p, capacity, 0..100);
        for _ in 0..5 {
            for slot in 0..50 {
                p.access(slot);
            }
        }
        // A scan of new keys (slots reused as the tier would: evicted ones).
        let mut evicted = Vec::new();
        for key in 1000..1300u32 {
            let slot = evicted.pop().unwrap_or(100 + key);
            p.insert(slot, key, 1);
            if let Some(v) = p.evict() {
                evicted.push(v);
            }
        }
        let survivors = (0..50).filter(|&s| p.lists.list_of(s).is_some()).count();
        assert!(survivors >= 45, "only {survivors} hot entries survived");
    }

    #[test]
    fn weights_are_tracked_through_updates() {
        let mut p = TinyLfuPolicy::new(1000, Some(1));
        p.insert(0, 1, 100);
        p.insert(1, 2, 200);
        p.update(0, 50);
        assert_eq!(p.lists.total_weight(), 250);
        p.remove(1);
        assert_eq!(p.lists.total_weight(), 50);
    }
}
