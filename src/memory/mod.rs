//! The in-isolate memory tier. Entries are addressed by small integer slots: the caller
//! (the JavaScript `MemoryCache`) keeps keys and values and maps each key to a slot, so a
//! read crosses into wasm with two numbers. The tier owns everything else: expiry, byte
//! accounting, capacity bounds, the eviction policy and the counters.

pub mod config;
pub mod lru;
pub mod paged;
pub mod policy;
pub mod ranked;
pub mod sketch;
pub mod slot_list;
pub mod stats;
pub mod tinylfu;

use crate::error::{Error, Result};
use crate::options::{as_positive_millis, Num};
use config::{MemoryConfig, PolicyKind, MAX_SAFE_INTEGER};
use lru::LruPolicy;
use paged::Paged;
use policy::EvictionPolicy;
use stats::{Counters, Removal, TierStats};
use tinylfu::TinyLfuPolicy;

/// Index of an entry in the tier. [`NO_SLOT`] is never one.
pub type Slot = u32;
/// Not a slot: the end of an intrusive list, and the slot of a value not stored.
/// JavaScript reads it from the engine (`MemoryEngine.noSlot()`).
pub const NO_SLOT: Slot = Slot::MAX;
/// Milliseconds, from the injected clock.
pub type Millis = f64;

/// The answer to a read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The entry is live.
    Hit,
    /// The entry had expired and is now removed; the caller must forget the slot.
    Expired,
    /// No entry at that slot (never a valid slot, or already removed).
    Absent,
}

/// The answer to storing a new value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Stored at this slot.
    Stored(Slot),
    /// Not stored: larger than `maxBytes`, or refused by the policy.
    Rejected,
}

/// A slot's size in bytes (sizes are at most 2^53), or `VACANT`: the slot holds nothing.
/// The expiry is kept apart, in `MemoryTier::expires`.
type SlotSize = u64;
/// The size of a slot that holds nothing.
const VACANT: SlotSize = SlotSize::MAX;

/// Expiry of a slot that holds nothing: every clock reading is past it.
const DEAD: Millis = f64::NEG_INFINITY;
/// Smallest expiry array; past it, the array grows by half its length at a time.
const MIN_EXPIRES: usize = 64;
/// Initial length of the evicted-slots buffer (most calls evict one slot or none).
const EVICTED_BUFFER: usize = 64;
/// The policy's capacity when both `maxEntries` and `maxBytes` are set: each bound's full
/// share, so an entry weighs its larger share of either (see `MemoryTier::weight`).
const BOTH_BOUNDS_CAPACITY: u64 = 1 << 32;

/// The concrete policies, dispatched without a vtable.
enum Policy {
    Lru(LruPolicy),
    TinyLfu(Box<TinyLfuPolicy>),
}

/// Forwards each call to the concrete policy; a `match` the compiler can inline, where a
/// `dyn` call on the hot path could not be.
macro_rules! dispatch {
    ($self:ident, $p:ident => $call:expr) => {
        match $self {
            Policy::Lru($p) => $call,
            Policy::TinyLfu($p) => $call,
        }
    };
}

impl EvictionPolicy for Policy {
    #[inline]
    fn insert(&mut self, slot: Slot, hash: u32, weight: u64) {
        dispatch!(self, p => p.insert(slot, hash, weight))
    }
    #[inline]
    fn access(&mut self, slot: Slot) {
        dispatch!(self, p => p.access(slot))
    }
    #[inline]
    fn update(&mut self, slot: Slot, weight: u64) {
        dispatch!(self, p => p.update(slot, weight))
    }
    #[inline]
    fn remove(&mut self, slot: Slot) {
        dispatch!(self, p => p.remove(slot))
    }
    #[inline]
    fn evict(&mut self) -> Option<Slot> {
        dispatch!(self, p => p.evict())
    }
    fn clear(&mut self) {
        dispatch!(self, p => p.clear())
    }
}

/// The memory tier: bounded by entries and/or bytes, with lazy TTL expiry.
pub struct MemoryTier {
    config: MemoryConfig,
    /// Size per slot (`VACANT` when it holds nothing).
    sizes: Paged<SlotSize>,
    /// Expiry per slot (`+inf` = none, `-inf` = no entry), in its own array so that a
    /// caller may read it directly (the JavaScript side does, through a view of wasm memory).
    expires: Vec<Millis>,
    free: Vec<Slot>,
    len: u64,
    bytes: u64,
    policy: Policy,
    /// Slots evicted by the last `insert`/`update`: the first `evicted_count` of these.
    /// Kept at a fixed length (grown by doubling) so that a caller may read it in place.
    evicted: Vec<Slot>,
    evicted_count: usize,
    /// Bumped whenever `expires` or `evicted` moves in memory.
    buffers_version: u32,
    counters: Counters,
}

