//! `MemoryEngine`: the memory tier's policy engine as the JavaScript `MemoryCache` drives
//! it. Only numbers cross on the hot path; keys and values stay in JavaScript.

use super::errors::to_js;
use super::options::fields;
use crate::memory::config::{MemoryConfig, PolicyKind};
use crate::memory::{Admission, Lookup, MemoryTier, Slot};
use wasm_bindgen::prelude::*;

/// Returned in the low 32 bits of `insert`/`update` when nothing is stored.
const NO_SLOT: Slot = u32::MAX;
/// `insert`/`update` return `evicted_count * 2^32 + slot`, one number for two answers.
const EVICTED_UNIT: f64 = 4_294_967_296.0;

/// The memory tier, addressed by slots.
#[wasm_bindgen]
pub struct MemoryEngine {
    tier: MemoryTier,
}

fn lookup_code(lookup: Lookup) -> u32 {
    match lookup {
        Lookup::Absent => 0,
        Lookup::Hit => 1,
        Lookup::Expired => 2,
    }
}

#[wasm_bindgen]
impl MemoryEngine {
    /// Validates `options` (see `MemoryCache` in the README) and builds an empty tier.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<MemoryEngine, JsValue> {
        let config = fields("MemoryCache", &options)
            .and_then(MemoryConfig::from_fields)
            .map_err(to_js)?;
        Ok(MemoryEngine { tier: MemoryTier::new(config) })
    }

    /// Reads a slot: 1 = hit (bumped), 2 = expired (removed), 0 = absent.
    pub fn get(&mut self, slot: Slot, now: f64) -> u32 {
        lookup_code(self.tier.get(slot, now))
    }

    /// Like `get` without bumping or counting.
    pub fn peek(&mut self, slot: Slot, now: f64) -> u32 {
        lookup_code(self.tier.peek(slot, now))
    }

    /// Stores a new key's entry; returns `evicted * 2^32 + slot` (slot `0xFFFFFFFF` = not stored).
    pub fn insert(&mut self, hash: u32, size: f64, ttl: Option<f64>, now: f64) -> Result<f64, JsValue> {
        let slot = match self.tier.insert(hash, size, ttl, now).map_err(to_js)? {
            Admission::Stored(slot) => slot,
            Admission::Rejected => NO_SLOT,
        };
        Ok(self.packed(slot))
    }

    /// Replaces a held entry's value; returns `evicted * 2^32 + slot` (slot `0xFFFFFFFF` =
    /// the entry is gone).
    pub fn update(&mut self, slot: Slot, size: f64, ttl: Option<f64>, now: f64) -> Result<f64, JsValue> {
        let kept = self.tier.update(slot, size, ttl, now).map_err(to_js)?;
        Ok(self.packed(if kept { slot } else { NO_SLOT }))
    }

    fn packed(&self, slot: Slot) -> f64 {
        self.tier.evicted().len() as f64 * EVICTED_UNIT + f64::from(slot)
    }

    /// The `i`-th slot evicted by the last `insert`/`update` (`0xFFFFFFFF` past the end).
    #[wasm_bindgen(js_name = evictedAt)]
    pub fn evicted_at(&self, i: u32) -> Slot {
        self.tier.evicted().get(i as usize).copied().unwrap_or(NO_SLOT)
    }

    /// Deletes a slot; whether it held a live entry.
    pub fn delete(&mut self, slot: Slot, now: f64) -> bool {
        self.tier.delete(slot, now)
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.tier.clear();
    }

    /// Sum of entry sizes.
    pub fn bytes(&self) -> f64 {
        self.tier.bytes() as f64
    }

    /// Whether entries need a size (the tier is bounded by `maxBytes`).
    #[wasm_bindgen(js_name = needsSizes)]
    pub fn needs_sizes(&self) -> bool {
        self.tier.config().max_bytes.is_some()
    }

    /// Whether `insert` needs a key hash (the policy counts key frequencies).
    #[wasm_bindgen(js_name = needsHashes)]
    pub fn needs_hashes(&self) -> bool {
        self.tier.config().policy == PolicyKind::TinyLfu
    }

    /// A statistics snapshot; `outsideMisses` counts reads of keys JavaScript did not hold.
    pub fn stats(&self, outside_misses: f64) -> Result<JsValue, JsValue> {
        let stats = self.tier.stats(outside_misses as u64);
        serde_wasm_bindgen::to_value(&stats).map_err(|e| JsValue::from_str(&e.to_string()))
    }
}
