//! The enums JavaScript passes to the engines and gets back, exported by wasm-bindgen so
//! that no number is mirrored by hand in `pkg/src`. Each converts to or from its core type
//! by an exhaustive match (the core stays free of wasm-bindgen).

use crate::edge::alerts::Rule;
use crate::edge::plan::{ReadPlan, ReadTier};
use crate::edge::stats::{Event, Tier};
use crate::edge::tags::Check;
use crate::edge::write_queue::Outcome;
use crate::memory::stats::Removal;
use crate::memory::Lookup;
use wasm_bindgen::prelude::*;

/// What the package reports to `EdgeEngine` through its report buffer (see
/// `EdgeEngine.reportsPtr`): an event to count, or a latency sample of a tier (the triple's
/// value, in ms). Hits, stale serves and misses of values found are counted by the plan
/// calls themselves; the package reports what only it sees.
#[wasm_bindgen]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Report {
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
    MemoryLatency = 16,
    StoreLatency = 17,
    LoaderLatency = 18,
    Read = 19,
}

/// A report as the counters take it.
pub enum Recorded {
    /// One more of an event.
    Count(Event),
    /// A latency sample of a tier.
    Latency(Tier),
}

impl Report {
    /// The report a buffer slot holds, or `None` for a number that names none.
    pub fn from_code(code: f64) -> Option<Report> {
        const ALL: [Report; 20] = [
            Report::MemoryHit,
            Report::MemoryMiss,
            Report::MemoryStale,
            Report::StoreHit,
            Report::StoreMiss,
            Report::StoreStale,
            Report::StoreError,
            Report::StoreTimeout,
            Report::StoreCorrupt,
            Report::Backfill,
            Report::Load,
            Report::LoadError,
            Report::StoreWrite,
            Report::StoreWriteError,
            Report::Refresh,
            Report::StaleIfError,
            Report::MemoryLatency,
            Report::StoreLatency,
            Report::LoaderLatency,
            Report::Read,
        ];
        if code.is_nan() || code < 0.0 || code.fract() != 0.0 {
            return None;
        }
        ALL.get(code as usize).copied()
    }

    /// What the counters record for it.
    pub fn recorded(self) -> Recorded {
        use Recorded::{Count, Latency};
        match self {
            Report::MemoryHit => Count(Event::MemoryHit),
            Report::MemoryMiss => Count(Event::MemoryMiss),
            Report::MemoryStale => Count(Event::MemoryStale),
            Report::StoreHit => Count(Event::StoreHit),
            Report::StoreMiss => Count(Event::StoreMiss),
            Report::StoreStale => Count(Event::StoreStale),
            Report::StoreError => Count(Event::StoreError),
            Report::StoreTimeout => Count(Event::StoreTimeout),
            Report::StoreCorrupt => Count(Event::StoreCorrupt),
            Report::Backfill => Count(Event::Backfill),
            Report::Load => Count(Event::Load),
            Report::LoadError => Count(Event::LoadError),
            Report::StoreWrite => Count(Event::StoreWrite),
            Report::StoreWriteError => Count(Event::StoreWriteError),
            Report::Refresh => Count(Event::Refresh),
            Report::StaleIfError => Count(Event::StaleIfError),
            Report::MemoryLatency => Latency(Tier::Memory),
            Report::StoreLatency => Latency(Tier::Store),
            Report::LoaderLatency => Latency(Tier::Loader),
            Report::Read => Count(Event::Read),
        }
    }
}

/// The tier a `readPlan` is made for (see `plan::ReadTier`).
#[wasm_bindgen(js_name = Tier)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanTier {
    /// A memory entry.
    Memory = 0,
    /// A store record.
    Store = 1,
}

impl From<PlanTier> for ReadTier {
    fn from(tier: PlanTier) -> ReadTier {
        match tier {
            PlanTier::Memory => ReadTier::Memory,
            PlanTier::Store => ReadTier::Store,
        }
    }
}

/// What a read does with a value a tier found (see `plan::ReadPlan`).
#[wasm_bindgen(js_name = ReadPlan)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadPlanCode {
    /// Serve it.
    Serve = 0,
    /// Serve it and refresh in the background (early refresh).
    ServeAndRefresh = 1,
    /// Serve it as stale and refresh in the background.
    ServeStale = 2,
    /// Read on; serve it only if that fails (stale-if-error).
    ReadOnWithFallback = 3,
    /// Drop it and read on.
    ReadOn = 4,
}

