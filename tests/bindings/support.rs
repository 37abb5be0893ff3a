//! Helpers shared by the binding tests: options objects, error codes and views of wasm
//! memory, built as `pkg/src` builds them.

#![allow(dead_code)]

use js_sys::{Float64Array, Object, Reflect, Uint32Array, Uint8Array, WebAssembly};
use wasm_bindgen::{JsCast, JsValue};

/// A plain options object with these fields.
pub fn options(fields: &[(&str, JsValue)]) -> JsValue {
    let obj = Object::new();
    for (name, value) in fields {
        Reflect::set(&obj, &JsValue::from_str(name), value).unwrap();
    }
    obj.into()
}

/// A JavaScript number.
pub fn num(n: f64) -> JsValue {
    JsValue::from_f64(n)
}

/// A JavaScript string.
pub fn text(s: &str) -> JsValue {
    JsValue::from_str(s)
}

/// The `code` of a thrown error ("" when it has none).
pub fn code_of(err: &JsValue) -> String {
    Reflect::get(err, &JsValue::from_str("code"))
        .unwrap()
        .as_string()
        .unwrap_or_default()
}

/// The `message` of a thrown error ("" when it has none).
pub fn message_of(err: &JsValue) -> String {
    Reflect::get(err, &JsValue::from_str("message"))
        .unwrap()
        .as_string()
        .unwrap_or_default()
}

/// Asserts `err` is a JavaScript `Error` carrying `code` and a message, and returns the
/// message.
pub fn assert_error(err: &JsValue, code: &str) -> String {
    assert!(err.is_instance_of::<js_sys::Error>(), "{err:?} is an Error");
    assert_eq!(code_of(err), code, "{}", message_of(err));
    let message = message_of(err);
    assert!(!message.is_empty(), "an error says what went wrong");
    message
}

/// The module's memory buffer now (a new one after every growth), as `wasmBuffer()` in
/// `pkg/src/ready.js` reads it.
fn buffer() -> JsValue {
    wasm_bindgen::memory()
        .unchecked_into::<WebAssembly::Memory>()
        .buffer()
}

/// A view of `len` `f64`s at `ptr` in wasm memory.
pub fn f64_view(ptr: u32, len: u32) -> Float64Array {
    Float64Array::new_with_byte_offset_and_length(&buffer(), ptr, len)
}

/// A view of `len` `u32`s at `ptr` in wasm memory.
pub fn u32_view(ptr: u32, len: u32) -> Uint32Array {
    Uint32Array::new_with_byte_offset_and_length(&buffer(), ptr, len)
}

/// A view of `len` bytes at `ptr` in wasm memory.
pub fn u8_view(ptr: u32, len: u32) -> Uint8Array {
    Uint8Array::new_with_byte_offset_and_length(&buffer(), ptr, len)
}
