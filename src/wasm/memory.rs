//! `MemoryEngine`: the memory tier's policy engine as the JavaScript `MemoryCache` drives
//! it. Keys and values stay in JavaScript; only numbers cross. To keep a hit free of any
//! call into wasm, JavaScript reads slot expiries through a view of wasm memory and
//! queues the slots it served in a read buffer here; every other call first applies the
//! queued hits (`pending` of them) to the policy, in order, so the policy sees exactly the
//! sequence of operations the caller made.

use super::codes::{EvictReason, LookupCode};
use super::errors::to_js;
use super::options::fields;
use crate::error::Error;
use crate::memory::config::{MemoryConfig, PolicyKind};
use crate::memory::{Admission, MemoryTier, Slot, NO_SLOT};
use wasm_bindgen::prelude::*;

/// The high part of `insert`/`update` results: `2^32 * (2 * evicted + relayout)`.
const HIGH_UNIT: f64 = 4_294_967_296.0;
/// Hits JavaScript may queue before it must call `drain`.
const READ_BUFFER: usize = 256;

/// The memory tier, addressed by slots, with the buffers JavaScript shares.
#[wasm_bindgen]
pub struct MemoryEngine {
    tier: MemoryTier,
    reads: Vec<Slot>,
    /// Why the last `insert`/`update` returned `REFUSED`, for `throwLastError`.
    last_error: Option<Error>,
}

/// Returned by `insert`/`update` for invalid arguments: a plain number keeps the hot path
/// free of the array wasm-bindgen builds for a `Result`.
const REFUSED: f64 = -1.0;

#[wasm_bindgen]
impl MemoryEngine {
    /// Validates `options` (see `MemoryCache` in the README) and builds an empty tier.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<MemoryEngine, JsValue> {
        let config = fields("MemoryCache", &options)
            .and_then(MemoryConfig::from_fields)
            .map_err(to_js)?;
        Ok(MemoryEngine {
            tier: MemoryTier::new(config),
            reads: vec![0; READ_BUFFER],
            last_error: None,
        })
    }

    /// Applies the first `pending` queued hits of the read buffer.
    pub fn drain(&mut self, pending: u32) {
        let n = (pending as usize).min(self.reads.len());
        if let Some(slots) = self.reads.get(..n) {
            self.tier.record_hits(slots);
        }
    }

    /// Reads a slot: a hit (bumped), expired (removed) or absent.
    pub fn get(&mut self, pending: u32, slot: Slot, now: f64) -> LookupCode {
        self.drain(pending);
        self.tier.get(slot, now).into()
    }

    /// Like `get` without bumping or counting.
    pub fn peek(&mut self, pending: u32, slot: Slot, now: f64) -> LookupCode {
        self.drain(pending);
        self.tier.peek(slot, now).into()
    }

    /// Stores a new key's entry; returns `2^32 * (2 * evicted + relayout) + slot`
    /// (slot `noSlot()` = not stored; relayout = re-read the buffer addresses), or
    /// `-1` for an invalid size or ttl (then call `throwLastError`).
    pub fn insert(
        &mut self,
        pending: u32,
        hash: u32,
        size: f64,
        ttl: Option<f64>,
        now: f64,
    ) -> f64 {
        self.drain(pending);
        let version = self.tier.buffers_version();
        match self.tier.insert(hash, size, ttl, now) {
            Ok(Admission::Stored(slot)) => self.packed(slot, version),
            Ok(Admission::Rejected) => self.packed(NO_SLOT, version),
            Err(e) => self.refuse(e),
        }
    }

    /// Replaces a held entry's value; returns as `insert` (slot `noSlot()` = the entry
    /// is gone).
    pub fn update(
        &mut self,
        pending: u32,
        slot: Slot,
        size: f64,
        ttl: Option<f64>,
        now: f64,
    ) -> f64 {
        self.drain(pending);
        let version = self.tier.buffers_version();
        match self.tier.update(slot, size, ttl, now) {
            Ok(kept) => self.packed(if kept { slot } else { NO_SLOT }, version),
            Err(e) => self.refuse(e),
        }
    }

    fn refuse(&mut self, error: Error) -> f64 {
        self.last_error = Some(error);
        REFUSED
    }

    /// Throws the error behind the last `-1` from `insert`/`update`.
    #[wasm_bindgen(js_name = throwLastError)]
    pub fn throw_last_error(&mut self) -> Result<(), JsValue> {
        match self.last_error.take() {
            Some(e) => Err(to_js(e)),
            None => Ok(()),
        }
    }

    /// Packs the answer of `insert`/`update`; the evicted slots are already in the
    /// shared buffer.
    fn packed(&self, slot: Slot, version_before: u32) -> f64 {
        let relayout = self.tier.buffers_version() != version_before;
        let high = 2 * self.tier.evicted().len() as u64 + u64::from(relayout);
        high as f64 * HIGH_UNIT + f64::from(slot)
    }

    /// The slot `insert`/`update` return when the value is not stored.
    #[wasm_bindgen(js_name = noSlot)]
    pub fn no_slot() -> u32 {
        NO_SLOT
    }

    /// Deletes a slot; why it left (`Explicit`, or `Expired` if its TTL had run out), or
    /// `undefined` if it held nothing.
    pub fn delete(&mut self, pending: u32, slot: Slot, now: f64) -> Option<EvictReason> {
        self.drain(pending);
        self.tier.delete(slot, now).map(Into::into)
    }

    /// Removes every entry (queued hits are applied first, so stats count them).
    pub fn clear(&mut self, pending: u32) {
        self.drain(pending);
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

    /// Address of the expiry array (`f64` per slot) in wasm memory.
    #[wasm_bindgen(js_name = expiresPtr)]
    pub fn expires_ptr(&self) -> u32 {
        self.tier.expires().as_ptr() as u32
    }

    /// Length of the expiry array.
    #[wasm_bindgen(js_name = expiresLen)]
    pub fn expires_len(&self) -> u32 {
        self.tier.expires().len() as u32
    }

    /// Address of the read buffer (`u32` slots, `readsLen` of them).
    #[wasm_bindgen(js_name = readsPtr)]
    pub fn reads_ptr(&self) -> u32 {
        self.reads.as_ptr() as u32
    }

    /// Length of the read buffer.
    #[wasm_bindgen(js_name = readsLen)]
    pub fn reads_len(&self) -> u32 {
        self.reads.len() as u32
    }

    /// Address of the evicted-slots buffer (`u32` slots, each evicted to make room: all of
    /// one reason, `EvictReason.Capacity`, so no reason is stored beside them).
    #[wasm_bindgen(js_name = evictedPtr)]
    pub fn evicted_ptr(&self) -> u32 {
        self.tier.evicted_buffer().as_ptr() as u32
    }

    /// Length of the evicted-slots buffer.
    #[wasm_bindgen(js_name = evictedLen)]
    pub fn evicted_len(&self) -> u32 {
        self.tier.evicted_buffer().len() as u32
    }

    /// How full the tier is (0..1): the larger of entries per `maxEntries` and bytes per
    /// `maxBytes`.
    pub fn usage(&self) -> f64 {
        self.tier.usage()
    }

    /// A statistics snapshot as numbers in `TierStats::to_array` order; `outsideMisses`
    /// counts reads of keys JavaScript did not hold.
    pub fn stats(&mut self, pending: u32, outside_misses: f64) -> Vec<f64> {
        self.drain(pending);
        self.tier.stats(outside_misses as u64).to_array().to_vec()
    }
}
