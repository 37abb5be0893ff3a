//! `TagEngine` driven as `pkg/src/edge/tags.js` drives it: tag lists as one string
//! (`tagList`), a tagged hit decided in one `check`, generations read and written by the
//! package and handed back, `TagCheck` answers.

use edgecache::wasm::{TagCheck, TagEngine};
use wasm_bindgen_test::*;

const INTERVAL: f64 = 1000.0;

/// A tag list as `tagList` builds it: each tag's UTF-16 length, ":" and the tag.
fn list(tags: &[&str]) -> String {
    tags.iter()
        .map(|t| format!("{}:{t}", t.encode_utf16().count()))
        .collect()
}

fn boxed(values: &[f64]) -> Option<Box<[f64]>> {
    Some(values.into())
}

#[wasm_bindgen_test]
fn with_a_store_a_check_waits_for_a_read_then_decides_in_one_call() {
    let mut e = TagEngine::new(INTERVAL, true);
    let tags = list(&["user:1", "é:😀"]);
    assert_eq!(
        e.check(&tags, &[5.0, 2.0], 0.0, None, None),
        TagCheck::Unknown
    );
    assert_eq!(e.stamp(&tags, e.mark(), 0.0, None), None, "to be read");
    // The package read the store: 5 and nothing (0).
    let read = e.read(&tags, &[5.0, 0.0], 0.0);
    assert_eq!(read, [5.0, 0.0]);
    let r = Some(read.into_boxed_slice());
    assert_eq!(
        e.check(&tags, &[5.0, 2.0], 0.0, None, r.clone()),
        TagCheck::Current
    );
    assert_eq!(e.check(&tags, &[4.0, 2.0], 0.0, None, r), TagCheck::Stale);
    // Now known, for the interval.
    assert_eq!(
        e.check(&tags, &[5.0, 0.0], 999.0, None, None),
        TagCheck::Current
    );
    assert_eq!(e.stamp(&tags, e.mark(), 999.0, None), Some(vec![5.0, 0.0]));
    assert_eq!(
        e.check(&tags, &[5.0, 0.0], 1000.0, None, None),
        TagCheck::Unknown
    );
}

#[wasm_bindgen_test]
fn failed_reads_and_unreadable_records_are_never_current() {
    let mut e = TagEngine::new(INTERVAL, true);
    let tags = list(&["a", "b"]);
    let read = e.read(&tags, &[f64::NAN, -1.0], 0.0);
    assert!(read.iter().all(|g| g.is_nan()));
    let check = e.check(&tags, &[9.0, 9.0], 0.0, None, Some(read.into_boxed_slice()));
    assert_eq!(check, TagCheck::Stale);
}

#[wasm_bindgen_test]
fn an_invalidation_is_seen_at_once_settles_above_the_store_and_wins_over_earlier_writes() {
    let mut e = TagEngine::new(INTERVAL, true);
    let tags = list(&["a"]);
    let mark = e.mark();
    let local = e.invalidate(&tags, 10.2, None);
    assert_eq!(local, [11.0]);
    assert!(e.invalidated_since(&tags, mark));
    assert!(!e.invalidated_since(&list(&["b"]), mark));
    assert!(!e.invalidated_since(&tags, e.mark()));
    let marked = e.check(&tags, &[f64::INFINITY], 10.2, Some(mark), None);
    assert_eq!(
        marked,
        TagCheck::Stale,
        "written before it, by this isolate"
    );
    assert_eq!(
        e.settle(&tags, &local, &[f64::NAN], 10.2),
        None,
        "never blind"
    );
    let next = e.settle(&tags, &local, &[50.0], 10.2).unwrap();
    assert_eq!(next, [51.0]);
    // Written: handed back as what the store holds.
    assert_eq!(e.read(&tags, &next, 20.0), [51.0]);
    assert_eq!(
        e.stamp(&tags, mark, 20.0, None),
        Some(vec![50.0]),
        "just below"
    );
    assert_eq!(e.stamp(&tags, mark, 20.0, boxed(&[60.0])), Some(vec![59.0]));
    assert_eq!(e.stamp(&tags, e.mark(), 20.0, None), Some(vec![51.0]));
}

#[wasm_bindgen_test]
fn without_a_store_generations_are_always_known() {
    let mut e = TagEngine::new(INTERVAL, false);
    let tags = list(&["a", "b"]);
    assert_eq!(e.stamp(&tags, e.mark(), 0.0, None), Some(vec![0.0, 0.0]));
    assert_eq!(
        e.check(&tags, &[0.0, 0.0], 1e9, None, None),
        TagCheck::Current
    );
    assert_eq!(e.invalidate(&list(&["b"]), 5.0, None), [5.0]);
    assert_eq!(
        e.check(&tags, &[0.0, 0.0], 1e9, None, None),
        TagCheck::Stale
    );
    assert_eq!(
        e.check(&tags, &[0.0, 5.0], 1e9, None, None),
        TagCheck::Current
    );
}

#[wasm_bindgen_test]
fn a_malformed_list_ends_where_it_breaks() {
    let mut e = TagEngine::new(INTERVAL, false);
    e.invalidate("1:a", 5.0, None);
    // "9:b" claims more than it holds: the list is just "a".
    assert_eq!(e.stamp("1:a9:b", e.mark(), 5.0, None), Some(vec![5.0]));
    assert_eq!(e.stamp("", e.mark(), 5.0, None), Some(vec![]));
}
