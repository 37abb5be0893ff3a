//! `EdgeEngine`'s configuration, bounds, store keys and TTLs, tag generation records, shard
//! breakers and stats, driven as `pkg/src/edge/*.js` drives them (its read and write plans,
//! reports and record header: `edge_plans.rs`).

use crate::support::{assert_error, num, options, text};
use edgecache::wasm::{EdgeEngine, EpochFound};
use js_sys::{Array, Function};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

/// How long a tag's generation record lives (30 days, ms).
const TAG_RECORD_TTL: f64 = 2_592_000_000.0;
/// A year in ms.
const YEAR: f64 = 365.0 * 24.0 * 3_600_000.0;

fn engine(fields: &[(&str, JsValue)]) -> EdgeEngine {
    EdgeEngine::new(options(fields)).unwrap()
}

#[wasm_bindgen_test]
fn bad_options_throw_config_errors_naming_the_option_and_the_module_stays_usable() {
    let nested = |fields: &[(&str, JsValue)]| options(fields);
    for (name, value) in [
        ("ttl", num(0.0)),
        ("ttl", num(-1.0)),
        ("ttl", text("60s")),
        ("memoryTtl", num(f64::NAN)),
        ("staleWhileRevalidate", num(-1.0)),
        ("staleIfError", num(f64::INFINITY)),
        ("jitter", num(1.5)),
        ("earlyRefresh", num(-1.0)),
        ("timeout", num(0.0)),
        ("timeout", num(2_147_483_648.0)),
        ("loaderTimeout", num(f64::NAN)),
        ("replicas", num(0.0)),
        ("replicas", num(17.0)),
        ("replicas", num(1.5)),
        ("namespace", text("a:b")),
        ("namespace", text("")),
        ("namespace", text(&"n".repeat(65))),
        ("namespace", text("a\nb")),
        ("namespace", num(1.0)),
        ("writeMode", text("sideways")),
        ("writeBehind", num(5.0)),
        ("now", num(1.0)),
        ("waitUntil", text("later")),
        ("onEvent", nested(&[])),
        ("circuitBreaker", num(1.0)),
        ("circuitBreaker", nested(&[("failures", num(0.0))])),
        ("circuitBreaker", nested(&[("failures", num(1001.0))])),
        ("circuitBreaker", nested(&[("cooldown", num(-5.0))])),
        ("circuitBreaker", nested(&[("halfOpen", JsValue::TRUE)])),
        ("seed", num(0.0)),
        ("seed", num(1.5)),
        ("seed", num(9_007_199_254_740_992.0)),
        ("seed", text("1")),
        ("stor", nested(&[])),
    ] {
        let err = EdgeEngine::new(options(&[(name, value.clone())]))
            .err()
            .unwrap_or_else(|| panic!("{name}: {value:?} must throw"));
        let message = assert_error(&err, "E_CONFIG");
        assert!(message.contains(name), "{message}");
    }
    for bad in [text("x"), JsValue::NULL, Array::new().into(), num(5.0)] {
        assert_error(&EdgeEngine::new(bad).err().unwrap(), "E_CONFIG");
    }
    assert_eq!(engine(&[("timeout", num(10.0))]).timeout(), 10.0);
}

#[wasm_bindgen_test]
fn the_defaults_give_five_second_store_calls_and_half_minute_loaders() {
    let e = EdgeEngine::new(JsValue::UNDEFINED).unwrap();
    assert_eq!(e.timeout(), 5_000.0);
    assert_eq!(e.loader_timeout(), 30_000.0);
    assert_eq!(
        e.read_bound(),
        4.0 * 5_000.0 + 1_000.0,
        "(2 × replicas + 2) timeouts + slack"
    );
    assert_eq!(e.load_bound(100.0), 21_100.0);
    assert_eq!(e.tag_check_interval(), 60_000.0, "the default ttl");
    assert_eq!(e.seed(), None);
    assert_eq!(e.replicas(), 1);
    assert!(!e.write_behind());
    assert_eq!(
        e.min_store_key_bytes(),
        2 + 3 + 16 + 64,
        "\"ec:h<epoch>:\" and a SHA-256 in hex"
    );
}

