//! The bindings' wasm-bindgen tests in Node: `wasm-pack test --node -- --test wasm_node`.
#![cfg(target_arch = "wasm32")]

#[path = "bindings/cases.rs"]
mod cases;
