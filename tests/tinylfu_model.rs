//! Property tests of the memory tier under W-TinyLFU (and LRU, for comparison) against a
//! reference model of what the caller holds and why each entry left, and of the frequency
//! sketch against exact counts.
#![cfg(not(target_arch = "wasm32"))]

use edgecache::memory::config::{MemoryConfig, PolicyKind};
use edgecache::memory::ranked::RankedSlots;
use edgecache::memory::sketch::{FrequencySketch, GhostFilter, MAX_FREQUENCY};
use edgecache::memory::stats::{EvictionsByReason, Removal};
use edgecache::memory::{Admission, Lookup, MemoryTier, Slot};
use proptest::prelude::*;
use std::collections::HashMap;

/// One caller action.
#[derive(Clone, Debug)]
enum Op {
    /// Store `key` (an update when the caller holds it).
    Set {
        key: u8,
        size: u16,
        ttl: Option<u16>,
    },
    Get {
        key: u8,
    },
    Delete {
        key: u8,
    },
    Clear,
    Advance {
        millis: u16,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (any::<u8>(), 0u16..300, proptest::option::of(1u16..200))
            .prop_map(|(key, size, ttl)| Op::Set { key: key % 48, size, ttl }),
        8 => any::<u8>().prop_map(|key| Op::Get { key: key % 48 }),
        2 => any::<u8>().prop_map(|key| Op::Delete { key: key % 48 }),
        1 => Just(Op::Clear),
        2 => (1u16..100).prop_map(|millis| Op::Advance { millis }),
    ]
}

fn config() -> impl Strategy<Value = MemoryConfig> {
    (
        proptest::option::of(1u64..24),
        proptest::option::of(1u64..1500),
        prop_oneof![Just(PolicyKind::TinyLfu), Just(PolicyKind::Lru)],
        proptest::option::of(any::<u64>()),
    )
        .prop_map(|(max_entries, max_bytes, policy, seed)| MemoryConfig {
            // The tier is always bounded by something.
            max_entries: if max_bytes.is_none() {
                Some(max_entries.unwrap_or(8))
            } else {
                max_entries
            },
            max_bytes,
            ttl: None,
            policy,
            seed,
        })
}

/// What the caller knows about a stored entry.
#[derive(Clone, Copy, Debug)]
struct Held {
    key: u8,
    size: u64,
    expires_at: f64,
}

/// The caller's side: key to slot, and what each live slot holds; and the removals the
/// tier reported, by the reason the model expects for each.
struct Model {
    slots: HashMap<u8, Slot>,
    live: HashMap<Slot, Held>,
    removals: EvictionsByReason,
}

impl Default for Model {
    fn default() -> Self {
        Model {
            slots: HashMap::new(),
            live: HashMap::new(),
            removals: EvictionsByReason {
                capacity: 0,
                expired: 0,
                explicit: 0,
                replaced: 0,
            },
        }
    }
}

impl Model {
    /// Counts a removal under the reason the model gives it (the tier's stats must agree).
    fn removed(&mut self, reason: Removal) {
        let count = match reason {
            Removal::Capacity => &mut self.removals.capacity,
            Removal::Expired => &mut self.removals.expired,
            Removal::Explicit => &mut self.removals.explicit,
            Removal::Replaced => &mut self.removals.replaced,
        };
        *count += 1;
    }

    fn forget(&mut self, slot: Slot) -> Held {
        let held = self.live.remove(&slot).expect("slot was live");
        assert_eq!(self.slots.remove(&held.key), Some(slot));
        held
    }

    /// Applies `evicted()`: each victim must be live, and not `except`; each was evicted to
    /// make room.
    fn evictions(&mut self, tier: &MemoryTier, except: Option<Slot>) {
        let mut seen = Vec::new();
        for &victim in tier.evicted() {
            assert_ne!(
                Some(victim),
                except,
                "slot {victim} both evicted and returned"
            );
            assert!(!seen.contains(&victim), "slot {victim} evicted twice");
            assert!(
                self.live.contains_key(&victim),
                "evicted slot {victim} was not live"
            );
            seen.push(victim);
            self.forget(victim);
            self.removed(Removal::Capacity);
        }
    }
}

