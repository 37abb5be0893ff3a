//! The bindings' wasm-bindgen tests in a browser:
//! `wasm-pack test --headless --chrome -- --test wasm_browser`.
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "bindings/support.rs"]
mod support;

#[path = "bindings/edge.rs"]
mod edge;
#[path = "bindings/edge_plans.rs"]
mod edge_plans;
#[path = "bindings/errors.rs"]
mod errors;
#[path = "bindings/memory.rs"]
mod memory;
#[path = "bindings/ring.rs"]
mod ring;
#[path = "bindings/tags.rs"]
mod tags;
#[path = "bindings/write_queue.rs"]
mod write_queue;
