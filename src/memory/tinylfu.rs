//! W-TinyLFU after Caffeine: an admission window in front of a segmented LRU main space
//! (probation and protected). When the window overflows, its first entry becomes a
//! candidate for the main space and faces probation's least recent entry, the victim: a
//! frequency sketch estimates how often each was requested and, compared per weight unit
//! (so per byte in a byte-bounded tier), the rarer one is evicted. A candidate that wins
//! takes the room of as many entries after the victim as it needs. An admitted candidate
//! requested often before (a key that keeps coming back) goes straight to the protected
//! segment while that has room; others go to probation.
//!
//! The window is ordered by a greedy-dual priority (GDSF): an entry ranks at the priority
//! of the last entry to leave the window plus its estimate per weight unit, so large,
//! rarely-seen first-timers leave first and a fresh entry outranks an old one of equal
//! worth. With weights of 1 (entry-bounded tiers) the estimate is left out and the
//! window is plain LRU: measured, a frequency-ordered window of equal weights loses up to
//! 0.3 points on OLTP and on recency-heavy loads.
//!
//! The window size adapts by hill climbing. Byte-bounded tiers climb on the hit rate: at
//! the end of each sample (as many requests as entries held, 512 at least) a drop in the
//! hit rate reverses the direction, and each step is 2 % smaller than the last, from a
//! sixteenth of the capacity. Entry-bounded tiers are guided by ghosts instead: recently
//! refused candidates and recently evicted main-space victims are remembered in two small
//! bloom filters; a miss on a refused candidate grows the window, one on an evicted victim
//! shrinks it. (Measured: ghosts lose 1 300–4 700 misses to ARC on cloudPhysicsIO at
//! 512–640 MiB; the hit-rate climber loses up to 30 points on a working set that moves.)
//!
//! Entries live in intrusive doubly-linked lists (one [`SlotLists`] arena, a list per
//! segment, each slot's key hash, weight and window rank beside its links) plus a binary
//! heap for the window's order: every operation is O(1) or O(log window), and none
//! allocates except when a new, higher slot first appears, the window's heap grows, or
//! the sketch grows with the entry count. All sizes are in weight units.

use super::policy::EvictionPolicy;
use super::ranked::RankedSlots;
use super::sketch::{FrequencySketch, GhostFilter};
use super::slot_list::{ListId, SlotLists, Weighted};
use super::{Slot, NO_SLOT};
use crate::rng::LazyRng;

/// Share of the capacity the window starts with.
const PERCENT_WINDOW: (u64, u64) = (1, 100);
/// Share of the main space that the protected segment starts with and may grow back to.
const PERCENT_PROTECTED: (u64, u64) = (80, 100);
/// Smallest estimate with which an admitted candidate skips probation: requested at least
/// six times, so a key that keeps coming back rather than one seen twice (measured: 2 and
/// 3 lose 0.2–0.6 points on OLTP and P3).
const PROMOTE_FREQUENCY: u8 = 6;
/// Largest share of the capacity the window may grow to (entry-bounded tiers).
const PERCENT_WINDOW_MAX: (u64, u64) = (99, 100);
/// Largest share of the capacity the window may grow to (byte-bounded tiers).
const PERCENT_WINDOW_MAX_BYTES: (u64, u64) = (80, 100);
/// Share of the entries held that each ghost filter remembers per generation.
const PERCENT_GHOST_SPAN: (u64, u64) = (5, 100);
/// Window resize per ghost hit, in multiples of the missed entry's weight.
const GHOST_STEP: u64 = 3;
/// The climber's first step, as a share of the capacity.
const PERCENT_STEP: (u64, u64) = (1, 16);
/// What each step keeps of the one before.
const STEP_DECAY: (u64, u64) = (49, 50);
/// Fewest requests per hit-rate sample (a sample is at least as many as the entries held).
const MIN_SAMPLE: u64 = 512;
/// A candidate at least this frequent may be admitted at random against a more frequent
/// victim, one time in `ADMIT_HASHDOS_ODDS`, so that a flood of colliding hashes cannot
/// pin the cache.
const ADMIT_HASHDOS_THRESHOLD: u8 = 6;
/// See `ADMIT_HASHDOS_THRESHOLD`.
const ADMIT_HASHDOS_ODDS: u32 = 128;
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
    /// The admission window (ordered by `RankedSlots`, not by its list).
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

/// What the policy keeps per slot, beside its links. The weight is kept as two halves, so
/// that the entry (and the slot's node around it) is aligned to 4 bytes: 28 bytes a node
/// instead of 32.
#[derive(Clone, Copy, Debug, Default)]
struct Entry {
    hash: u32,
    /// Position in the window's heap, while in the window.
    rank: u32,
    /// The weight's low and high 32 bits.
    weight: [u32; 2],
}

