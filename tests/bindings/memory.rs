//! `MemoryEngine` driven as `pkg/src/memory.js` drives it: slots, packed `insert`/`update`
//! answers, hits queued in the shared read buffer, the expiry and evicted-slot views, and
//! stats in `TierStats::to_array` order.

use crate::support::{assert_error, code_of, f64_view, num, options, text, u32_view};
use edgecache::wasm::{EvictReason, Lookup, MemoryEngine};
use js_sys::Uint32Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

/// The low part of an `insert`/`update` answer when nothing is stored, as the engine names it.
fn no_slot() -> f64 {
    f64::from(MemoryEngine::no_slot())
}
/// The high part of `insert`/`update` answers: `2^32 * (2 * evicted + relayout)`.
const UNIT: f64 = 4_294_967_296.0;

/// Indices into `stats()`.
const HITS: usize = 0;
const MISSES: usize = 1;
const SETS: usize = 3;
const EVICTIONS: usize = 5;
const DELETES: usize = 4;
const EXPIRATIONS: usize = 6;
const REJECTED: usize = 7;
const SIZE: usize = 12;
const BYTES: usize = 13;

fn engine(fields: &[(&str, JsValue)]) -> MemoryEngine {
    MemoryEngine::new(options(fields)).unwrap()
}

/// The read buffer, as `MemoryCache.#relayout` views it.
fn reads(e: &MemoryEngine) -> Uint32Array {
    u32_view(e.reads_ptr(), e.reads_len())
}

/// The first `n` evicted slots of the last `insert`/`update`.
fn evicted(e: &MemoryEngine, n: u32) -> Vec<u32> {
    let view = u32_view(e.evicted_ptr(), e.evicted_len());
    (0..n).map(|i| view.get_index(i)).collect()
}

/// The expiry of `slot` through the expiry view.
fn expiry(e: &MemoryEngine, slot: u32) -> f64 {
    f64_view(e.expires_ptr(), e.expires_len()).get_index(slot)
}

#[wasm_bindgen_test]
fn bad_options_throw_config_errors_and_the_module_stays_usable() {
    for bad in [
        options(&[("maxEntries", num(0.0))]),
        options(&[("maxEntries", text("10"))]),
        options(&[("maxEntries", num(4_294_967_295.0))]),
        options(&[("maxBytes", num(-1.0))]),
        options(&[("ttl", num(f64::NAN))]),
        options(&[("ttl", num(f64::INFINITY))]),
        options(&[("policy", text("fifo"))]),
        options(&[("now", num(1.0))]),
        options(&[("maxEntry", num(3.0))]),
        text("not an object"),
        JsValue::NULL,
        js_sys::Array::new().into(),
    ] {
        let err = MemoryEngine::new(bad)
            .err()
            .expect("bad options must throw");
        assert_error(&err, "E_CONFIG");
    }
    assert!(MemoryEngine::new(options(&[("maxEntries", num(2.0))])).is_ok());
    assert!(
        MemoryEngine::new(JsValue::UNDEFINED).is_ok(),
        "no options: defaults"
    );
}

#[wasm_bindgen_test]
fn lru_order_expiry_and_eviction_through_the_bindings() {
    let mut e = engine(&[("maxEntries", num(2.0)), ("ttl", num(100.0))]);
    let a = e.insert(0, 0, 0.0, None, 0.0);
    let b = e.insert(0, 0, 0.0, Some(500.0), 0.0);
    // The first insert lays out the expiry array: the relayout bit (2^32) is set.
    assert_eq!((a, b), (UNIT, 1.0), "fresh slots, nothing evicted");
    assert_eq!(
        e.get(0, 0, 10.0),
        Lookup::Hit,
        "a is a hit and becomes most recent"
    );
    let c = e.insert(0, 0, 0.0, None, 20.0);
    assert_eq!(
        c,
        2.0 * UNIT + 2.0,
        "c takes a new slot and one slot is evicted"
    );
    assert_eq!(evicted(&e, 1), vec![1], "b, the least recent");
    assert_eq!(e.get(0, 0, 100.0), Lookup::Expired, "a expired at 100 ms");
    assert_eq!(e.get(0, 0, 100.0), Lookup::Absent, "and is gone");
    assert_eq!(e.delete(0, 0, 100.0), None);
    assert_eq!(e.delete(0, 1, 100.0), None, "b was evicted");
    assert_eq!(e.delete(0, 2, 100.0), Some(EvictReason::Explicit));
}

