//! # edgecache core
//!
//! A multi-tier cache engine for JavaScript edge runtimes, compiled once to WebAssembly.
//! This crate is the pure-Rust core plus, on `wasm32`, the bindings in [`wasm`].
//!
//! Design in short:
//! - The core decides, the bindings carry out. Core modules never import `wasm_bindgen` or
//!   `js_sys`; `cargo test` runs them natively.
//! - Time is injected: every operation that cares takes `now` in milliseconds.
//! - No panic may reach JavaScript: inputs are validated and errors are one [`error::Error`]
//!   with a stable code.
//! - The memory tier addresses entries by integer slots; keys and values stay in
//!   JavaScript, so a read crosses the boundary with two numbers.
//!
//! Modules:
//! - [`error`]: the error type and its codes.
//! - [`options`]: checking caller-supplied option objects.
//! - [`edge`]: the tiered cache's decisions (entry times, freshness, store keys, the L2
//!   record header, counters and latency histograms).
//! - [`rng`]: the one lazily seeded generator (jitter, early refresh, retry spread,
//!   W-TinyLFU's hash seed and admission lottery).
//! - [`memory`]: the memory tier (LRU and W-TinyLFU policies, TTL, byte bounds, stats).
//! - [`ring`]: the ketama consistent-hash ring (libmemcached-compatible node placement).
#![forbid(unsafe_code)]

pub mod edge;
pub mod error;
pub mod memory;
pub mod options;
pub mod ring;
pub mod rng;

#[cfg(target_arch = "wasm32")]
pub mod wasm;
