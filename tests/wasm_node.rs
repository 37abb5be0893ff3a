//! The bindings' wasm-bindgen tests in Node: `wasm-pack test --node -- --test wasm_node`.
#![cfg(target_arch = "wasm32")]

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