impl MemoryTier {
    /// An empty tier with the given (validated) configuration.
    pub fn new(config: MemoryConfig) -> Self {
        let policy = match config.policy {
            PolicyKind::Lru => Policy::Lru(LruPolicy::new()),
            PolicyKind::TinyLfu => {
                let capacity = match (config.max_entries, config.max_bytes) {
                    (Some(_), Some(_)) => BOTH_BOUNDS_CAPACITY,
                    (entries, bytes) => bytes.or(entries).unwrap_or(1),
                };
                Policy::TinyLfu(Box::new(TinyLfuPolicy::new(
                    capacity,
                    config.max_entries.is_none(),
                    config.seed,
                )))
            }
        };
        MemoryTier {
            config,
            sizes: Paged::default(),
            expires: Vec::new(),
            free: Vec::new(),
            len: 0,
            bytes: 0,
            policy,
            evicted: vec![0; EVICTED_BUFFER],
            evicted_count: 0,
            buffers_version: 0,
            counters: Counters::default(),
        }
    }

    /// The configuration this tier was built with.
    pub fn config(&self) -> &MemoryConfig {
        &self.config
    }

    /// Entries held (expired ones count until touched or evicted).
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Sum of the sizes of the entries held.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// How full the tier is: the larger of entries per `max_entries` and bytes per
    /// `max_bytes` (0 with neither bound).
    pub fn usage(&self) -> f64 {
        let entries = self
            .config
            .max_entries
            .map_or(0.0, |max| self.len as f64 / max as f64);
        let bytes = self
            .config
            .max_bytes
            .map_or(0.0, |max| self.bytes as f64 / max as f64);
        entries.max(bytes)
    }

    /// Slots evicted by the last `insert` or `update` to make room (`Removal::Capacity`, each
    /// counted so), for the caller to forget.
    pub fn evicted(&self) -> &[Slot] {
        self.evicted.get(..self.evicted_count).unwrap_or(&[])
    }

    /// The buffer `evicted()` is the start of, whole: its length changes only when one
    /// call evicts more slots than it holds, which doubles it.
    pub fn evicted_buffer(&self) -> &[Slot] {
        &self.evicted
    }

    /// Changes whenever `expires()` or `evicted_buffer()` moves or resizes.
    pub fn buffers_version(&self) -> u32 {
        self.buffers_version
    }

    /// Expiry of every slot (`now < expires[slot]` means live). Its length changes only
    /// when the slot space grows past it, which adds half.
    pub fn expires(&self) -> &[Millis] {
        &self.expires
    }

    /// Counts hits the caller served on its own after checking `expires`, and applies
    /// them to the policy in order. Slots no longer live are skipped.
    pub fn record_hits(&mut self, slots: &[Slot]) {
        for &slot in slots {
            if self.is_live(slot) {
                self.counters.hits += 1;
                self.policy.access(slot);
            }
        }
    }

    /// Reads a slot: a hit bumps it in the policy; an expired entry is removed.
    pub fn get(&mut self, slot: Slot, now: Millis) -> Lookup {
        let lookup = self.check(slot, now);
        match lookup {
            Lookup::Hit => {
                self.counters.hits += 1;
                self.policy.access(slot);
            }
            Lookup::Expired => self.counters.misses += 1,
            Lookup::Absent => {}
        }
        lookup
    }

    /// Like `get`, but neither bumps the entry nor counts a hit or miss.
    pub fn peek(&mut self, slot: Slot, now: Millis) -> Lookup {
        self.check(slot, now)
    }

    fn is_live(&self, slot: Slot) -> bool {
        self.sizes.get(slot as usize).is_some_and(|&s| s != VACANT)
    }

    fn check(&mut self, slot: Slot, now: Millis) -> Lookup {
        let live = self.is_live(slot);
        match self.expires.get(slot as usize) {
            Some(&expires_at) if live && now >= expires_at => {
                self.remove(slot, Removal::Expired);
                Lookup::Expired
            }
            Some(_) if live => Lookup::Hit,
            _ => Lookup::Absent,
        }
    }

