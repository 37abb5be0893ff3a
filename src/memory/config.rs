//! `MemoryCache` options: names, types, ranges and defaults.

use crate::error::Result;
use crate::options::{OptionFields, OptionValue};

/// Entries kept when neither `maxEntries` nor `maxBytes` is given.
pub const DEFAULT_MAX_ENTRIES: u64 = 10_000;
/// Largest `maxEntries`: slots are 32-bit and one value is reserved.
pub const MAX_ENTRIES_LIMIT: u64 = (u32::MAX - 1) as u64;
/// Largest `maxBytes` and per-entry `size`: JavaScript's largest exact integer.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Which eviction policy orders the tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    /// Least recently used.
    Lru,
    /// Window TinyLFU: frequency-aware admission with an adaptive recency window.
    TinyLfu,
}

/// Validated memory-tier configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryConfig {
    /// Most entries kept, if bounded by count.
    pub max_entries: Option<u64>,
    /// Most bytes kept (sum of entry sizes), if bounded by size.
    pub max_bytes: Option<u64>,
    /// Default time to live in milliseconds; `None` keeps entries until evicted.
    pub ttl: Option<f64>,
    /// The eviction policy.
    pub policy: PolicyKind,
    /// Seed of the policy's randomness (W-TinyLFU's hash seed and admission lottery), so
    /// that a run replays exactly; `None`: seeded from the platform on first use.
    pub seed: Option<u64>,
}

impl Default for MemoryConfig {
    fn default() -> Self {
        MemoryConfig {
            max_entries: Some(DEFAULT_MAX_ENTRIES),
            max_bytes: None,
            ttl: None,
            policy: PolicyKind::Lru,
            seed: None,
        }
    }
}

impl MemoryConfig {
    /// Option names accepted. `now` (the clock) and `onEvict` (told of every value that
    /// leaves) are used by the package; here they are only checked to be functions.
    pub const NAMES: [&'static str; 7] = [
        "maxEntries",
        "maxBytes",
        "ttl",
        "policy",
        "now",
        "seed",
        "onEvict",
    ];

    /// Builds a configuration from caller options, rejecting unknown names and bad values.
    pub fn from_fields(fields: Vec<(String, OptionValue)>) -> Result<Self> {
        let fields = OptionFields::new("MemoryCache", fields, &Self::NAMES)?;
        fields.function("now")?;
        fields.function("onEvict")?;
        let max_entries = fields.positive_integer("maxEntries", MAX_ENTRIES_LIMIT)?;
        let max_bytes = fields.positive_integer("maxBytes", MAX_SAFE_INTEGER)?;
        let ttl = fields.positive_millis("ttl")?;
        let policy = match fields.choice("policy", &["lru", "tinylfu"])? {
            Some("tinylfu") => PolicyKind::TinyLfu,
            _ => PolicyKind::Lru,
        };
        let max_entries = match (max_entries, max_bytes) {
            (None, None) => Some(DEFAULT_MAX_ENTRIES),
            (entries, _) => entries,
        };
        Ok(MemoryConfig {
            max_entries,
            max_bytes,
            ttl,
            policy,
            seed: fields.seed("seed")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(list: &[(&str, OptionValue)]) -> Result<MemoryConfig> {
        MemoryConfig::from_fields(
            list.iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn defaults_bound_the_tier_by_count() {
        assert_eq!(parse(&[]).unwrap(), MemoryConfig::default());
        let bytes_only = parse(&[("maxBytes", OptionValue::Number(1024.0))]).unwrap();
        assert_eq!(
            (bytes_only.max_entries, bytes_only.max_bytes),
            (None, Some(1024))
        );
    }

    #[test]
    fn bad_values_name_the_option() {
        for (name, value) in [
            ("maxEntries", OptionValue::Number(0.0)),
            ("maxEntries", OptionValue::Number(-3.0)),
            ("maxEntries", OptionValue::Number(2.5)),
            ("maxBytes", OptionValue::Number(f64::INFINITY)),
            ("ttl", OptionValue::Number(f64::NAN)),
            ("ttl", OptionValue::Text("5s".into())),
            ("policy", OptionValue::Text("lfu".into())),
            ("colour", OptionValue::Bool(true)),
            ("seed", OptionValue::Number(0.0)),
            ("seed", OptionValue::Number(1.5)),
        ] {
            let err = parse(&[(name, value)]).unwrap_err();
            assert_eq!(err.code().as_str(), "E_CONFIG");
            assert!(err.message().contains(name), "{}", err.message());
        }
    }

    #[test]
    fn the_clock_and_the_eviction_handler_must_be_functions() {
        for name in ["now", "onEvict"] {
            assert!(parse(&[(name, OptionValue::Other("function".into()))]).is_ok());
            let err = parse(&[(name, OptionValue::Number(5.0))]).unwrap_err();
            assert_eq!(err.code().as_str(), "E_CONFIG");
            assert!(
                err.message()
                    .contains(&format!("{name} must be a function")),
                "{}",
                err.message()
            );
        }
    }
}