#[wasm_bindgen_test]
fn delete_says_why_the_entry_left_and_counts_it_so() {
    let mut e = engine(&[("maxEntries", num(4.0))]);
    assert_eq!(e.insert(0, 0, 0.0, Some(10.0), 0.0), UNIT, "a at 0");
    assert_eq!(e.insert(0, 0, 0.0, Some(100.0), 0.0), 1.0, "b at 1");
    assert_eq!(
        e.delete(0, 0, 10.0),
        Some(EvictReason::Expired),
        "a's TTL ran out: removed as expired"
    );
    assert_eq!(
        e.delete(0, 1, 10.0),
        Some(EvictReason::Explicit),
        "b was live"
    );
    assert_eq!(e.delete(0, 1, 10.0), None, "nothing left");
    let s = e.stats(0, 0.0);
    assert_eq!((s[EXPIRATIONS], s[DELETES], s[SIZE]), (1.0, 1.0, 0.0));
}

#[wasm_bindgen_test]
fn byte_bounds_reject_oversized_values_and_bad_arguments_throw() {
    let mut e = engine(&[("maxBytes", num(100.0))]);
    assert!(e.needs_sizes());
    assert_eq!(e.insert(0, 0, 101.0, None, 0.0), no_slot());
    assert_eq!(
        e.insert(0, 0, 60.0, None, 0.0),
        UNIT,
        "stored at 0, with relayout"
    );
    assert_eq!(e.bytes(), 60.0);
    assert_eq!(
        e.update(0, 0, 200.0, None, 0.0),
        no_slot(),
        "too large: the entry is dropped"
    );
    assert_eq!(e.bytes(), 0.0);
    assert_eq!(
        e.insert(0, 0, 1.5, None, 0.0),
        -1.0,
        "a fractional size is refused"
    );
    assert_eq!(code_of(&e.throw_last_error().err().unwrap()), "E_ARGUMENT");
    assert_eq!(
        e.insert(0, 0, 1.0, Some(-5.0), 0.0),
        -1.0,
        "a negative ttl is refused"
    );
    assert_eq!(code_of(&e.throw_last_error().err().unwrap()), "E_ARGUMENT");
    assert!(e.throw_last_error().is_ok(), "the error is thrown once");
    let stats = e.stats(0, 3.0);
    assert_eq!(
        (stats[MISSES], stats[REJECTED]),
        (3.0, 2.0),
        "misses and rejected"
    );
}

#[wasm_bindgen_test]
fn hits_queued_in_the_read_buffer_are_applied_in_order_by_drain_and_by_the_next_call() {
    let mut e = engine(&[("maxEntries", num(2.0))]);
    assert_eq!(e.reads_len(), 256);
    assert_eq!(e.insert(0, 0, 0.0, None, 0.0), UNIT, "a at 0");
    assert_eq!(e.insert(0, 0, 0.0, None, 0.0), 1.0, "b at 1");
    reads(&e).set_index(0, 0);
    e.drain(1);
    assert_eq!(e.stats(0, 0.0)[HITS], 1.0, "the queued hit on a is counted");
    assert_eq!(
        e.insert(0, 0, 0.0, None, 1.0),
        2.0 * UNIT + 2.0,
        "c at 2 evicts one"
    );
    assert_eq!(
        evicted(&e, 1),
        vec![1],
        "b: the queued hit made a most recent"
    );
    // Queued c then a: the insert applies them first, so c is the least recent.
    let r = reads(&e);
    r.set_index(0, 2);
    r.set_index(1, 0);
    assert_eq!(
        e.insert(2, 0, 0.0, None, 2.0),
        2.0 * UNIT + 1.0,
        "d reuses slot 1"
    );
    assert_eq!(evicted(&e, 1), vec![2], "c was evicted");
    assert_eq!(e.stats(0, 0.0)[HITS], 3.0);
    // Slots no longer live are skipped; a pending count past the buffer is clamped.
    reads(&e).fill(2, 0, 256);
    e.drain(u32::MAX);
    assert_eq!(
        e.stats(0, 0.0)[HITS],
        3.0,
        "hits on a dead slot are not counted"
    );
    // Every other call applies pending hits too, even one that is then refused.
    reads(&e).set_index(0, 0);
    assert_eq!(e.get(1, 1, 3.0), Lookup::Hit);
    reads(&e).set_index(0, 0);
    assert_eq!(e.peek(1, 1, 3.0), Lookup::Hit);
    reads(&e).set_index(0, 0);
    assert_eq!(e.delete(1, 9, 3.0), None);
    reads(&e).set_index(0, 0);
    assert_eq!(e.insert(1, 0, f64::NAN, None, 3.0), -1.0);
    assert_error(&e.throw_last_error().unwrap_err(), "E_ARGUMENT");
    reads(&e).set_index(0, 0);
    assert_eq!(
        e.stats(1, 0.0)[HITS],
        3.0 + 1.0 + 5.0,
        "one get, five queued hits (get, peek, delete, insert, stats)"
    );
}