    /// Validates a per-entry `size` and `ttl` and returns the entry's size and expiry.
    fn entry_terms(&self, size: f64, ttl: Option<f64>, now: Millis) -> Result<(u64, Millis)> {
        if !(size.fract() == 0.0 && size >= 0.0 && size <= MAX_SAFE_INTEGER as f64) {
            return Err(Error::argument(format!(
                "set: size must be a whole number of bytes from 0 to {MAX_SAFE_INTEGER}, got {}",
                Num(size)
            )));
        }
        let ttl = match ttl {
            Some(t) => Some(as_positive_millis(t).ok_or_else(|| {
                Error::argument(format!(
                    "set: ttl must be a finite number of milliseconds greater than 0 (omit it for the default), got {}",
                    Num(t)
                ))
            })?),
            None => self.config.ttl,
        };
        Ok((size as u64, ttl.map_or(f64::INFINITY, |t| now + t)))
    }

    /// An entry's weight for the policy: its bytes, or 1 per entry. With both bounds, its
    /// larger share of the two, in units of `BOTH_BOUNDS_CAPACITY`: so the policy's window
    /// and segments are sized by whichever bound binds.
    fn weight(&self, size: u64) -> u64 {
        match (self.config.max_entries, self.config.max_bytes) {
            (Some(entries), Some(bytes)) => {
                // Shares in f64 (sizes reach 2^53); `as` saturates, and ceil keeps each ≥ 1.
                let share = |part: f64, whole: u64| {
                    (part / whole.max(1) as f64 * BOTH_BOUNDS_CAPACITY as f64).ceil() as u64
                };
                share(size as f64, bytes).max(share(1.0, entries))
            }
            (_, Some(_)) => size,
            _ => 1,
        }
    }

    fn too_large(&self, size: u64) -> bool {
        self.config.max_bytes.is_some_and(|max| size > max)
    }

    /// Stores a value for a key the caller does not hold yet. `hash` identifies the key
    /// (for frequency-based policies); `size` is in bytes. Evicted slots are in `evicted()`.
    pub fn insert(
        &mut self,
        hash: u32,
        size: f64,
        ttl: Option<f64>,
        now: Millis,
    ) -> Result<Admission> {
        let (size, expires_at) = self.entry_terms(size, ttl, now)?;
        self.evicted_count = 0;
        if self.too_large(size) {
            self.counters.rejected += 1;
            return Ok(Admission::Rejected);
        }
        let Some(slot) = self.free.pop().or_else(|| self.new_slot()) else {
            // Out of memory for the slot's bookkeeping.
            self.counters.rejected += 1;
            return Ok(Admission::Rejected);
        };
        if let Some(e) = self.sizes.get_mut(slot as usize) {
            *e = size;
        }
        if let Some(e) = self.expires.get_mut(slot as usize) {
            *e = expires_at;
        }
        self.len += 1;
        self.bytes = self.bytes.saturating_add(size);
        self.counters.sets += 1;
        let weight = self.weight(size);
        self.policy.insert(slot, hash, weight);
        if self.make_room(slot) {
            Ok(Admission::Stored(slot))
        } else {
            self.counters.sets -= 1;
            self.counters.rejected += 1;
            Ok(Admission::Rejected)
        }
    }

    /// A slot never used before, or `None` if memory cannot be had. The expiry array (one
    /// block, for JavaScript's view) grows by half at a time: less room held ahead than
    /// doubling, while each block it leaves behind is still small enough to be refilled
    /// by the pages the per-slot arrays add before the next growth (measured: growing by
    /// an eighth leaves 13 bytes an entry of such holes; by half, none).
    fn new_slot(&mut self) -> Option<Slot> {
        let slot = self.sizes.len();
        // `NO_SLOT` is never a slot.
        let id = Slot::try_from(slot).ok().filter(|&s| s != NO_SLOT)?;
        if slot >= self.expires.len() {
            let len = (slot + slot / 2).max(MIN_EXPIRES);
            self.expires
                .try_reserve_exact(len.saturating_sub(self.expires.len()))
                .ok()?;
            self.expires.resize(len, DEAD);
            self.buffers_version = self.buffers_version.wrapping_add(1);
        }
        self.sizes.try_push(VACANT).then_some(id)
    }

