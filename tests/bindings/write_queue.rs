//! `WriteQueueEngine` driven as `pkg/src/edge/write_behind.js` drives it: key and value
//! handles in, batches as `[key, value]` pairs out, settled writes as rows of
//! `completionLength()` numbers whose outcome is a `WriteOutcome`.

use crate::support::{assert_error, num, options, text};
use edgecache::wasm::{WriteOutcome, WriteQueueEngine};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

/// `WriteOutcome`s as they stand in a completion row.
const WRITTEN: u32 = WriteOutcome::Written as u32;
const RETRY: u32 = WriteOutcome::Retry as u32;
const SUPERSEDED: u32 = WriteOutcome::Superseded as u32;
const DEAD_LETTER: u32 = WriteOutcome::DeadLetter as u32;

/// A delete, where a value handle would be (`noValue()`).
const NONE: u32 = u32::MAX;
/// `accept`'s answer when there is no room (`full()`).
const FULL: u32 = u32::MAX - 1;

/// Indices into `stats()`.
const DEPTH: usize = 0;
const OLDEST_AGE: usize = 1;
const BATCHES: usize = 2;
const RETRIES: usize = 3;
const DEAD_LETTERS: usize = 4;
const WRITTEN_COUNT: usize = 5;

fn queue(fields: &[(&str, JsValue)], seed: Option<f64>) -> WriteQueueEngine {
    WriteQueueEngine::new(options(fields), seed).unwrap()
}

/// `[key, value]` pairs of a batch, sorted by key.
fn pairs(batch: Vec<u32>) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = batch.chunks(2).map(|p| (p[0], p[1])).collect();
    out.sort();
    out
}

#[wasm_bindgen_test]
fn the_sentinels_row_length_and_stat_names_are_the_ones_the_package_reads() {
    assert_eq!(WriteQueueEngine::no_value(), NONE);
    assert_eq!(WriteQueueEngine::full(), FULL);
    assert_eq!(WriteQueueEngine::completion_length(), 5);
    assert_eq!(
        WriteQueueEngine::stat_names(),
        vec![
            "depth",
            "oldestAgeMs",
            "batches",
            "retries",
            "deadLetters",
            "written"
        ]
    );
    let q = WriteQueueEngine::new(JsValue::UNDEFINED, None).unwrap();
    assert_eq!(q.stats(0.0), vec![0.0; 6], "an empty queue");
    assert_eq!(q.stats(0.0).len(), WriteQueueEngine::stat_names().len());
}

#[wasm_bindgen_test]
fn bad_write_behind_options_throw_config_errors_and_the_module_stays_usable() {
    for (name, value) in [
        ("maxBatch", num(0.0)),
        ("maxBatch", num(1001.0)),
        ("maxDelay", num(-1.0)),
        ("maxDelay", num(f64::INFINITY)),
        ("maxDelay", num(2_147_483_648.0)),
        ("maxQueue", num(2.5)),
        ("maxQueue", num(1e7)),
        ("retries", num(21.0)),
        ("retries", num(-1.0)),
        ("retries", text("3")),
        ("retryDelay", num(60_000.0)),
        ("retryDelay", num(f64::NAN)),
        ("maxBatchSize", num(1.0)),
    ] {
        let err = WriteQueueEngine::new(options(&[(name, value.clone())]), None)
            .err()
            .unwrap_or_else(|| panic!("{name}: {value:?} must throw"));
        let message = assert_error(&err, "E_CONFIG");
        assert!(message.starts_with("EdgeCache writeBehind: "), "{message}");
        assert!(message.contains(name), "{message}");
    }
    for bad in [
        text("fast"),
        JsValue::NULL,
        js_sys::Array::new().into(),
        num(3.0),
    ] {
        let err = WriteQueueEngine::new(bad, Some(1.0)).err().unwrap();
        assert_error(&err, "E_CONFIG");
    }
    let mut q = queue(&[("retries", num(0.0)), ("maxDelay", num(0.0))], Some(1.0));
    assert_eq!(q.accept(0, 1, 0.0).unwrap(), NONE);
    assert_eq!(q.next_batch(0.0), vec![0, 1]);
}