impl From<ReadPlan> for ReadPlanCode {
    fn from(plan: ReadPlan) -> ReadPlanCode {
        match plan {
            ReadPlan::Serve => ReadPlanCode::Serve,
            ReadPlan::ServeAndRefresh => ReadPlanCode::ServeAndRefresh,
            ReadPlan::ServeStale => ReadPlanCode::ServeStale,
            ReadPlan::ReadOnWithFallback => ReadPlanCode::ReadOnWithFallback,
            ReadPlan::ReadOn => ReadPlanCode::ReadOn,
        }
    }
}

/// What `MemoryEngine.get` and `peek` found at a slot (see `memory::Lookup`).
#[wasm_bindgen(js_name = Lookup)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LookupCode {
    /// No entry at that slot.
    Absent = 0,
    /// A live entry.
    Hit = 1,
    /// An expired entry, now removed: the package forgets the slot.
    Expired = 2,
}

impl From<Lookup> for LookupCode {
    fn from(lookup: Lookup) -> LookupCode {
        match lookup {
            Lookup::Absent => LookupCode::Absent,
            Lookup::Hit => LookupCode::Hit,
            Lookup::Expired => LookupCode::Expired,
        }
    }
}

/// Why a value left the memory tier (see `memory::stats::Removal`): what `MemoryEngine.delete`
/// answers; `pkg/src/memory.js` names each for `onEvict`.
#[wasm_bindgen]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvictReason {
    /// Evicted to make room.
    Capacity = 0,
    /// Its time to live ran out.
    Expired = 1,
    /// Deleted by the caller.
    Explicit = 2,
    /// Replaced by a set.
    Replaced = 3,
}

impl From<Removal> for EvictReason {
    fn from(reason: Removal) -> EvictReason {
        match reason {
            Removal::Capacity => EvictReason::Capacity,
            Removal::Expired => EvictReason::Expired,
            Removal::Explicit => EvictReason::Explicit,
            Removal::Replaced => EvictReason::Replaced,
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

/// What a read of the clear epoch found (`EdgeEngine.epochRead`, see `epoch::Found`).
#[wasm_bindgen]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EpochFound {
    /// The epoch held stays.
    Kept = 0,
    /// Another epoch was adopted: memory and what runs are dropped.
    Changed = 1,
    /// The record is unreadable (reported); the epoch held is trusted for the interval.
    Unreadable = 2,
}

impl From<crate::edge::epoch::Found> for EpochFound {
    fn from(found: crate::edge::epoch::Found) -> Self {
        use crate::edge::epoch::Found;
        match found {
            Found::Kept => EpochFound::Kept,
            Found::Changed => EpochFound::Changed,
            Found::Unreadable => EpochFound::Unreadable,
        }
    }
}

/// Whether a tagged entry is current (`TagEngine.check`, see `tags::Check`).
#[wasm_bindgen]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagCheck {
    /// Every tag is known and none is newer than the entry.
    Current = 0,
    /// A tag was invalidated since the entry was written, or is newer than it.
    Stale = 1,
    /// A tag's generation must be read from the store first.
    Unknown = 2,
}

impl From<Check> for TagCheck {
    fn from(check: Check) -> TagCheck {
        match check {
            Check::Current => TagCheck::Current,
            Check::Stale => TagCheck::Stale,
            Check::Unknown => TagCheck::Unknown,
        }
    }
}

/// An alert rule (`alerts` option): the rule and, for latency, its tier.
#[wasm_bindgen]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertRule {
    /// `minHitRate`.
    MinHitRate = 0,
    /// `maxLatency` of the memory tier.
    MaxMemoryLatency = 1,
    /// `maxLatency` of the store tier.
    MaxStoreLatency = 2,
    /// `maxLatency` of the loader.
    MaxLoaderLatency = 3,
    /// `maxMemoryUsage`.
    MaxMemoryUsage = 4,
    /// `maxErrorRate`.
    MaxErrorRate = 5,
}

impl From<Rule> for AlertRule {
    fn from(rule: Rule) -> AlertRule {
        match rule {
            Rule::MinHitRate => AlertRule::MinHitRate,
            Rule::MaxMemoryLatency => AlertRule::MaxMemoryLatency,
            Rule::MaxStoreLatency => AlertRule::MaxStoreLatency,
            Rule::MaxLoaderLatency => AlertRule::MaxLoaderLatency,
            Rule::MaxMemoryUsage => AlertRule::MaxMemoryUsage,
            Rule::MaxErrorRate => AlertRule::MaxErrorRate,
        }
    }
}

/// Whether an alert rule that changed state fires or resolved.
#[wasm_bindgen]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertState {
    /// Broken over the window.
    Firing = 0,
    /// Holds again.
    Resolved = 1,
}