#[wasm_bindgen_test]
fn peek_neither_bumps_nor_counts_and_removes_an_expired_entry() {
    let mut e = engine(&[("maxEntries", num(2.0))]);
    assert_eq!(e.insert(0, 0, 0.0, None, 0.0), UNIT, "a at 0");
    assert_eq!(
        e.insert(0, 0, 0.0, Some(50.0), 0.0),
        1.0,
        "b at 1, expiring at 50"
    );
    assert_eq!(e.peek(0, 0, 10.0), Lookup::Hit, "a is live");
    assert_eq!(e.stats(0, 0.0)[HITS], 0.0, "a peek is not a hit");
    assert_eq!(e.insert(0, 0, 0.0, None, 20.0), 2.0 * UNIT + 2.0);
    assert_eq!(evicted(&e, 1), vec![0], "a stayed least recent");
    assert_eq!(e.peek(0, 1, 49.0), Lookup::Hit);
    assert_eq!(e.peek(0, 1, 50.0), Lookup::Expired, "expired");
    assert_eq!(e.peek(0, 1, 50.0), Lookup::Absent, "and removed");
    let s = e.stats(0, 0.0);
    assert_eq!(
        (s[HITS], s[MISSES], s[EXPIRATIONS], s[EVICTIONS], s[SIZE]),
        (0.0, 0.0, 1.0, 1.0, 1.0)
    );
}

#[wasm_bindgen_test]
fn the_expiry_view_shows_each_slots_deadline_and_a_relayout_when_it_grows() {
    let mut e = engine(&[("maxEntries", num(1000.0))]);
    assert_eq!(e.expires_len(), 0, "laid out on the first insert");
    assert_eq!(e.insert(0, 0, 0.0, Some(100.0), 5.0), UNIT);
    assert_eq!(e.expires_len(), 64);
    assert_eq!(expiry(&e, 0), 105.0, "now + ttl");
    assert_eq!(
        expiry(&e, 1),
        f64::NEG_INFINITY,
        "no entry: past every clock"
    );
    assert_eq!(e.insert(0, 0, 0.0, None, 5.0), 1.0);
    assert_eq!(expiry(&e, 1), f64::INFINITY, "no ttl: never");
    assert_eq!(e.delete(0, 0, 6.0), Some(EvictReason::Explicit));
    assert_eq!(expiry(&e, 0), f64::NEG_INFINITY, "deleted");
    assert_eq!(
        e.insert(0, 0, 0.0, Some(10.0), 6.0),
        0.0,
        "slot 0 reused, no relayout"
    );
    assert_eq!(expiry(&e, 0), 16.0);
    for slot in 2..64 {
        assert_eq!(e.insert(0, 0, 0.0, None, 7.0), f64::from(slot));
    }
    assert_eq!(
        e.insert(0, 0, 0.0, Some(1.0), 7.0),
        UNIT + 64.0,
        "the array grew by half"
    );
    assert_eq!(e.expires_len(), 96);
    assert_eq!(expiry(&e, 64), 8.0);
    assert_eq!(expiry(&e, 0), 16.0, "kept across the move");
    assert_eq!(expiry(&e, 95), f64::NEG_INFINITY);
}

#[wasm_bindgen_test]
fn an_eviction_burst_grows_the_evicted_buffer_and_asks_for_a_relayout() {
    let mut e = engine(&[("maxBytes", num(100.0))]);
    assert_eq!(e.evicted_len(), 64);
    for slot in 0..100u32 {
        let packed = e.insert(0, 0, 1.0, None, 0.0);
        assert_eq!(packed % UNIT, f64::from(slot));
        assert_eq!(
            packed >= UNIT,
            slot == 0 || slot == 64 || slot == 96,
            "relayout at {slot}: the expiry array grows by half"
        );
    }
    assert_eq!(e.bytes(), 100.0);
    let packed = e.insert(0, 0, 100.0, None, 0.0);
    assert_eq!(
        packed,
        (2.0 * 100.0 + 1.0) * UNIT + 100.0,
        "100 evicted, relayout"
    );
    assert_eq!(e.evicted_len(), 128, "doubled");
    assert_eq!(
        evicted(&e, 100),
        (0..100).collect::<Vec<u32>>(),
        "least recent first"
    );
    assert_eq!(e.bytes(), 100.0);
    assert_eq!(e.stats(0, 0.0)[EVICTIONS], 100.0);
}

