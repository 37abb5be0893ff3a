//! `EdgeEngine`'s read and write plans, its report buffer and the record header, driven as
//! `pkg/src/edge/read_path.js`, `write_path.js` and `reports.js` drive them.

use crate::support::{f64_view, num, options};
use edgecache::wasm::{EdgeEngine, HeaderStatus, ReadPlan, Report, Tier};
use wasm_bindgen_test::*;

fn engine(fields: &[(&str, f64)]) -> EdgeEngine {
    let fields: Vec<(&str, wasm_bindgen::JsValue)> =
        fields.iter().map(|(k, v)| (*k, num(*v))).collect();
    EdgeEngine::new(options(&fields)).unwrap()
}

/// The stats number named `name`, once `pending` reports are applied.
fn stat(e: &mut EdgeEngine, name: &str, pending: u32) -> f64 {
    let names = EdgeEngine::stat_names();
    let i = names.iter().position(|n| n == name).unwrap();
    e.stats(0, pending)[i]
}

#[wasm_bindgen_test]
fn a_memory_plan_follows_the_windows_and_counts_what_it_decided() {
    let mut e = engine(&[]);
    let plans: Vec<ReadPlan> = [50.0, 120.0, 200.0, 400.0]
        .iter()
        .map(|&now| e.read_plan(Tier::Memory, now, 100.0, 150.0, 300.0, 0.0))
        .collect();
    assert_eq!(
        plans,
        [
            ReadPlan::Serve,
            ReadPlan::ServeStale,
            ReadPlan::ReadOnWithFallback,
            ReadPlan::ReadOn
        ]
    );
    assert_eq!(stat(&mut e, "memory.hits", 0), 1.0);
    assert_eq!(stat(&mut e, "memory.staleServed", 0), 1.0);
    assert_eq!(stat(&mut e, "memory.misses", 0), 2.0);
    assert_eq!(
        stat(&mut e, "memory.latency.count", 0),
        0.0,
        "the package reports latency once a read is answered"
    );
}

#[wasm_bindgen_test]
fn a_store_plan_counts_store_hits_and_misses_and_an_uncounted_plan_counts_nothing() {
    let mut e = engine(&[]);
    assert_eq!(
        e.read_plan(Tier::Store, 50.0, 100.0, 100.0, 100.0, 0.0),
        ReadPlan::Serve
    );
    assert_eq!(
        e.read_plan(Tier::Store, 150.0, 100.0, 100.0, 100.0, 0.0),
        ReadPlan::ReadOn
    );
    assert_eq!(e.plan(50.0, 100.0, 100.0, 100.0), ReadPlan::Serve);
    assert_eq!(e.plan(100.0, 100.0, 200.0, 200.0), ReadPlan::ServeStale);
    assert_eq!(stat(&mut e, "store.hits", 0), 1.0);
    assert_eq!(stat(&mut e, "store.misses", 0), 1.0);
    assert_eq!(stat(&mut e, "memory.misses", 0), 0.0);
}

#[wasm_bindgen_test]
fn a_write_plan_gives_times_and_both_ttls() {
    let mut e = engine(&[
        ("ttl", 1000.0),
        ("staleWhileRevalidate", 100.0),
        ("memoryTtl", 300.0),
    ]);
    assert_eq!(
        e.plan_write(5000.0, None, None, None, false, 60_000.0),
        vec![6000.0, 6100.0, 6100.0, 300.0, 60_000.0]
    );
    assert_eq!(
        e.plan_write(5000.0, Some(10.0), Some(0.0), Some(90_000.0), false, 0.0),
        vec![5010.0, 5010.0, 95_010.0, 300.0, 90_010.0],
        "per-call windows override the defaults"
    );
}

#[wasm_bindgen_test]
fn reports_written_into_the_buffer_are_applied_in_triples_and_unknown_ones_skipped() {
    let mut e = engine(&[]);
    let view = f64_view(e.reports_ptr(), e.reports_len());
    assert_eq!(view.length() % 3, 0);
    let reports = [
        Report::Load as u32 as f64,
        0.0,
        1.0,
        Report::LoaderLatency as u32 as f64,
        12.5,
        1.0,
        99.0,
        1.0,
        1.0,
        Report::StoreWrite as u32 as f64,
        0.0,
        1.0,
    ];
    view.subarray(0, reports.len() as u32).copy_from(&reports);
    assert_eq!(stat(&mut e, "loader.loads", 4), 1.0);
    assert_eq!(stat(&mut e, "loader.latency.max", 0), 12.5);
    assert_eq!(stat(&mut e, "store.writes", 0), 1.0);
    e.apply_reports(2);
    assert_eq!(
        stat(&mut e, "loader.loads", 0),
        2.0,
        "applyReports reads from the start again"
    );
    e.apply_reports(u32::MAX); // past the buffer: only what it holds
    assert_eq!(stat(&mut e, "loader.loads", 0), 3.0);
}

#[wasm_bindgen_test]
fn a_header_encoded_for_a_key_decodes_for_it_and_for_no_other() {
    let mut e = engine(&[]);
    let tags = vec!["team".to_string(), "user:1".to_string()];
    let header = e.encode(
        "k",
        7.0,
        1000.0,
        2000.0,
        3000.0,
        4000.0,
        12.0,
        tags.clone(),
        vec![5.0, 6.0],
    );
    let decoded = e.decode(&header, "k", 7.0);
    assert_eq!(
        decoded,
        vec![
            HeaderStatus::Ok as u32 as f64,
            1000.0,
            2000.0,
            3000.0,
            4000.0,
            12.0,
            5.0,
            6.0
        ]
    );
    assert_eq!(e.decoded_tags(), tags);
    assert_eq!(e.decoded_tags(), Vec::<String>::new(), "read once");
    assert_eq!(
        e.decode(&header, "other", 7.0),
        vec![HeaderStatus::ForeignKey as u32 as f64]
    );
    assert_eq!(
        e.decode(&header, "k", 8.0),
        vec![HeaderStatus::Corrupt as u32 as f64],
        "a cut body"
    );
    assert_eq!(
        e.decode("ec9|whatever", "k", 0.0),
        vec![HeaderStatus::OtherFormat as u32 as f64]
    );
    assert_eq!(
        e.decode("", "k", 0.0),
        vec![HeaderStatus::Corrupt as u32 as f64]
    );
}

#[wasm_bindgen_test]
fn a_fallback_is_served_inside_its_stale_if_error_window_and_counted() {
    let mut e = engine(&[]);
    assert!(e.serve_fallback(99.0, 100.0));
    assert!(!e.serve_fallback(100.0, 100.0));
    assert_eq!(stat(&mut e, "loader.staleIfError", 0), 1.0);
}
