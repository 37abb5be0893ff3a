//! Bindings: the only Rust that knows JavaScript.