#[wasm_bindgen_test]
fn update_replaces_size_and_ttl_and_reports_an_entry_that_is_gone() {
    let mut e = engine(&[("maxBytes", num(100.0))]);
    assert_eq!(e.insert(0, 0, 40.0, None, 0.0), UNIT, "a at 0");
    assert_eq!(e.insert(0, 0, 30.0, None, 0.0), 1.0, "b at 1");
    assert_eq!(
        e.update(0, 0, 50.0, Some(10.0), 1.0),
        0.0,
        "a kept, most recent"
    );
    assert_eq!(e.bytes(), 80.0);
    assert_eq!(expiry(&e, 0), 11.0);
    assert_eq!(e.insert(0, 0, 30.0, None, 2.0), 2.0 * UNIT + 2.0, "c at 2");
    assert_eq!(evicted(&e, 1), vec![1], "b, not the updated a");
    assert_eq!(e.update(0, 1, 5.0, None, 3.0), no_slot(), "b is gone");
    assert_eq!(
        e.update(0, 4_000_000_000, 5.0, None, 3.0),
        no_slot(),
        "never a slot"
    );
    assert!(e.throw_last_error().is_ok(), "neither is an error");
    assert_eq!(e.update(0, 0, f64::NAN, None, 3.0), -1.0);
    assert!(assert_error(&e.throw_last_error().unwrap_err(), "E_ARGUMENT").contains("size"));
    assert_eq!(e.update(0, 0, 5.0, Some(0.0), 3.0), -1.0);
    assert!(assert_error(&e.throw_last_error().unwrap_err(), "E_ARGUMENT").contains("ttl"));
    assert_eq!(e.bytes(), 80.0, "a refused update changes nothing");
    assert_eq!(e.get(0, 0, 4.0), Lookup::Hit, "a is still there");
    assert_eq!(
        e.update(0, 0, 101.0, None, 5.0),
        no_slot(),
        "too large: a is dropped"
    );
    assert_eq!(e.bytes(), 30.0);
    assert_eq!(e.get(0, 0, 5.0), Lookup::Absent);
}

#[wasm_bindgen_test]
fn clear_drops_every_entry_after_applying_queued_hits_and_keeps_the_counters() {
    let mut e = engine(&[("maxBytes", num(1000.0))]);
    assert_eq!(e.insert(0, 0, 10.0, None, 0.0), UNIT);
    assert_eq!(e.insert(0, 0, 20.0, Some(5.0), 0.0), 1.0);
    assert_eq!(e.bytes(), 30.0);
    let r = reads(&e);
    r.set_index(0, 0);
    r.set_index(1, 1);
    e.clear(2);
    assert_eq!(e.bytes(), 0.0);
    assert_eq!(
        (expiry(&e, 0), expiry(&e, 1)),
        (f64::NEG_INFINITY, f64::NEG_INFINITY)
    );
    assert_eq!(e.get(0, 0, 1.0), Lookup::Absent);
    assert_eq!(e.get(0, 1, 1.0), Lookup::Absent);
    let s = e.stats(0, 0.0);
    assert_eq!((s[HITS], s[SETS], s[SIZE], s[BYTES]), (2.0, 2.0, 0.0, 0.0));
    assert_eq!(
        e.insert(0, 0, 7.0, None, 1.0),
        0.0,
        "slot 0 again, no relayout"
    );
    assert_eq!(e.bytes(), 7.0);
}

#[wasm_bindgen_test]
fn the_bounds_and_policy_decide_whether_sizes_and_hashes_are_needed() {
    let flags = |fields: &[(&str, JsValue)]| {
        let e = engine(fields);
        (e.needs_sizes(), e.needs_hashes())
    };
    assert_eq!(flags(&[]), (false, false), "LRU bounded by entries");
    assert_eq!(flags(&[("maxBytes", num(10.0))]), (true, false));
    assert_eq!(flags(&[("policy", text("lru"))]), (false, false));
    assert_eq!(flags(&[("policy", text("tinylfu"))]), (false, true));
    assert_eq!(
        flags(&[
            ("policy", text("tinylfu")),
            ("maxEntries", num(5.0)),
            ("maxBytes", num(50.0))
        ]),
        (true, true)
    );
}