#[wasm_bindgen_test]
fn options_set_the_bounds_replicas_seed_and_write_mode() {
    let store = Array::of2(&options(&[]), &options(&[]));
    let e = engine(&[
        ("store", store.into()),
        ("memory", options(&[("maxEntries", num(10.0))])),
        ("now", Function::new_no_args("return 0").into()),
        ("timeout", num(250.0)),
        ("loaderTimeout", num(1_000.0)),
        ("replicas", num(3.0)),
        ("ttl", num(90_000.0)),
        ("seed", num(42.0)),
        ("writeMode", text("behind")),
        ("writeBehind", options(&[("maxBatch", num(5.0))])),
        ("namespace", text("app")),
        ("earlyRefresh", JsValue::TRUE),
        ("circuitBreaker", options(&[("failures", num(2.0))])),
    ]);
    assert_eq!((e.timeout(), e.loader_timeout()), (250.0, 1_000.0));
    assert_eq!(e.read_bound(), 8.0 * 250.0 + 1_000.0);
    assert_eq!(e.load_bound(500.0), 3_500.0, "a read, then the loader");
    assert_eq!(e.tag_check_interval(), 90_000.0);
    assert_eq!(e.seed(), Some(42.0));
    assert_eq!(e.replicas(), 3);
    assert!(e.write_behind());
    assert_eq!(e.min_store_key_bytes(), 3 + 3 + 16 + 64);
    assert!(!engine(&[("writeMode", text("through"))]).write_behind());
    assert_eq!(
        engine(&[("seed", num(9_007_199_254_740_991.0))]).seed(),
        Some(9_007_199_254_740_991.0),
        "the largest seed round-trips"
    );
    assert_eq!(
        engine(&[("ttl", num(1e12)), ("memoryTtl", num(2_000.0))]).tag_check_interval(),
        2_000.0,
        "memoryTtl first"
    );
    assert_eq!(
        engine(&[("ttl", num(1e12))]).tag_check_interval(),
        TAG_RECORD_TTL,
        "never longer than a tag record lives"
    );
    assert_eq!(
        engine(&[("timeout", num(2_147_483_647.0))]).timeout(),
        2_147_483_647.0
    );
}

#[wasm_bindgen_test]
fn store_ttls_are_whole_milliseconds_raised_to_the_minimum_and_capped_when_tagged() {
    assert_eq!(EdgeEngine::tag_record_ttl(), TAG_RECORD_TTL);
    assert_eq!(
        EdgeEngine::store_ttl(0.0, 1_500.4, 60_000.0, false),
        60_000.0
    );
    assert_eq!(
        EdgeEngine::store_ttl(0.0, 90_000.2, 60_000.0, false),
        90_001.0
    );
    assert_eq!(
        EdgeEngine::store_ttl(5.0, 5.0, 0.0, false),
        1.0,
        "never zero"
    );
    assert_eq!(
        EdgeEngine::store_ttl(10.0, 5.0, 0.0, false),
        1.0,
        "nor negative"
    );
    assert_eq!(EdgeEngine::store_ttl(0.0, YEAR, 0.0, false), YEAR);
    assert_eq!(EdgeEngine::store_ttl(0.0, YEAR, 0.0, true), TAG_RECORD_TTL);
    assert_eq!(
        EdgeEngine::store_ttl(0.0, YEAR, 2.0 * TAG_RECORD_TTL, true),
        2.0 * TAG_RECORD_TTL,
        "the store's minimum wins"
    );
}

#[wasm_bindgen_test]
fn memory_ttls_run_to_the_horizon_capped_by_memory_ttl_and_tags() {
    let capped = engine(&[("ttl", num(1_000.0)), ("memoryTtl", num(300.0))]);
    assert_eq!(capped.memory_ttl_for(0.0, 1_000.0, false), 300.0);
    assert_eq!(capped.memory_ttl_for(900.0, 1_000.0, false), 100.0);
    assert!(
        capped.memory_ttl_for(2_000.0, 1_000.0, false) <= 0.0,
        "past: keep nothing"
    );
    let plain = engine(&[("ttl", num(1_000.0))]);
    assert_eq!(
        plain.memory_ttl_for(0.0, 5_000.0, false),
        5_000.0,
        "uncapped"
    );
    assert_eq!(plain.memory_ttl_for(0.0, YEAR, false), YEAR);
    assert_eq!(
        plain.memory_ttl_for(0.0, YEAR, true),
        TAG_RECORD_TTL,
        "tagged"
    );
}