    /// Replaces the value of a held slot. Returns `false` when the entry is gone instead
    /// (the new value is larger than `maxBytes`); the caller must then forget the slot.
    pub fn update(&mut self, slot: Slot, size: f64, ttl: Option<f64>, now: Millis) -> Result<bool> {
        let (size, expires_at) = self.entry_terms(size, ttl, now)?;
        self.evicted_count = 0;
        let Some(entry) = self.sizes.get_mut(slot as usize).filter(|s| **s != VACANT) else {
            return Ok(false);
        };
        let old_size = std::mem::replace(entry, size);
        if let Some(e) = self.expires.get_mut(slot as usize) {
            *e = expires_at;
        }
        self.bytes = self.bytes.saturating_sub(old_size).saturating_add(size);
        if self.too_large(size) {
            self.remove(slot, Removal::Replaced);
            self.counters.rejected += 1;
            return Ok(false);
        }
        self.counters.sets += 1;
        let weight = self.weight(size);
        self.policy.update(slot, weight);
        if self.make_room(slot) {
            return Ok(true);
        }
        // The policy refused the larger value (and so dropped the old one with it), as an
        // insert it refuses: counted like a value too large for the tier.
        self.counters.sets -= 1;
        self.counters.rejected += 1;
        self.counters.count_removal(Removal::Replaced);
        Ok(false)
    }

    /// Evicts until both bounds hold. Returns whether `keep` survived; if the policy chose
    /// it, it is removed but not listed in `evicted()` (the caller never stored it).
    fn make_room(&mut self, keep: Slot) -> bool {
        let mut kept = true;
        while self.over_capacity() {
            let Some(victim) = self.policy.evict() else {
                break;
            };
            if !self.release(victim) {
                // A policy that names a slot it does not hold would loop forever here.
                debug_assert!(false, "the policy evicted slot {victim}, which is not live");
                break;
            }
            if victim == keep {
                kept = false;
            } else {
                self.counters.count_removal(Removal::Capacity);
                self.push_evicted(victim);
            }
        }
        kept
    }

    /// Lists an evicted slot, doubling the buffer when it is full.
    fn push_evicted(&mut self, slot: Slot) {
        if self.evicted_count == self.evicted.len() {
            self.evicted.resize(2 * self.evicted.len().max(1), 0);
            self.buffers_version = self.buffers_version.wrapping_add(1);
        }
        if let Some(e) = self.evicted.get_mut(self.evicted_count) {
            *e = slot;
            self.evicted_count += 1;
        }
    }

    fn over_capacity(&self) -> bool {
        self.config.max_entries.is_some_and(|max| self.len > max)
            || self.config.max_bytes.is_some_and(|max| self.bytes > max)
    }

    /// Deletes a held slot at the caller's request. Returns why it left: `Explicit` (it was
    /// live), `Expired` (its TTL had run out: removed as expired), `None` (nothing there).
    pub fn delete(&mut self, slot: Slot, now: Millis) -> Option<Removal> {
        match self.check(slot, now) {
            Lookup::Hit => {
                self.remove(slot, Removal::Explicit);
                Some(Removal::Explicit)
            }
            Lookup::Expired => Some(Removal::Expired),
            Lookup::Absent => None,
        }
    }

    fn remove(&mut self, slot: Slot, reason: Removal) {
        self.policy.remove(slot);
        self.release(slot);
        self.counters.count_removal(reason);
    }

    /// Frees a slot the policy no longer holds; whether it was live.
    fn release(&mut self, slot: Slot) -> bool {
        let Some(entry) = self.sizes.get_mut(slot as usize).filter(|s| **s != VACANT) else {
            return false;
        };
        let size = std::mem::replace(entry, VACANT);
        if let Some(e) = self.expires.get_mut(slot as usize) {
            *e = DEAD;
        }
        self.len -= 1;
        self.bytes = self.bytes.saturating_sub(size);
        self.free.push(slot);
        true
    }

    /// Removes every entry; counters are kept.
    pub fn clear(&mut self) {
        self.sizes.clear();
        self.expires.fill(DEAD);
        self.free.clear();
        self.evicted_count = 0;
        self.len = 0;
        self.bytes = 0;
        self.policy.clear();
    }

    /// A statistics snapshot; `outside_misses` are reads of keys the caller did not hold.
    pub fn stats(&self, outside_misses: u64) -> TierStats {
        TierStats::new(&self.counters, outside_misses, self.len, self.bytes)
    }
}