fn hash(key: u8) -> u32 {
    u32::from(key).wrapping_mul(0x9e37_79b9).rotate_left(7)
}

/// Checks the tier against the model: counts, bytes, bounds, per-slot expiry, and removals
/// by reason.
fn check(tier: &MemoryTier, model: &Model, config: &MemoryConfig) {
    assert_eq!(
        tier.stats(0).evictions_by_reason,
        model.removals,
        "removals by reason"
    );
    let bytes: u64 = model.live.values().map(|h| h.size).sum();
    assert_eq!(tier.len(), model.live.len() as u64, "entry count");
    assert_eq!(tier.bytes(), bytes, "byte count");
    if let Some(max) = config.max_entries {
        assert!(
            tier.len() <= max,
            "{} entries > maxEntries {max}",
            tier.len()
        );
    }
    if let Some(max) = config.max_bytes {
        assert!(
            tier.bytes() <= max,
            "{} bytes > maxBytes {max}",
            tier.bytes()
        );
    }
    for (slot, &at) in tier.expires().iter().enumerate() {
        match model.live.get(&(slot as Slot)) {
            Some(held) => assert_eq!(at, held.expires_at, "expiry of slot {slot}"),
            None => assert_eq!(at, f64::NEG_INFINITY, "slot {slot} is not held"),
        }
    }
    for slot in model.live.keys() {
        assert!(
            (*slot as usize) < tier.expires().len(),
            "slot {slot} unknown"
        );
    }
}

fn run(config: MemoryConfig, ops: Vec<Op>) {
    let mut tier = MemoryTier::new(config.clone());
    let mut model = Model::default();
    let mut now = 0.0;
    for op in ops {
        match op {
            Op::Set { key, size, ttl } => {
                let size = u64::from(size);
                let ttl = ttl.map(f64::from);
                let expires_at = ttl.map_or(f64::INFINITY, |t| now + t);
                let too_large = config.max_bytes.is_some_and(|max| size > max);
                if let Some(&slot) = model.slots.get(&key) {
                    let kept = tier.update(slot, size as f64, ttl, now).expect("valid");
                    model.evictions(&tier, Some(slot));
                    if kept {
                        assert!(!too_large);
                        let held = model.live.get_mut(&slot).expect("held");
                        held.size = size;
                        held.expires_at = expires_at;
                    } else {
                        // Its new value is not kept (too large, or refused by the policy).
                        model.forget(slot);
                        model.removed(Removal::Replaced);
                    }
                } else {
                    let admission = tier
                        .insert(hash(key), size as f64, ttl, now)
                        .expect("valid");
                    match admission {
                        Admission::Stored(slot) => {
                            assert!(!too_large, "stored an entry larger than maxBytes");
                            model.evictions(&tier, Some(slot));
                            assert!(!model.live.contains_key(&slot), "slot {slot} reused live");
                            model.live.insert(
                                slot,
                                Held {
                                    key,
                                    size,
                                    expires_at,
                                },
                            );
                            model.slots.insert(key, slot);
                        }
                        Admission::Rejected => model.evictions(&tier, None),
                    }
                }
            }
            Op::Get { key } => {
                if let Some(&slot) = model.slots.get(&key) {
                    let expired = model.live.get(&slot).is_some_and(|h| now >= h.expires_at);
                    let lookup = tier.get(slot, now);
                    if expired {
                        assert_eq!(lookup, Lookup::Expired);
                        model.forget(slot);
                        model.removed(Removal::Expired);
                    } else {
                        assert_eq!(lookup, Lookup::Hit);
                    }
                }
            }
            Op::Delete { key } => {
                if let Some(&slot) = model.slots.get(&key) {
                    let expired = model.live.get(&slot).is_some_and(|h| now >= h.expires_at);
                    let reason = if expired {
                        Removal::Expired
                    } else {
                        Removal::Explicit
                    };
                    assert_eq!(tier.delete(slot, now), Some(reason), "why it left");
                    model.forget(slot);
                    model.removed(reason);
                    assert_eq!(tier.get(slot, now), Lookup::Absent);
                    assert_eq!(tier.delete(slot, now), None, "nothing left to delete");
                }
            }
            Op::Clear => {
                tier.clear();
                // The counters are kept.
                model = Model {
                    removals: model.removals,
                    ..Model::default()
                };
            }
            Op::Advance { millis } => now += f64::from(millis),
        }
        check(&tier, &model, &config);
    }
}