#[wasm_bindgen_test]
fn store_keys_carry_namespace_and_kind_and_long_ones_are_digested() {
    let e = EdgeEngine::new(JsValue::UNDEFINED).unwrap();
    assert_eq!(e.data_key("user:1", 512.0), "ec:k:user:1");
    assert_eq!(e.tag_key("user:1", 512.0), "ec:t:user:1");
    assert_eq!(e.data_key("abc", 8.0), "ec:k:abc", "exactly at the limit");
    let digested = e.data_key("abc", 7.0);
    // printf 'k:abc' | sha256sum: the wasm build's compact SHA-256 gives the same digest.
    assert_eq!(
        digested,
        "ec:h:cbbf00e084eb4016e5e80bc147b150dd297ef3f2948b196db7f75bd59fd953c6"
    );
    assert_eq!(
        digested.len() + 16,
        e.min_store_key_bytes() as usize,
        "room for a clear epoch"
    );
    assert_ne!(
        digested,
        e.tag_key("abc", 7.0),
        "kinds never share a digest"
    );
    assert_eq!(e.data_key("é", 7.0), "ec:k:é", "7 bytes in UTF-8");
    assert!(
        e.data_key("é", 6.0).starts_with("ec:h:"),
        "limits count bytes"
    );
    assert!(
        e.data_key("k", f64::NAN).starts_with("ec:h:"),
        "no limit to speak of"
    );
    let n = engine(&[("namespace", text("n"))]);
    // printf 'k:abc' | sha256sum
    assert_eq!(
        n.data_key("abc", 5.0),
        "n:h:cbbf00e084eb4016e5e80bc147b150dd297ef3f2948b196db7f75bd59fd953c6"
    );
    assert_eq!(n.tag_key("release", 512.0), "n:t:release");
}

#[wasm_bindgen_test]
fn generation_records_round_trip_and_anything_else_is_unreadable() {
    assert_eq!(EdgeEngine::encode_generation(0.0).as_deref(), Some("g1:0;"));
    assert_eq!(
        EdgeEngine::encode_generation(42.0).as_deref(),
        Some("g1:42;")
    );
    let max = 4_503_599_627_370_496.0;
    for g in [0.0, 1.0, 1_733_200_000_000.0, max] {
        let record = EdgeEngine::encode_generation(g).unwrap();
        assert_eq!(EdgeEngine::decode_generation(&record), g, "{record}");
    }
    for bad in [max + 2.0, 1e300, -3.0, 1.5, f64::NAN, f64::INFINITY] {
        assert_eq!(EdgeEngine::encode_generation(bad), None, "{bad}");
    }
    for bad in [
        "",
        "g1:",
        "g1:12",
        "g1:-5;",
        "g1:007;",
        "g2:5;",
        "1733200000000",
        "g1:5;;",
    ] {
        assert!(EdgeEngine::decode_generation(bad).is_nan(), "{bad:?}");
    }
}

#[wasm_bindgen_test]
fn a_shard_breaker_opens_after_consecutive_failures_and_lets_one_trial_through() {
    let mut e = engine(&[(
        "circuitBreaker",
        options(&[("failures", num(3.0)), ("cooldown", num(100.0))]),
    )]);
    for _ in 0..2 {
        assert!(e.shard_allowed(1, 0.0));
        e.shard_outcome(1, false, 0.0);
    }
    assert!(!e.shard_open(1, 0.0), "two failures: still closed");
    e.shard_outcome(1, false, 10.0);
    assert!(e.shard_open(1, 10.0), "the third opens it");
    assert!(!e.shard_allowed(1, 50.0), "skipped while open");
    assert!(e.shard_allowed(0, 50.0), "other shards are unaffected");
    assert!(!e.shard_open(0, 50.0));
    assert!(!e.shard_open(1, 110.0), "half-open after the cool-down");
    assert!(e.shard_allowed(1, 110.0), "one trial");
    assert!(!e.shard_allowed(1, 110.0), "only one");
    e.shard_outcome(1, false, 111.0);
    assert!(e.shard_open(1, 150.0), "a failed trial opens it again");
    assert!(e.shard_allowed(1, 211.0));
    e.shard_outcome(1, true, 211.0);
    assert!(!e.shard_open(1, 211.0), "a good trial closes it");
    assert!(e.shard_allowed(1, 212.0));
    // A success resets the count.
    for ok in [false, false, true, false, false] {
        e.shard_outcome(2, ok, 300.0);
    }
    assert!(!e.shard_open(2, 300.0));
    e.shard_outcome(2, false, 300.0);
    assert!(e.shard_open(2, 300.0));
}