#[wasm_bindgen_test]
fn tinylfu_keeps_a_frequently_read_key_through_a_scan_of_new_ones() {
    // Seeded: W-TinyLFU admits a colder candidate now and then at random (1 in 128).
    let mut e = engine(&[
        ("policy", text("tinylfu")),
        ("maxEntries", num(10.0)),
        ("seed", num(7.0)),
    ]);
    let hot = e.insert(0, 0xC0FFEE, 0.0, None, 0.0) % UNIT;
    for _ in 0..20 {
        assert_eq!(e.get(0, hot as u32, 1.0), Lookup::Hit);
    }
    for hash in 1..200u32 {
        let packed = e.insert(0, hash.wrapping_mul(2_654_435_761), 0.0, None, 2.0);
        assert!(packed >= 0.0);
        let n = (packed / UNIT).floor() as u32 >> 1;
        assert!(
            !evicted(&e, n).contains(&(hot as u32)),
            "the hot key is never evicted"
        );
    }
    assert_eq!(
        e.get(0, hot as u32, 3.0),
        Lookup::Hit,
        "still held after the scan"
    );
    assert_eq!(e.stats(0, 0.0)[SIZE], 10.0);
}

#[wasm_bindgen_test]
fn stats_lay_out_every_counter_in_order() {
    let mut e = engine(&[
        ("maxEntries", num(2.0)),
        ("maxBytes", num(100.0)),
        ("ttl", num(50.0)),
    ]);
    assert_eq!(e.insert(0, 0, 10.0, None, 0.0), UNIT, "a at 0");
    assert_eq!(e.insert(0, 0, 10.0, None, 0.0), 1.0, "b at 1");
    assert_eq!(e.get(0, 0, 1.0), Lookup::Hit, "a hit");
    assert_eq!(
        e.insert(0, 0, 10.0, None, 2.0),
        2.0 * UNIT + 2.0,
        "c evicts b"
    );
    assert_eq!(
        e.insert(0, 0, 200.0, None, 2.0),
        no_slot(),
        "too large: rejected"
    );
    assert_eq!(
        e.delete(0, 2, 3.0),
        Some(EvictReason::Explicit),
        "c deleted"
    );
    assert_eq!(
        e.update(0, 0, 150.0, None, 3.0),
        no_slot(),
        "a replaced by too large"
    );
    assert_eq!(e.insert(0, 0, 5.0, None, 10.0), 0.0, "e at 0");
    assert_eq!(e.get(0, 0, 60.0), Lookup::Expired, "e expired: a miss");
    assert_eq!(e.insert(0, 0, 7.0, None, 60.0), 0.0, "f at 0");
    assert_eq!(
        e.stats(0, 3.0),
        vec![
            1.0, // hits
            4.0, // misses: 1 expired + 3 outside
            0.2, // hitRate
            5.0, // sets: a, b, c, e, f
            1.0, // deletes
            1.0, // evictions
            1.0, // expirations
            2.0, // rejected: the too-large insert and update
            1.0, // by reason: capacity
            1.0, // expired
            1.0, // explicit
            1.0, // replaced
            1.0, // size
            7.0, // bytes
        ]
    );
}

#[wasm_bindgen_test]
fn slots_out_of_range_are_absent_and_bad_arguments_leave_the_engine_usable() {
    let mut e = engine(&[("maxEntries", num(4.0))]);
    assert_eq!(e.get(0, u32::MAX, 0.0), Lookup::Absent);
    assert_eq!(e.peek(0, 12_345, 0.0), Lookup::Absent);
    assert_eq!(e.delete(0, 999, 0.0), None);
    for (size, ttl) in [
        (f64::NAN, None),
        (-1.0, None),
        (9_007_199_254_740_992.0, None),
        (f64::INFINITY, None),
        (1.0, Some(0.0)),
        (1.0, Some(f64::NAN)),
        (1.0, Some(f64::INFINITY)),
    ] {
        assert_eq!(e.insert(0, 0, size, ttl, 0.0), -1.0, "{size} {ttl:?}");
        let err = e.throw_last_error().unwrap_err();
        assert_error(&err, "E_ARGUMENT");
        assert!(err.is_instance_of::<js_sys::Error>());
        assert!(e.throw_last_error().is_ok());
    }
    assert_eq!(
        e.insert(0, 0, 9_007_199_254_740_991.0, None, 0.0),
        UNIT,
        "2^53 - 1 fits"
    );
    assert_eq!(e.get(0, 0, 1.0), Lookup::Hit);
    let s = e.stats(0, 0.0);
    assert_eq!(
        (s[SETS], s[REJECTED], s[SIZE]),
        (1.0, 0.0, 1.0),
        "refusals count nothing"
    );
}
