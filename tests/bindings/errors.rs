//! `setErrorClass`: the errors every engine throws are built by the registered class, as
//! `pkg/src/ready.js` registers `EdgeCacheError`; a class that cannot be constructed
//! leaves a plain `Error` carrying the code.

use crate::support::{assert_error, num, options, text};
use edgecache::wasm::{set_error_class, EdgeEngine, MemoryEngine, RingEngine, WriteQueueEngine};
use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

/// A class shaped like `pkg/src/errors.js`'s `EdgeCacheError`.
fn edge_cache_error_class() -> Function {
    Function::new_no_args(
        "return class EdgeCacheError extends Error {
           constructor(code, message) { super(message); this.name = 'EdgeCacheError'; this.code = code; }
         };",
    )
    .call0(&JsValue::UNDEFINED)
    .unwrap()
    .unchecked_into()
}

fn field(value: &JsValue, name: &str) -> JsValue {
    Reflect::get(value, &text(name)).unwrap()
}

/// One error from each engine, thrown for bad input.
fn errors_of_every_engine() -> Vec<(JsValue, &'static str)> {
    let mut ring = RingEngine::new(js_sys::Array::new().into(), JsValue::UNDEFINED).unwrap();
    let mut queue = WriteQueueEngine::new(JsValue::UNDEFINED, None).unwrap();
    let mut memory = MemoryEngine::new(JsValue::UNDEFINED).unwrap();
    assert_eq!(memory.insert(0, 0, -1.0, None, 0.0), -1.0);
    vec![
        (
            MemoryEngine::new(options(&[("ttl", num(0.0))]))
                .err()
                .unwrap(),
            "E_CONFIG",
        ),
        (memory.throw_last_error().unwrap_err(), "E_ARGUMENT"),
        (
            RingEngine::new(JsValue::NULL, JsValue::UNDEFINED)
                .err()
                .unwrap(),
            "E_CONFIG",
        ),
        (ring.add(num(1.0)).unwrap_err(), "E_ARGUMENT"),
        (queue.accept(u32::MAX, 0, 0.0).unwrap_err(), "E_ARGUMENT"),
        (EdgeEngine::new(text("x")).err().unwrap(), "E_CONFIG"),
    ]
}

#[wasm_bindgen_test]
fn a_registered_error_class_builds_every_engines_errors_and_a_broken_one_falls_back_to_error() {
    let class = edge_cache_error_class();
    set_error_class(class.clone());
    for (err, code) in errors_of_every_engine() {
        assert_error(&err, code);
        assert_eq!(
            field(&err, "constructor"),
            JsValue::from(class.clone()),
            "{code}"
        );
        assert_eq!(field(&err, "name"), text("EdgeCacheError"));
    }
    for broken in [
        Function::new_no_args("throw new TypeError('broken class')"),
        Function::new_no_args("return () => 1")
            .call0(&JsValue::UNDEFINED)
            .unwrap()
            .unchecked_into(),
    ] {
        set_error_class(broken.clone());
        for (err, code) in errors_of_every_engine() {
            assert_error(&err, code);
            assert_eq!(
                field(&err, "name"),
                text("EdgeCacheError"),
                "the fallback's name"
            );
            assert_ne!(field(&err, "constructor"), JsValue::from(broken.clone()));
        }
    }
    // Leave a working class registered, as the package does.
    set_error_class(class.clone());
    assert_eq!(
        field(&errors_of_every_engine()[0].0, "constructor"),
        JsValue::from(class)
    );
}
