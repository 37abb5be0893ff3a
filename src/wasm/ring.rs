//! `RingEngine`: the ketama ring as the JavaScript `HashRing` drives it. A lookup crosses
//! the boundary with numbers only: JavaScript writes the key's UTF-8 bytes into a buffer
//! in wasm memory it keeps a view of, passes their length, and gets back the owner's
//! index, which it maps to the id string through an array it refreshes after `add` and
//! `remove`; `nodes` writes the owners' indices into a second shared buffer. No string is
//! allocated on either side.

use super::errors::to_js;
use super::options::fields;
use crate::error::{self, Error};
use crate::options::{Num, OptionFields, OptionValue};
use crate::ring::{HashRing, NodeSpec, RingMode, DEFAULT_POINTS_PER_NODE, MAX_POINTS_PER_NODE};
use js_sys::Array;
use wasm_bindgen::prelude::*;

/// Bytes of the key buffer: the longest key (4096 UTF-16 code units, `MAX_KEY_LENGTH` in
/// JavaScript) takes at most 3 UTF-8 bytes per code unit.
const KEY_BUFFER: usize = 3 * 4096;

/// The option names `HashRing` accepts.
const OPTION_NAMES: [&str; 2] = ["pointsPerNode", "mode"];

/// A ketama ring, its owners addressed by index, and the buffers JavaScript shares.
#[wasm_bindgen]
pub struct RingEngine {
    ring: HashRing,
    key: Vec<u8>,
    /// Where `nodes` writes owner indices: one slot per node.
    owners: Vec<u32>,
}

#[wasm_bindgen]
impl RingEngine {
    /// Builds a ring of `nodes` (id strings or `{ id, weight }` objects) with `options`
    /// (`pointsPerNode`, `mode`); a bad node or option throws `E_CONFIG`.
    #[wasm_bindgen(constructor)]
    pub fn new(nodes: JsValue, options: JsValue) -> Result<RingEngine, JsValue> {
        let build = || -> error::Result<HashRing> {
            let (points, mode) = ring_options(&options)?;
            HashRing::new(node_specs(&nodes)?, points, mode)
        };
        let ring = build().map_err(to_js)?;
        let mut engine = RingEngine {
            ring,
            key: vec![0; KEY_BUFFER],
            owners: Vec::new(),
        };
        engine.index_nodes();
        Ok(engine)
    }

    /// The index of the node owning the first `len` bytes of the key buffer, or undefined
    /// when the ring is empty (or `len` is past the buffer, which the package never asks).
    pub fn node(&self, len: u32) -> Option<u32> {
        self.ring.node_index(self.key.get(..len as usize)?)
    }

    /// Writes the indices of up to `n` distinct owners of the key in the buffer, in ring
    /// order, to the owners buffer; returns how many.
    pub fn nodes(&mut self, len: u32, n: u32) -> u32 {
        let Some(key) = self.key.get(..len as usize) else {
            return 0;
        };
        let want = (n as usize).min(self.owners.len());
        match self.owners.get_mut(..want) {
            Some(out) => self.ring.node_indices(key, out) as u32,
            None => 0,
        }
    }

    /// Adds a node (an id string or `{ id, weight }`); a bad or duplicate node throws
    /// `E_ARGUMENT` and leaves the ring unchanged.
    pub fn add(&mut self, node: JsValue) -> Result<(), JsValue> {
        node_spec(&node)
            .and_then(|spec| self.ring.add(spec))
            .map_err(|e| to_js(Error::argument(e.message())))?;
        self.index_nodes();
        Ok(())
    }

    /// Removes node `id`; whether it was on the ring.
    pub fn remove(&mut self, id: &str) -> bool {
        let removed = self.ring.remove(id);
        if removed {
            self.index_nodes();
        }
        removed
    }

    /// The node ids by index (the order they were added in).
    pub fn ids(&self) -> Vec<String> {
        self.ring.ids().map(str::to_owned).collect()
    }

    /// Address of the key buffer in wasm memory.
    #[wasm_bindgen(js_name = keyPtr)]
    pub fn key_ptr(&self) -> u32 {
        self.key.as_ptr() as u32
    }

    /// Length of the key buffer in bytes.
    #[wasm_bindgen(js_name = keyLen)]
    pub fn key_len(&self) -> u32 {
        self.key.len() as u32
    }

    /// Address of the owners buffer (`u32` node indices); it moves on `add` and `remove`.
    #[wasm_bindgen(js_name = ownersPtr)]
    pub fn owners_ptr(&self) -> u32 {
        self.owners.as_ptr() as u32
    }