/// One operation on the window's heap: rank a slot, re-rank one, remove one, take the first.
#[derive(Clone, Debug)]
enum HeapOp {
    Push(Slot, u8),
    Rerank(Slot, u8),
    Remove(Slot),
    PopFirst,
}

fn heap_op() -> impl Strategy<Value = HeapOp> {
    prop_oneof![
        3 => (0u32..24, any::<u8>()).prop_map(|(s, p)| HeapOp::Push(s, p % 8)),
        2 => (0u32..24, any::<u8>()).prop_map(|(s, p)| HeapOp::Rerank(s, p % 8)),
        1 => (0u32..24).prop_map(HeapOp::Remove),
        2 => Just(HeapOp::PopFirst),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The window's heap against a list kept in order by sorting: (priority, when ranked).
    /// Positions told through `place` always find the slot, and the first slot is the
    /// reference's first.
    #[test]
    fn ranked_slots_match_a_sorted_list(ops in proptest::collection::vec(heap_op(), 1..300)) {
        let mut heap = RankedSlots::default();
        let mut positions: HashMap<Slot, u32> = HashMap::new();
        // (priority, stamp, slot)
        let mut reference: Vec<(u8, u64, Slot)> = Vec::new();
        let mut clock = 0u64;
        for op in ops {
            let held = |r: &Vec<(u8, u64, Slot)>, s: Slot| r.iter().position(|e| e.2 == s);
            match op {
                HeapOp::Push(s, p) => {
                    if held(&reference, s).is_none() {
                        clock += 1;
                        let pushed = heap.push(s, f64::from(p), &mut |slot, index| {
                            positions.insert(slot, index);
                        });
                        prop_assert!(pushed);
                        reference.push((p, clock, s));
                    }
                }
                HeapOp::Rerank(s, p) => {
                    if let Some(i) = held(&reference, s) {
                        clock += 1;
                        heap.rerank(positions[&s], f64::from(p), &mut |slot, index| {
                    positions.insert(slot, index);
                });
                        reference[i] = (p, clock, s);
                    }
                }
                HeapOp::Remove(s) => {
                    if let Some(i) = held(&reference, s) {
                        heap.remove(positions[&s], &mut |slot, index| {
                    positions.insert(slot, index);
                });
                        positions.remove(&s);
                        reference.remove(i);
                    }
                }
                HeapOp::PopFirst => {
                    reference.sort_unstable();
                    let first = heap.first().map(|(s, _)| s);
                    prop_assert_eq!(first, reference.first().map(|e| e.2));
                    if let Some(s) = first {
                        heap.remove(positions[&s], &mut |slot, index| {
                    positions.insert(slot, index);
                });
                        positions.remove(&s);
                        reference.remove(0);
                    }
                }
            }
            reference.sort_unstable();
            prop_assert_eq!(heap.len(), reference.len());
            prop_assert_eq!(heap.first().map(|(s, _)| s), reference.first().map(|e| e.2));
            for e in &reference {
                prop_assert!(positions.contains_key(&e.2), "slot {} has no position", e.2);
            }
        }
    }

    #[test]
    fn tier_matches_the_model(config in config(), ops in proptest::collection::vec(op(), 1..200)) {
        run(config, ops);
    }

    #[test]
    fn sketch_never_underestimates_before_ageing(
        keys in proptest::collection::vec(0u32..64, 1..400),
        seed in any::<u64>(),
        sized_for in 1u64..64,
    ) {
        let mut sketch = FrequencySketch::new(seed);
        sketch.ensure_capacity(sized_for);
        let mut exact: HashMap<u32, u64> = HashMap::new();
        for key in keys {
            sketch.increment(key);
            *exact.entry(key).or_default() += 1;
            for (&k, &count) in &exact {
                let estimate = sketch.frequency(k);
                prop_assert!(estimate <= MAX_FREQUENCY);
                if sketch.ageings() == 0 {
                    prop_assert!(
                        u64::from(estimate) >= count.min(15),
                        "key {} seen {} times, estimated {}", k, count, estimate
                    );
                }
            }
        }
    }

    #[test]
    fn sketch_growth_keeps_estimates(
        keys in proptest::collection::vec(any::<u32>(), 1..300),
        seed in any::<u64>(),
    ) {
        let mut sketch = FrequencySketch::new(seed);
        sketch.ensure_capacity(64);
        for &key in &keys {
            sketch.increment(key);
        }
        let before: Vec<u8> = keys.iter().map(|&k| sketch.frequency(k)).collect();
        sketch.ensure_capacity(100_000);
        let after: Vec<u8> = keys.iter().map(|&k| sketch.frequency(k)).collect();
        prop_assert_eq!(before, after);
    }

    #[test]
    fn ghosts_remember_for_at_least_one_span(
        keys in proptest::collection::vec(any::<u32>(), 1..200),
        span in 1u64..50,
        seed in any::<u64>(),
    ) {
        let mut ghosts = GhostFilter::new(seed);
        ghosts.ensure_capacity(span);
        for (i, &key) in keys.iter().enumerate() {
            ghosts.insert(key);
            ghosts.tick();
            // Everything inserted in the last `span` events is still there.
            let recent = i.saturating_sub(span as usize - 1);
            for &k in &keys[recent..=i] {
                prop_assert!(ghosts.contains(k));
            }
        }
    }
}

#[test]
fn a_full_tinylfu_tier_keeps_its_popular_entries() {
    let config = MemoryConfig {
        max_entries: Some(100),
        max_bytes: None,
        ttl: None,
        policy: PolicyKind::TinyLfu,
        seed: None,
    };
    let mut tier = MemoryTier::new(config);
    let mut slots = HashMap::new();
    for key in 0..100u32 {
        match tier.insert(key, 1.0, None, 0.0).unwrap() {
            Admission::Stored(slot) => {
                slots.insert(key, slot);
            }
            Admission::Rejected => panic!("room for all"),
        }
    }
    for _ in 0..3 {
        for key in 0..50u32 {
            assert_eq!(tier.get(slots[&key], 0.0), Lookup::Hit);
        }
    }
    // A scan of 1000 one-off keys.
    let mut holder: HashMap<Slot, u32> = slots.iter().map(|(&k, &s)| (s, k)).collect();
    for key in 1000..2000u32 {
        let admission = tier.insert(key, 1.0, None, 0.0).unwrap();
        for victim in tier.evicted() {
            let old = holder.remove(victim).expect("evicted a held slot");
            slots.remove(&old);
        }
        if let Admission::Stored(slot) = admission {
            holder.insert(slot, key);
            slots.insert(key, slot);
        }
        assert!(tier.len() <= 100);
    }
    let popular_left = (0..50u32).filter(|k| slots.contains_key(k)).count();
    assert!(
        popular_left >= 45,
        "{popular_left} of 50 popular entries survived the scan"
    );
}

/// One insert that evicts more slots than the evicted buffer first holds lists every one
/// of them, and says (by the buffers' version) that the buffer moved.
#[test]
fn a_large_insert_lists_every_evicted_slot() {
    for policy in [PolicyKind::Lru, PolicyKind::TinyLfu] {
        let mut tier = MemoryTier::new(MemoryConfig {
            max_entries: None,
            max_bytes: Some(1000),
            ttl: None,
            policy,
            seed: None,
        });
        let mut held = Vec::new();
        for key in 0..200u32 {
            if let Ok(Admission::Stored(slot)) = tier.insert(key, 5.0, None, 0.0) {
                held.push(slot);
            }
        }
        assert_eq!(held.len(), 200);
        let buffer = tier.evicted_buffer().len();
        let version = tier.buffers_version();
        let big = tier.insert(1000, 900.0, None, 0.0).expect("valid insert");
        let mut evicted = tier.evicted().to_vec();
        evicted.sort_unstable();
        match big {
            Admission::Stored(slot) => {
                assert!(
                    evicted.len() >= 180 && !evicted.contains(&slot),
                    "{policy:?}"
                );
                assert!(evicted.iter().all(|s| held.contains(s)), "{policy:?}");
                assert!(
                    tier.evicted_buffer().len() > buffer,
                    "{policy:?}: the buffer grew"
                );
                assert_ne!(tier.buffers_version(), version, "{policy:?}");
                assert_eq!(tier.len(), 200 - evicted.len() as u64 + 1);
            }
            Admission::Rejected => assert_eq!(tier.len(), 200 - evicted.len() as u64),
        }
    }
}

/// Sizes up to 2^53 - 1 each, in a tier bounded only by entries: their sum passes what a
/// u64 holds, and the byte count must saturate rather than wrap (or panic in debug).
#[test]
fn byte_totals_past_u64_saturate() {
    const MAX_SIZE: f64 = 9_007_199_254_740_991.0;
    for policy in [PolicyKind::Lru, PolicyKind::TinyLfu] {
        let mut tier = MemoryTier::new(MemoryConfig {
            max_entries: Some(5000),
            max_bytes: None,
            ttl: None,
            policy,
            seed: None,
        });
        let mut slots = Vec::new();
        for key in 0..2100u32 {
            if let Ok(Admission::Stored(slot)) = tier.insert(key, MAX_SIZE, None, 0.0) {
                slots.push(slot);
            }
        }
        assert_eq!(tier.bytes(), u64::MAX, "{policy:?}");
        assert_eq!(
            tier.stats(u64::MAX).misses,
            u64::MAX,
            "{policy:?}: misses saturate too"
        );
        for slot in slots {
            tier.delete(slot, 0.0);
        }
        assert_eq!(
            tier.bytes(),
            0,
            "{policy:?}: removing everything counts down to 0"
        );
    }
}

/// An update whose larger value W-TinyLFU refuses (its entry is the rarest) drops the key,
/// and is counted as a refused value that replaced the old one, as a too-large one is.
#[test]
fn an_update_the_policy_refuses_is_counted_as_rejected() {
    let mut tier = MemoryTier::new(MemoryConfig {
        max_entries: None,
        max_bytes: Some(100),
        ttl: None,
        policy: PolicyKind::TinyLfu,
        seed: None,
    });
    for key in 0..9u32 {
        let Ok(Admission::Stored(slot)) = tier.insert(key, 10.0, None, 0.0) else {
            panic!("key {key} not stored");
        };
        for _ in 0..8 {
            assert!(matches!(tier.get(slot, 0.0), Lookup::Hit));
        }
    }
    let Ok(Admission::Stored(x)) = tier.insert(100, 1.0, None, 0.0) else {
        panic!("x not stored");
    };
    let before = tier.stats(0);
    let kept = tier.update(x, 50.0, None, 0.0).expect("valid update");
    let after = tier.stats(0);
    assert!(!kept, "the rarest entry's larger value is refused");
    assert_eq!(after.sets, before.sets, "not counted as stored");
    assert_eq!(after.rejected, before.rejected + 1);
    assert_eq!(
        after.evictions_by_reason.replaced,
        before.evictions_by_reason.replaced + 1
    );
    assert_eq!(
        (after.size, after.bytes),
        (9, 90),
        "x and its bytes are gone"
    );
}
