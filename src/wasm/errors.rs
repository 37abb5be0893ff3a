//! Maps core errors to JavaScript `EdgeCacheError` instances, in one place.

use crate::error::Error;
use js_sys::{Array, Function, Reflect};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    static ERROR_CLASS: RefCell<Option<Function>> = const { RefCell::new(None) };
}

/// Registers the `EdgeCacheError` class (`new EdgeCacheError(code, message)`); the package
/// entry files call this once after instantiating the module.
#[wasm_bindgen(js_name = setErrorClass)]
pub fn set_error_class(class: Function) {
    ERROR_CLASS.with(|c| *c.borrow_mut() = Some(class));
}

/// The JavaScript error to throw for a core error.
pub fn to_js(err: Error) -> JsValue {
    let code = JsValue::from_str(err.code().as_str());
    let message = JsValue::from_str(err.message());
    let registered = ERROR_CLASS.with(|c| c.borrow().clone());
    if let Some(class) = registered {
        if let Ok(e) = Reflect::construct(&class, &Array::of2(&code, &message)) {
            return e;
        }
    }
    let e = js_sys::Error::new(err.message());
    e.set_name("EdgeCacheError");
    // Setting a property on a fresh Error object cannot fail.
    let _ = Reflect::set(&e, &JsValue::from_str("code"), &code);
    e.into()
}