#[wasm_bindgen_test]
fn a_write_to_a_queued_key_replaces_it_and_hands_back_the_value_it_replaced() {
    let mut q = WriteQueueEngine::new(JsValue::UNDEFINED, Some(1.0)).unwrap();
    assert_eq!(q.accept(0, 7, 0.0).unwrap(), NONE, "nothing replaced");
    assert_eq!(q.accept(0, 8, 10.0).unwrap(), 7, "drop value 7");
    assert_eq!(
        q.accept(0, NONE, 20.0).unwrap(),
        8,
        "a delete replaces value 8"
    );
    assert_eq!(q.accept(0, 9, 30.0).unwrap(), NONE, "it replaced a delete");
    assert_eq!(
        q.stats(45.0),
        vec![1.0, 45.0, 0.0, 0.0, 0.0, 0.0],
        "one key, as old as its first write"
    );
    assert_eq!(
        q.next_batch(49.0),
        Vec::<u32>::new(),
        "not before maxDelay (50)"
    );
    assert_eq!(q.next_drain_in(49.0), 1.0);
    assert_eq!(q.next_batch(50.0), vec![0, 9], "the last write wins");
    assert_eq!(
        q.next_drain_in(50.0),
        -1.0,
        "nothing waits: it is in flight"
    );
    assert_eq!(q.complete(&[0], &[], 55.0), vec![0, WRITTEN, 9, 1, 1]);
    assert_eq!(q.stats(60.0), vec![0.0, 0.0, 1.0, 0.0, 0.0, 1.0]);
}

#[wasm_bindgen_test]
fn a_batch_that_fails_is_retried_then_dead_lettered() {
    let fields = [
        ("retries", num(1.0)),
        ("retryDelay", num(100.0)),
        ("maxDelay", num(0.0)),
    ];
    let mut q = queue(&fields, Some(7.0));
    assert_eq!(q.accept(3, 11, 0.0).unwrap(), NONE);
    assert_eq!(q.accept(4, NONE, 0.0).unwrap(), NONE, "a delete");
    assert_eq!(q.next_drain_in(0.0), 0.0);
    assert_eq!(
        q.next_batch(0.0),
        vec![3, 11, 4, NONE],
        "in acceptance order"
    );
    assert_eq!(
        q.complete(&[], &[3, 4], 10.0),
        vec![3, RETRY, 11, 1, 0, 4, RETRY, NONE, 1, 0],
        "both kept for a retry, their keys still held"
    );
    let s = q.stats(10.0);
    assert_eq!((s[DEPTH], s[RETRIES], s[BATCHES]), (2.0, 2.0, 1.0));
    let wait = q.next_drain_in(10.0);
    assert!(
        (50.0..=100.0).contains(&wait),
        "retryDelay jittered down to half: {wait}"
    );
    let mut twin = queue(&fields, Some(7.0));
    twin.accept(3, 11, 0.0).unwrap();
    twin.accept(4, NONE, 0.0).unwrap();
    twin.next_batch(0.0);
    twin.complete(&[], &[3, 4], 10.0);
    assert_eq!(
        twin.next_drain_in(10.0),
        wait,
        "the same seed, the same spread"
    );
    assert_eq!(
        q.next_batch(10.0 + wait - 1.0),
        Vec::<u32>::new(),
        "backing off"
    );
    assert_eq!(
        pairs(q.next_batch(110.0)),
        vec![(3, 11), (4, NONE)],
        "both retried after the backoff"
    );
    assert_eq!(
        q.complete(&[4], &[3], 120.0),
        vec![4, WRITTEN, NONE, 2, 1, 3, DEAD_LETTER, 11, 2, 1],
        "the delete lands; the set is out of retries"
    );
    let s = q.stats(120.0);
    assert_eq!(
        (
            s[DEPTH],
            s[OLDEST_AGE],
            s[BATCHES],
            s[RETRIES],
            s[DEAD_LETTERS],
            s[WRITTEN_COUNT]
        ),
        (0.0, 0.0, 2.0, 2.0, 1.0, 1.0)
    );
    assert_eq!(q.next_drain_in(120.0), -1.0);
    assert_eq!(q.next_batch(1e9), Vec::<u32>::new(), "nothing left");
}

#[wasm_bindgen_test]
fn a_failed_write_with_a_newer_one_parked_behind_it_is_superseded() {
    let mut q = queue(&[("maxDelay", num(0.0))], Some(1.0));
    assert_eq!(q.accept(0, 1, 0.0).unwrap(), NONE);
    assert_eq!(q.next_batch(0.0), vec![0, 1]);
    assert_eq!(
        q.accept(0, 2, 1.0).unwrap(),
        NONE,
        "parked behind the write in flight"
    );
    assert_eq!(
        q.next_batch(1.0),
        Vec::<u32>::new(),
        "never two in flight for a key"
    );
    assert_eq!(q.stats(1.0)[DEPTH], 1.0, "one key");
    assert_eq!(q.complete(&[], &[0], 2.0), vec![0, SUPERSEDED, 1, 1, 0]);
    assert_eq!(q.next_batch(2.0), vec![0, 2], "the newer write goes out");
    assert_eq!(q.complete(&[0], &[], 3.0), vec![0, WRITTEN, 2, 1, 1]);
    let s = q.stats(3.0);
    assert_eq!(
        (s[RETRIES], s[DEAD_LETTERS], s[WRITTEN_COUNT]),
        (0.0, 0.0, 1.0)
    );
}

