//! Turns a JavaScript options object into the core's [`OptionValue`] fields.

use crate::error::{Error, Result};
use crate::options::OptionValue;
use js_sys::{Array, Object};
use wasm_bindgen::{JsCast, JsValue};

/// The fields of `options` (`undefined` gives none; fields set to `undefined` are skipped).
pub fn fields(owner: &str, options: &JsValue) -> Result<Vec<(String, OptionValue)>> {
    if options.is_undefined() {
        return Ok(Vec::new());
    }
    if !options.is_object() || options.is_null() || Array::is_array(options) {
        return Err(Error::config(format!(
            "{owner}: options must be a plain object such as {{ maxEntries: 1000 }}, got {}",
            type_name(options)
        )));
    }
    Ok(entries_of(options, |value| {
        if is_plain_object(value) {
            OptionValue::Object(entries_of(value, inner_value))
        } else {
            option_value(value)
        }
    }))
}

/// A field of an option that is an object (`alerts: { maxLatency: { store: 200 } }`): a
/// plain object is opened once more. The package copies options to the depth each one has
/// (pkg/src/plain_options.js), so nothing here runs a caller's getter.
fn inner_value(value: &JsValue) -> OptionValue {
    if is_plain_object(value) {
        OptionValue::Object(entries_of(value, option_value))
    } else {
        option_value(value)
    }
}

/// The own enumerable fields of an object, each converted by `convert`.
fn entries_of(
    object: &JsValue,
    convert: fn(&JsValue) -> OptionValue,
) -> Vec<(String, OptionValue)> {
    Object::entries(object.unchecked_ref::<Object>())
        .iter()
        .filter_map(|entry| {
            let pair: Array = entry.unchecked_into();
            let value = pair.get(1);
            (!value.is_undefined())
                .then(|| (pair.get(0).as_string().unwrap_or_default(), convert(&value)))
        })
        .collect()
}

/// Whether `value` is an object literal (its prototype is `Object.prototype` or null), as
/// opposed to a class instance such as a store client, whose fields are not options.
fn is_plain_object(value: &JsValue) -> bool {
    if !value.is_object() || value.is_null() || Array::is_array(value) || value.is_function() {
        return false;
    }
    let proto: JsValue = Object::get_prototype_of(value).into();
    proto.is_null() || proto == JsValue::from(Object::get_prototype_of(&Object::new().into()))
}

/// One field's value; objects inside an options object are not opened.
fn option_value(value: &JsValue) -> OptionValue {
    if let Some(n) = value.as_f64() {
        OptionValue::Number(n)
    } else if let Some(s) = value.as_string() {
        OptionValue::Text(s)
    } else if let Some(b) = value.as_bool() {
        OptionValue::Bool(b)
    } else {
        OptionValue::Other(type_name(value).to_string())
    }
}

fn type_name(value: &JsValue) -> &'static str {
    if value.is_null() {
        "null"
    } else if Array::is_array(value) {
        "array"
    } else if value.is_function() {
        "function"
    } else if value.is_object() {
        "object"
    } else if value.as_string().is_some() {
        "string"
    } else if value.as_f64().is_some() {
        "number"
    } else if value.as_bool().is_some() {
        "boolean"
    } else if value.is_bigint() {
        "bigint"
    } else if value.is_symbol() {
        "symbol"
    } else {
        "undefined"
    }
}