impl Entry {
    fn new(hash: u32, weight: u64) -> Self {
        // Truncation is intended: the two halves.
        let halves = [weight as u32, (weight >> 32) as u32];
        Entry {
            hash,
            rank: 0,
            weight: halves,
        }
    }
}

impl Weighted for Entry {
    fn weight(&self) -> u64 {
        let [low, high] = self.weight;
        u64::from(high) << 32 | u64::from(low)
    }
}

/// The three segments over one arena.
type Segments = SlotLists<Queue, Entry, 3>;

/// Records a slot's heap position.
fn placer(lists: &mut Segments) -> impl FnMut(Slot, u32) + '_ {
    move |slot, rank| {
        if let Some(&entry) = lists.get(slot) {
            lists.set(slot, Entry { rank, ..entry });
        }
    }
}

/// State of one eviction round (the `evict` calls after one `insert` or `update`): the
/// candidate cursor walks the window's overflow (then the window), the victim is the
/// oldest of `victim_queue`.
#[derive(Clone, Copy, Debug)]
struct Round {
    /// Next candidate of the overflow, `NO_SLOT` when exhausted.
    cursor: Slot,
    /// Where candidates come from: probation (the window's overflow), then the window.
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

/// The hill climber's state: hit rate of the last sample, and where it is heading.
#[derive(Clone, Copy, Debug)]
struct Climber {
    hits: u64,
    requests: u64,
    /// Hit rate of the previous sample; negative before the first.
    previous: f64,
    /// Next resize, in weight units.
    step: u64,
    growing: bool,
}

/// Window TinyLFU with a greedy-dual window and an adaptive window size.
pub struct TinyLfuPolicy {
    capacity: u64,
    lists: Segments,
    /// The window's eviction order.
    window: RankedSlots,
    /// Priority of the last entry to leave the window (the greedy-dual "L").
    floor: f64,
    /// Most weight the window holds before spilling into probation.
    window_max: u64,
    /// Most weight protected holds before demoting into probation.
    protected_max: u64,
    sketch: FrequencySketch,
    climber: Climber,
    window_ghosts: GhostFilter,
    main_ghosts: GhostFilter,
    /// Window resize still to carry out, in weight units (positive grows the window).
    adjustment: i64,
    /// Entries held.
    len: u64,
    /// Whether weights are bytes.
    weighted: bool,
    round: Round,
    /// Draws the hash seed, then the admission lottery.
    rng: LazyRng,
    /// Whether the sketch has its hash seed.
    seeded: bool,
}

impl TinyLfuPolicy {
    /// A policy for `capacity` weight units (bytes or entries, as the tier is bounded),
    /// its randomness seeded with `seed`, else from the platform on first use.
    pub fn new(capacity: u64, weighted: bool, seed: Option<u64>) -> Self {
        let capacity = capacity.max(1);
        let window = scale(capacity, PERCENT_WINDOW).max(1);
        TinyLfuPolicy {
            capacity,
            lists: Segments::default(),
            window: RankedSlots::default(),
            floor: 0.0,
            window_max: window,
            protected_max: scale(capacity - window.min(capacity), PERCENT_PROTECTED),
            sketch: FrequencySketch::new(0),
            climber: Climber {
                hits: 0,
                requests: 0,
                previous: -1.0,
                step: scale(capacity, PERCENT_STEP),
                growing: true,
            },
            window_ghosts: GhostFilter::new(0),
            main_ghosts: GhostFilter::new(0),
            adjustment: 0,
            len: 0,
            weighted,
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
        self.lists.get(slot).map(Weighted::weight)
    }

    /// A window entry's greedy-dual priority: the floor plus its estimate per weight unit,
    /// so the rarest per byte leave first and an entry ranked long ago leaves before a
    /// fresh one of equal worth.
    fn priority(&self, slot: Slot) -> f64 {
        let weight = self.weight_of(slot).unwrap_or(1).max(1);
        let freq = if self.weighted {
            self.frequency(slot).max(1)
        } else {
            1
        };
        self.floor + f64::from(freq) / weight as f64
    }

    /// Removes `slot` from its list (and the window's order), first moving the candidate
    /// cursor past it.
    fn detach(&mut self, slot: Slot) -> Option<Queue> {
        if slot == self.round.cursor {
            self.round.cursor = self.lists.newer(slot).unwrap_or(NO_SLOT);
        }
        let rank = self.lists.get(slot).map(|e| e.rank);
        let queue = self.lists.unlink(slot)?;
        if let (Queue::Window, Some(rank)) = (queue, rank) {
            self.window.remove(rank, &mut placer(&mut self.lists));
        }
        Some(queue)
    }

    /// Moves `slot` to the most recent end of `queue` (into the window's order).
    fn move_to(&mut self, slot: Slot, queue: Queue) {
        if self.detach(slot).is_some() {
            self.link(slot, queue);
        }
    }

    /// Links a slot that is in no list as the newest of `queue` (ranked, for the window).
    fn link(&mut self, slot: Slot, queue: Queue) {
        self.lists.push_newest(queue, slot);
        if queue == Queue::Window {
            let priority = self.priority(slot);
            if !self
                .window
                .push(slot, priority, &mut placer(&mut self.lists))
            {
                // No memory to rank it: it skips the window.
                self.lists.unlink(slot);
                self.lists.push_newest(Queue::Probation, slot);
            }
        }
    }

    /// The slot that leaves `queue` first.
    fn first_of(&self, queue: Queue) -> Option<Slot> {
        match queue {
            Queue::Window => self.window.first().map(|(slot, _)| slot),
            _ => self.lists.oldest(queue),
        }
    }

    /// Starts an eviction round: the window's overflow moves to probation and becomes the
    /// round's candidates.
    fn start_round(&mut self) {
        self.round = Round::new();
        while self.lists.weight(Queue::Window) > self.window_max {
            let Some((slot, priority)) = self.window.first() else {
                break;
            };
            self.floor = priority;
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
            Queue::Window => {
                if let Some(rank) = self.lists.get(slot).map(|e| e.rank) {
                    let priority = self.priority(slot);
                    self.window
                        .rerank(rank, priority, &mut placer(&mut self.lists));
                }
            }
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

    /// The round's current candidate: the window's overflow, then the window's first.
    fn candidate(&mut self) -> Option<Slot> {
        if self.round.cursor_queue == Some(Queue::Probation) && self.round.cursor != NO_SLOT {
            return Some(self.round.cursor);
        }
        self.round.cursor_queue?;
        self.round.cursor_queue = Some(Queue::Window);
        let first = self.first_of(Queue::Window);
        if first.is_none() {
            self.round.cursor_queue = None;
        }
        first
    }

    fn frequency(&self, slot: Slot) -> u8 {
        self.hash_of(slot).map_or(0, |h| self.sketch.frequency(h))
    }

    /// Whether `candidate` should stay at the expense of the first entry of `queue`, the
    /// victim: compared per weight unit, it must be more frequent (or win the
    /// anti-flooding lottery). With weights of 1 this is the classic duel. A candidate
    /// that wins evicts as many entries after the victim as it needs without further
    /// duels: a large, frequent entry is worth the room of the rare ones it displaces.
    fn admit(&mut self, candidate: Slot, queue: Queue) -> bool {
        let Some(victim) = self.first_of(queue) else {
            return false;
        };
        let candidate_frequency = self.frequency(candidate);
        // Estimates are at most 15 and weights at most 2^53: no product overflows.
        let weight = |slot| self.weight_of(slot).unwrap_or(1).max(1);
        let candidate_density = u64::from(candidate_frequency).saturating_mul(weight(victim));
        let victim_density = u64::from(self.frequency(victim)).saturating_mul(weight(candidate));
        if candidate_density > victim_density {
            true
        } else if candidate_frequency >= ADMIT_HASHDOS_THRESHOLD {
            self.rng.below(ADMIT_HASHDOS_ODDS) == 0
        } else {
            false
        }
    }

    /// Places an admitted candidate: one of the window's overflow that is a returning key
    /// goes to protected if protected has room for it, a first-time one stays in
    /// probation; a candidate taken from the window itself moves to probation. Only free
    /// room is taken, never an entry demoted: so an overestimated key (a sketch
    /// collision) cannot push a protected entry back into probation.
    fn settle(&mut self, candidate: Slot, weight: u64) {
        if self.round.cursor_queue != Some(Queue::Probation) {
            self.move_to(candidate, Queue::Probation);
            return;
        }
        self.round.cursor = self.lists.newer(candidate).unwrap_or(NO_SLOT);
        let protected_room = self
            .protected_max
            .saturating_sub(self.lists.weight(Queue::Protected));
        if weight <= protected_room && self.frequency(candidate) >= PROMOTE_FREQUENCY {
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

    /// Evicts a slot and returns it.
    fn forget(&mut self, slot: Slot) -> Slot {
        if self.detach(slot).is_some() {
            self.len = self.len.saturating_sub(1);
        }
        slot
    }

    /// Counts a request for the climber; at the end of a sample, compares its hit rate
    /// with the previous sample's: a drop reverses the direction. Each step is a little
    /// smaller than the last, so the window settles.
    fn record(&mut self, hit: bool) {
        let c = &mut self.climber;
        c.requests += 1;
        c.hits += u64::from(hit);
        if c.requests < self.len.max(MIN_SAMPLE) {
            return;
        }
        let rate = c.hits as f64 / c.requests as f64;
        if rate < c.previous {
            c.growing = !c.growing;
        }
        c.previous = rate;
        c.hits = 0;
        c.requests = 0;
        let step = signed(c.step);
        c.step = scale(c.step, STEP_DECAY);
        self.adjustment = if c.growing { step } else { -step };
    }

    fn ghost_climb(&mut self, hash: u32, weight: u64) {
        let step = signed(weight.max(1).saturating_mul(GHOST_STEP));
        if self.window_ghosts.contains(hash) {
            self.adjustment = self.adjustment.saturating_add(step);
        } else if self.main_ghosts.contains(hash) {
            self.adjustment = self.adjustment.saturating_sub(step);
        }
    }

    /// Carries out the pending window resize, a bounded part of it per call.
    fn resize_window(&mut self) {
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
        scale(
            self.capacity,
            if self.weighted {
                PERCENT_WINDOW_MAX_BYTES
            } else {
                PERCENT_WINDOW_MAX
            },
        )
        .saturating_sub(self.window_max)
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
    /// filled, then its first entries, which go to the least recent end of probation
    /// (they were not admitted, so they face the next candidates first).
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
            let Some(slot) = self.first_of(Queue::Window) else {
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
        self.sketch.ensure_capacity(self.len);
        let span = scale(self.len, PERCENT_GHOST_SPAN);
        self.window_ghosts.ensure_capacity(span);
        self.main_ghosts.ensure_capacity(span);
        self.sketch.increment(hash);
        if self.weighted {
            self.record(false);
        } else {
            self.ghost_climb(hash, weight);
        }
        self.resize_window();
        self.lists.set(slot, Entry::new(hash, weight));
        self.link(slot, Queue::Window);
        self.start_round();
    }

    fn access(&mut self, slot: Slot) {
        let Some(queue) = self.lists.list_of(slot) else {
            return;
        };
        if let Some(hash) = self.hash_of(slot) {
            self.sketch.increment(hash);
        }
        if self.weighted {
            self.record(true);
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
            let rank = entry.rank;
            self.lists.set(
                slot,
                Entry {
                    rank,
                    ..Entry::new(entry.hash, weight)
                },
            );
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
                .and_then(|queue| self.first_of(queue));
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
            let queue = self.round.victim_queue.unwrap_or(Queue::Probation);
            if self.round.credit == 0 && !self.admit(candidate, queue) {
                return Some(self.evict_candidate(candidate));
            }
            self.round.credit = self
                .round
                .credit
                .saturating_add(self.weight_of(victim).unwrap_or(0));
            if self.round.credit >= weight {
                // The candidate is paid for; the next one faces the next victims.
                self.round.credit = 0;
                self.settle(candidate, weight);
            }
            return Some(self.evict_victim(victim));
        }
        // Not reached while entries remain; a last resort that never leaves them stuck.
        [Queue::Probation, Queue::Protected, Queue::Window]
            .into_iter()
            .find_map(|queue| self.first_of(queue))
            .map(|slot| self.forget(slot))
    }

    fn clear(&mut self) {
        self.lists.clear();
        self.window.clear();
        self.floor = 0.0;
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
        let mut p = TinyLfuPolicy::new(10, false, Some(1));
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
        let mut p = TinyLfuPolicy::new(4, false, Some(1));
        p.access(3);
        p.update(9, 5);
        p.remove(NO_SLOT);
        p.insert(NO_SLOT, 1, 1);
        assert_eq!(p.evict(), None);
    }

    #[test]
    fn frequent_keys_survive_a_scan() {
        let capacity = 100;
        let mut p = TinyLfuPolicy::new(capacity, false, Some(1));
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
        let mut p = TinyLfuPolicy::new(1000, true, Some(1));
        p.insert(0, 1, 100);
        p.insert(1, 2, 200);
        p.update(0, 50);
        assert_eq!(p.lists.total_weight(), 250);
        p.remove(1);
        assert_eq!(p.lists.total_weight(), 50);
    }

    #[test]
    fn weights_past_32_bits_keep_both_halves() {
        let big = (1u64 << 53) - 1;
        let mut p = TinyLfuPolicy::new(1 << 60, true, Some(1));
        p.insert(0, 1, big);
        assert_eq!(p.weight_of(0), Some(big));
        p.update(0, (1 << 32) + 5);
        assert_eq!(p.weight_of(0), Some((1 << 32) + 5));
        assert_eq!(p.lists.total_weight(), (1 << 32) + 5);
    }
}
