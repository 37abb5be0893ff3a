//! The enums JavaScript passes to the engines and gets back, exported by wasm-bindgen so
//! that no number is mirrored by hand in `pkg/src`. Each converts to or from its core type
//! by an exhaustive match (the core stays free of wasm-bindgen).

use crate::edge::freshness::Freshness;
use crate::edge::stats::{Event, Tier};
use crate::edge::write_queue::Outcome;
use wasm_bindgen::prelude::*;

/// What `EdgeEngine.count` counts (see `Event`).
#[wasm_bindgen]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    MemoryHit = 0,
    MemoryMiss = 1,
    MemoryStale = 2,
    StoreHit = 3,
    StoreMiss = 4,
    StoreStale = 5,
    StoreError = 6,
    StoreTimeout = 7,
    StoreCorrupt = 8,
    Backfill = 9,
    Load = 10,
    LoadError = 11,
    StoreWrite = 12,
    StoreWriteError = 13,
    Refresh = 14,
    StaleIfError = 15,
}

impl From<Count> for Event {
    fn from(count: Count) -> Event {
        match count {
            Count::MemoryHit => Event::MemoryHit,
            Count::MemoryMiss => Event::MemoryMiss,
            Count::MemoryStale => Event::MemoryStale,
            Count::StoreHit => Event::StoreHit,
            Count::StoreMiss => Event::StoreMiss,
            Count::StoreStale => Event::StoreStale,
            Count::StoreError => Event::StoreError,
            Count::StoreTimeout => Event::StoreTimeout,
            Count::StoreCorrupt => Event::StoreCorrupt,
            Count::Backfill => Event::Backfill,
            Count::Load => Event::Load,
            Count::LoadError => Event::LoadError,
            Count::StoreWrite => Event::StoreWrite,
            Count::StoreWriteError => Event::StoreWriteError,
            Count::Refresh => Event::Refresh,
            Count::StaleIfError => Event::StaleIfError,
        }
    }
}

/// The tier of an `EdgeEngine.latency` sample (JavaScript's `Tier`).
#[wasm_bindgen(js_name = Tier)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LatencyTier {
    Memory = 0,
    Store = 1,
    Loader = 2,
}

impl From<LatencyTier> for Tier {
    fn from(tier: LatencyTier) -> Tier {
        match tier {
            LatencyTier::Memory => Tier::Memory,
            LatencyTier::Store => Tier::Store,
            LatencyTier::Loader => Tier::Loader,
        }
    }
}

/// What `EdgeEngine.classify` answers (JavaScript's `Fresh`; see `Freshness`).
#[wasm_bindgen(js_name = Fresh)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FreshnessCode {
    Fresh = 0,
    RefreshEarly = 1,
    Stale = 2,
    ErrorOnly = 3,
    Expired = 4,
}

impl From<Freshness> for FreshnessCode {
    fn from(freshness: Freshness) -> FreshnessCode {
        match freshness {
            Freshness::Fresh => FreshnessCode::Fresh,
            Freshness::RefreshEarly => FreshnessCode::RefreshEarly,
            Freshness::Stale => FreshnessCode::Stale,
            Freshness::ErrorOnly => FreshnessCode::ErrorOnly,
            Freshness::Expired => FreshnessCode::Expired,
        }
    }
}

/// What became of a write in `WriteQueueEngine.complete`'s answer (see `Outcome`).
#[wasm_bindgen]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    Written = 0,
    Retry = 1,
    Superseded = 2,
    DeadLetter = 3,
}

impl From<Outcome> for WriteOutcome {
    fn from(outcome: Outcome) -> WriteOutcome {
        match outcome {
            Outcome::Written => WriteOutcome::Written,
            Outcome::Retry => WriteOutcome::Retry,
            Outcome::Superseded => WriteOutcome::Superseded,
            Outcome::DeadLetter => WriteOutcome::DeadLetter,
        }
    }
}

/// How `EdgeEngine.decode` found a record's header (the first number it returns).
#[wasm_bindgen]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderStatus {
    /// A record of this key in this format: the times and generations follow.
    Ok = 0,
    /// Not a record, damaged, or cut short (or longer): a miss, deleted.
    Corrupt = 1,
    /// A valid record of another key (a digest collision, a copied record): a miss, deleted.
    ForeignKey = 2,
    /// A record of another edgecache format: a miss, left alone.
    OtherFormat = 3,
}
