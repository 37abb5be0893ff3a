//! Bindings: the only Rust that knows JavaScript. Converts types, maps core errors to
//! `EdgeCacheError`, and exposes the engines the JavaScript classes in `pkg/src` drive.

mod codes;
mod edge;
mod errors;
mod memory;
mod options;
mod ring;
mod tags;
mod write_queue;

pub use codes::{
    AlertRule, AlertState, EpochFound, EvictReason, HeaderStatus, LookupCode as Lookup,
    PlanTier as Tier, ReadPlanCode as ReadPlan, Report, TagCheck, WriteOutcome,
};
pub use edge::{latency_bounds, merged_stats, EdgeEngine};
pub use errors::set_error_class;
pub use memory::MemoryEngine;
pub use ring::RingEngine;
pub use tags::TagEngine;
pub use write_queue::WriteQueueEngine;