    /// Length of the owners buffer: the node count.
    #[wasm_bindgen(js_name = ownersLen)]
    pub fn owners_len(&self) -> u32 {
        self.owners.len() as u32
    }
}

impl RingEngine {
    /// Sizes the owners buffer after the node list changed.
    fn index_nodes(&mut self) {
        self.owners = vec![0; self.ring.len()];
    }
}

/// `pointsPerNode` (default 160) and `mode` (default ketama) from the options object.
fn ring_options(options: &JsValue) -> error::Result<(u32, RingMode)> {
    if !options.is_undefined()
        && (!options.is_object() || options.is_null() || Array::is_array(options))
    {
        return Err(Error::config(format!(
            "HashRing: options must be an object such as {{ pointsPerNode: 160 }}, got {}",
            kind(options)
        )));
    }
    let fields = OptionFields::new("HashRing", fields("HashRing", options)?, &OPTION_NAMES)?;
    let points = fields
        .positive_integer("pointsPerNode", u64::from(MAX_POINTS_PER_NODE))?
        .map_or(DEFAULT_POINTS_PER_NODE, |p| {
            u32::try_from(p).unwrap_or(MAX_POINTS_PER_NODE)
        });
    let mode = match fields.choice("mode", &["ketama", "spy"])? {
        Some("spy") => RingMode::Spy,
        _ => RingMode::Ketama,
    };
    Ok((points, mode))
}

/// The node list: an array of id strings or `{ id, weight }` objects.
fn node_specs(nodes: &JsValue) -> error::Result<Vec<NodeSpec>> {
    if !Array::is_array(nodes) {
        return Err(Error::config(format!(
            "HashRing: nodes must be an array such as [\"10.0.1.1:11211\", \"10.0.1.2:11211\"], \
             got {}",
            kind(nodes)
        )));
    }
    let nodes: &Array = nodes.unchecked_ref();
    nodes.iter().map(|node| node_spec(&node)).collect()
}

/// One node: an id string (weight 1) or `{ id, weight }`.
fn node_spec(node: &JsValue) -> error::Result<NodeSpec> {
    if let Some(id) = node.as_string() {
        return Ok(NodeSpec::new(id));
    }
    let shape = "a node is an id string such as \"10.0.1.1:11211\" or an object such as \
                 { id: \"10.0.1.1:11211\", weight: 2 }";
    if !node.is_object() || node.is_null() || Array::is_array(node) || node.is_function() {
        return Err(Error::config(format!(
            "HashRing: {shape}, got {}",
            kind(node)
        )));
    }
    let mut id = None;
    let mut weight = 1;
    for (name, value) in fields("HashRing", node)? {
        match (name.as_str(), value) {
            ("id", OptionValue::Text(text)) => id = Some(text),
            ("weight", OptionValue::Number(n))
                if n.fract() == 0.0 && n >= 1.0 && n <= f64::from(u32::MAX) =>
            {
                weight = n as u32;
            }
            ("weight", value) => {
                return Err(Error::config(format!(
                    "HashRing: a node's weight must be a whole number from 1 to {}, got {}; \
                     only ratios between weights matter",
                    u32::MAX,
                    shown(&value)
                )))
            }
            ("id", value) => {
                return Err(Error::config(format!(
                    "HashRing: a node's id must be a string such as \"10.0.1.1:11211\", got {}",
                    shown(&value)
                )))
            }
            (other, _) => {
                return Err(Error::config(format!(
                    "HashRing: unknown node field \"{other}\"; {shape}"
                )))
            }
        }
    }
    match id {
        Some(id) => Ok(NodeSpec::weighted(id, weight)),
        None => Err(Error::config(format!(
            "HashRing: a node object has no id; {shape}"
        ))),
    }
}

/// A field value as an error message shows it.
fn shown(value: &OptionValue) -> String {
    match value {
        OptionValue::Number(n) => Num(*n).to_string(),
        OptionValue::Text(s) => format!("the string \"{s}\""),
        OptionValue::Bool(b) => format!("the boolean {b}"),
        OptionValue::Object(_) => "an object".to_owned(),
        OptionValue::Other(name) => format!("a {name}"),
    }
}

/// A JavaScript value's type as an error message names it.
fn kind(value: &JsValue) -> String {
    if value.is_null() {
        "null".to_owned()
    } else if Array::is_array(value) {
        "an array".to_owned()
    } else {
        match value.js_typeof().as_string().as_deref() {
            Some("object") => "an object".to_owned(),
            Some("undefined") => "undefined".to_owned(),
            Some(name) => format!("a {name}"),
            None => "a value of unknown type".to_owned(),
        }
    }
}
