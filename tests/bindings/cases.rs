//! Cases of the wasm-bindgen tests of the bindings, shared by `wasm_node.rs` and
//! `wasm_browser.rs`.

use edgecache::wasm::MemoryEngine;
use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

fn options(fields: &[(&str, JsValue)]) -> JsValue {
    let obj = Object::new();
    for (name, value) in fields {
        Reflect::set(&obj, &JsValue::from_str(name), value).unwrap();
    }
    obj.into()
}

fn code_of(err: &JsValue) -> String {
    Reflect::get(err, &JsValue::from_str("code"))
        .unwrap()
        .as_string()
        .unwrap_or_default()
}

const NO_SLOT: f64 = 4_294_967_295.0;
/// The high part of `insert`/`update` results.
const UNIT: f64 = 4_294_967_296.0;

#[wasm_bindgen_test]
fn bad_options_throw_config_errors_and_the_module_stays_usable() {
    for bad in [
        options(&[("maxEntries", JsValue::from_f64(0.0))]),
        options(&[("maxEntries", JsValue::from_str("10"))]),
        options(&[("ttl", JsValue::from_f64(f64::NAN))]),
        options(&[("ttl", JsValue::from_f64(f64::INFINITY))]),
        options(&[("policy", JsValue::from_str("fifo"))]),
        options(&[("maxEntry", JsValue::from_f64(3.0))]),
        JsValue::from_str("not an object"),
        JsValue::NULL,
    ] {
        let err = MemoryEngine::new(bad)
            .err()
            .expect("bad options must throw");
        assert_eq!(code_of(&err), "E_CONFIG");
        assert!(err.is_instance_of::<js_sys::Error>());
    }
    assert!(MemoryEngine::new(options(&[("maxEntries", JsValue::from_f64(2.0))])).is_ok());
}

#[wasm_bindgen_test]
fn lru_order_expiry_and_eviction_through_the_bindings() {
    let mut e = MemoryEngine::new(options(&[
        ("maxEntries", JsValue::from_f64(2.0)),
        ("ttl", JsValue::from_f64(100.0)),
    ]))
    .unwrap();
    let a = e.insert(0, 0, 0.0, None, 0.0);
    let b = e.insert(0, 0, 0.0, Some(500.0), 0.0);
    // The first insert lays out the expiry array: the relayout bit (2^32) is set.
    assert_eq!((a, b), (UNIT, 1.0), "fresh slots, nothing evicted");
    assert_eq!(e.get(0, 0, 10.0), 1, "a is a hit and becomes most recent");
    let c = e.insert(0, 0, 0.0, None, 20.0);
    assert_eq!(
        c,
        2.0 * UNIT + 2.0,
        "c takes a new slot and one slot is evicted"
    );
    assert_eq!(e.get(0, 0, 100.0), 2, "a expired at 100 ms");
    assert_eq!(e.get(0, 0, 100.0), 0, "and is gone");
    assert!(!e.delete(0, 0, 100.0));
    assert!(!e.delete(0, 1, 100.0), "b was evicted");
    assert!(e.delete(0, 2, 100.0));
}

#[wasm_bindgen_test]
fn byte_bounds_reject_oversized_values_and_bad_arguments_throw() {
    let mut e = MemoryEngine::new(options(&[("maxBytes", JsValue::from_f64(100.0))])).unwrap();
    assert!(e.needs_sizes());
    assert_eq!(e.insert(0, 0, 101.0, None, 0.0), NO_SLOT);
    assert_eq!(
        e.insert(0, 0, 60.0, None, 0.0),
        UNIT,
        "stored at 0, with relayout"
    );
    assert_eq!(
        e.update(0, 0, 200.0, None, 0.0),
        NO_SLOT,
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
    // hits, misses, hitRate, sets, deletes, evictions, expirations, rejected, ...
    let stats = e.stats(0, 3.0);
    assert_eq!((stats[1], stats[7]), (3.0, 2.0), "misses and rejected");
}