#[wasm_bindgen_test]
fn a_full_queue_refuses_new_keys_sends_at_once_and_bad_handles_throw() {
    let mut q = queue(
        &[("maxQueue", num(2.0)), ("maxDelay", num(1000.0))],
        Some(1.0),
    );
    assert_eq!(q.accept(0, 1, 0.0).unwrap(), NONE);
    assert_eq!(q.accept(1, 2, 0.0).unwrap(), NONE);
    assert_eq!(
        q.accept(2, 3, 0.0).unwrap(),
        FULL,
        "no room for a third key"
    );
    assert_eq!(q.accept(0, 4, 0.0).unwrap(), 1, "a held key always fits");
    let err = q.accept(3, 5, 0.0).unwrap_err();
    assert!(assert_error(&err, "E_ARGUMENT").contains("maxQueue"));
    let err = q.accept(0, FULL, 0.0).unwrap_err();
    assert!(assert_error(&err, "E_ARGUMENT").contains("reserved"));
    assert_eq!(q.stats(0.0)[DEPTH], 2.0, "refusals change nothing");
    assert_eq!(q.next_drain_in(0.0), 0.0, "full: no waiting for maxDelay");
    assert_eq!(q.next_batch(0.0), vec![0, 4, 1, 2]);
    assert_eq!(
        q.complete(&[0, 1], &[], 1.0),
        vec![0, WRITTEN, 4, 1, 1, 1, WRITTEN, 2, 1, 1]
    );
    assert_eq!(q.accept(2, 3, 1.0).unwrap(), NONE, "room again");
    assert_eq!(
        q.complete(&[42, 2], &[7], 2.0),
        Vec::<u32>::new(),
        "nothing in flight"
    );
    assert_eq!(q.next_batch(1001.0), vec![2, 3], "still usable");
}

#[wasm_bindgen_test]
fn a_flush_sends_held_writes_at_once_and_its_barrier_passes_when_they_settle() {
    let mut q = queue(&[("maxDelay", num(10_000.0))], None);
    let empty = q.flush();
    assert_eq!(empty, 0.0);
    assert!(q.flushed(empty), "nothing held");
    q.accept(0, 1, 0.0).unwrap();
    q.accept(1, 2, 0.0).unwrap();
    let barrier = q.flush();
    assert_eq!(barrier, 2.0, "the number of the last write accepted");
    assert!(!q.flushed(barrier));
    assert_eq!(q.next_drain_in(0.0), 0.0, "no waiting for maxDelay");
    q.accept(2, 3, 0.0).unwrap();
    assert_eq!(pairs(q.next_batch(0.0)), vec![(0, 1), (1, 2), (2, 3)]);
    q.complete(&[0], &[], 1.0);
    assert!(!q.flushed(barrier), "key 1 is still in flight");
    q.complete(&[1], &[], 1.0);
    assert!(
        q.flushed(barrier),
        "a write after the barrier does not hold it up"
    );
    let later = q.flush();
    assert_eq!(later, 3.0);
    assert!(!q.flushed(later));
    q.complete(&[], &[2], 2.0);
    assert!(!q.flushed(later), "a retry is still held");
    let retry = pairs(q.next_batch(2.0 + 100.0));
    assert_eq!(retry, vec![(2, 3)]);
    q.complete(&[2], &[], 103.0);
    assert!(q.flushed(later));
}

#[wasm_bindgen_test]
fn any_seed_number_is_taken_without_a_panic() {
    for seed in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e300, 1.5] {
        let mut q = queue(
            &[("maxDelay", num(0.0)), ("retryDelay", num(10.0))],
            Some(seed),
        );
        q.accept(0, 1, 0.0).unwrap();
        q.next_batch(0.0);
        assert_eq!(q.complete(&[], &[0], 0.0), vec![0, RETRY, 1, 1, 0]);
        let wait = q.next_drain_in(0.0);
        assert!((5.0..=10.0).contains(&wait), "{seed}: {wait}");
    }
}