#[wasm_bindgen_test]
fn the_default_breaker_opens_after_five_failures_for_thirty_seconds() {
    let mut e = EdgeEngine::new(JsValue::UNDEFINED).unwrap();
    for _ in 0..4 {
        e.shard_outcome(0, false, 0.0);
    }
    assert!(!e.shard_open(0, 0.0));
    e.shard_outcome(0, false, 1_000.0);
    assert!(e.shard_open(0, 30_999.0));
    assert!(!e.shard_open(0, 31_000.0));
    assert!(e.shard_allowed(0, 31_000.0));
    // An index past the breakers kept is always allowed and never opens, without a panic.
    for _ in 0..10 {
        assert!(e.shard_allowed(u32::MAX, 0.0));
        e.shard_outcome(u32::MAX, false, 0.0);
    }
    assert!(!e.shard_open(u32::MAX, 0.0));
}

#[wasm_bindgen_test]
fn stats_names_every_number_and_reports_loads_in_flight() {
    let mut e = EdgeEngine::new(JsValue::UNDEFINED).unwrap();
    let names = EdgeEngine::stat_names();
    let mut expected = vec!["hitRate", "errorRate", "reads", "calls"];
    let latency = ["count", "sum", "p50", "p95", "p99", "max"];
    for (tier, counters) in [
        (
            "memory",
            &["hits", "misses", "staleServed", "hitRate", "backfills"][..],
        ),
        (
            "store",
            &[
                "hits",
                "misses",
                "staleServed",
                "hitRate",
                "errors",
                "timeouts",
                "corrupt",
                "writes",
                "writeErrors",
            ][..],
        ),
        (
            "loader",
            &["loads", "errors", "inFlight", "refreshes", "staleIfError"][..],
        ),
    ] {
        let names = counters.iter().map(|n| format!("{tier}.{n}"));
        let latency = latency.iter().map(|n| format!("{tier}.latency.{n}"));
        expected.extend(names.chain(latency).map(|n| &*n.leak()));
    }
    assert_eq!(names, expected);
    let in_flight = names.iter().position(|n| n == "loader.inFlight").unwrap();
    let stats = e.stats(3, 0);
    // Every number, then three empty latency histograms (a length of 0 each).
    assert_eq!(stats.len(), names.len() + 3);
    for (i, (name, n)) in names.iter().zip(&stats).enumerate() {
        let want = if i == in_flight { 3.0 } else { 0.0 };
        assert_eq!(*n, want, "{name}");
    }
    e.shard_outcome(0, false, 0.0);
    assert_eq!(
        e.stats(0, 0),
        vec![0.0; names.len() + 3],
        "breakers count nothing here"
    );
    assert_eq!(e.stats(u32::MAX, 0)[in_flight], 4_294_967_295.0);
    assert_eq!(EdgeEngine::stat_names(), names, "the same every time");
}

#[wasm_bindgen_test]
fn a_clear_moves_data_keys_to_its_epoch_and_a_read_adopts_another_isolates() {
    let mut e = EdgeEngine::new(JsValue::UNDEFINED).unwrap();
    assert_eq!(e.epoch_key(512.0), "ec:e:");
    assert_eq!(
        e.epoch_trusted_until(),
        f64::NEG_INFINITY,
        "read before first use"
    );
    let record = e.epoch_clear(None, false, 1_000.0).unwrap();
    assert_eq!(record, "g1:1000;");
    assert_eq!(e.data_key("k", 512.0), "ec:k1000:k");
    assert_eq!(
        e.epoch_clear(None, true, 2_000.0),
        None,
        "a failed read decides nothing"
    );
    let mut other = EdgeEngine::new(JsValue::UNDEFINED).unwrap();
    let mark = other.epoch_mark();
    assert_eq!(
        other.epoch_read(Some(record), false, mark, 10.0),
        EpochFound::Changed
    );
    assert_eq!(other.data_key("k", 512.0), "ec:k1000:k");
    assert_eq!(
        other.epoch_read(Some("g1:1;".into()), false, mark, 15.0),
        EpochFound::Kept,
        "a read that arrives late is ignored"
    );
    let mark = other.epoch_mark();
    assert_eq!(
        other.epoch_read(Some("junk".into()), false, mark, 20.0),
        EpochFound::Unreadable
    );
    let mark = other.epoch_mark();
    assert_eq!(other.epoch_read(None, true, mark, 30.0), EpochFound::Kept);
    assert_eq!(other.data_key("k", 512.0), "ec:k1000:k");
}
