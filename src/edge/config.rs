//! `EdgeCache` options: names, types, ranges and defaults. Options that are JavaScript
//! functions (`waitUntil`, `now`, `onEvent`) are checked for their type here; `store`,
//! `memory` and `writeBehind` are checked by the package and the write queue;
//! `circuitBreaker` is read here.

use super::alerts::AlertRules;
use super::breaker::BreakerPolicy;
use crate::error::{Error, Result};
use crate::options::{Num, OptionFields, OptionValue};

/// Time to live when the caller gives none: one minute.
pub const DEFAULT_TTL: f64 = 60_000.0;
/// Store call time limit when the caller gives none (ms).
pub const DEFAULT_TIMEOUT: f64 = 5_000.0;
/// Loader time limit when the caller gives none (ms).
pub const DEFAULT_LOADER_TIMEOUT: f64 = 30_000.0;
/// Slack added to an operation's bound before a caller sharing it takes it to be dead (ms):
/// timers fire late on a loaded machine.
pub const FLIGHT_SLACK: f64 = 1_000.0;
/// Longest namespace, in characters.
pub const MAX_NAMESPACE_LEN: usize = 64;
/// The sliding window of stats and alerts when the caller gives none: one minute.
pub const DEFAULT_WINDOW: f64 = 60_000.0;
/// The shortest and the longest sliding window: a second, a week.
pub const WINDOW_RANGE: (f64, f64) = (1_000.0, 604_800_000.0);
/// Most replicas per key.
pub const MAX_REPLICAS: u64 = 16;

/// How writes reach the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteMode {
    /// `set` resolves once the store has the value.
    Through,
    /// `set` resolves at once; the store is written in the background.
    Behind,
}

/// Validated `EdgeCache` configuration (the parts the core uses).
#[derive(Clone, Debug, PartialEq)]
pub struct EdgeConfig {
    /// Prefix isolating this cache's keys in shared stores.
    pub namespace: String,
    /// Default time to live (ms).
    pub ttl: f64,
    /// Longest time the memory tier keeps an entry (ms); `None`: until its last horizon.
    pub memory_ttl: Option<f64>,
    /// Serve stale this long past expiry while refreshing in the background (ms).
    pub stale_while_revalidate: f64,
    /// Serve stale this long past expiry when the store or loader fails (ms).
    pub stale_if_error: f64,
    /// Fraction (0..1) by which expiries are spread downwards at random.
    pub jitter: f64,
    /// XFetch early refresh: `Some(beta)` when on.
    pub early_refresh_beta: Option<f64>,
    /// Give up on a store call after this long (ms).
    pub timeout: f64,
    /// Give up on a loader call after this long (ms), unless the call gives its own.
    pub loader_timeout: f64,
    /// Copies of each key across shards.
    pub replicas: u64,
    /// How writes reach the store.
    pub write_mode: WriteMode,
    /// When a shard's circuit breaker opens, and for how long.
    pub breaker: BreakerPolicy,
    /// Seed of the engine's randomness (jitter, early refresh, write-behind retry spread);
    /// `None`: seeded from the platform on first use.
    pub seed: Option<u64>,
    /// Length of the sliding window of stats and alerts (ms); `None`: no window.
    pub window: Option<f64>,
    /// Alert rules over the window.
    pub alerts: Option<AlertRules>,
}

impl EdgeConfig {
    /// How long a tag generation read from the store is trusted: `memoryTtl`, else `ttl`.
    /// This bounds how late another isolate's `invalidateTags` is seen.
    pub fn tag_check_interval(&self) -> f64 {
        self.memory_ttl
            .unwrap_or(self.ttl)
            .min(super::TAG_RECORD_TTL)
    }

    /// The longest a read (`get`) can take when every store call runs into `timeout`: the
    /// memory entry's tag check, one read per replica (the clear epoch's beside it), again
    /// when the epoch moved, the found entry's tag check; plus slack. A caller sharing a
    /// read waits no longer than this for it.
    pub fn read_bound(&self) -> f64 {
        (2.0 * self.replicas as f64 + 2.0) * self.timeout + FLIGHT_SLACK
    }

    /// The longest a load can take: a read, then the loader up to `loader_timeout`.
    pub fn load_bound(&self, loader_timeout: f64) -> f64 {
        self.read_bound() + loader_timeout
    }

    /// Option names accepted.
    pub const NAMES: [&'static str; 24] = [
        "store",
        "replicas",
        "namespace",
        "memory",
        "ttl",
        "memoryTtl",
        "staleWhileRevalidate",
        "staleIfError",
        "jitter",
        "earlyRefresh",
        "timeout",
        "loaderTimeout",
        "writeMode",
        "writeBehind",
        "waitUntil",
        "now",
        "onEvent",
        "circuitBreaker",
        "seed",
        "serializer",
        "stats",
        "alerts",
        "coordinator",
        "bus",
    ];

    /// Builds a configuration from caller options, rejecting unknown names and bad values.
    pub fn from_fields(fields: Vec<(String, OptionValue)>) -> Result<Self> {
        let f = OptionFields::new("EdgeCache", fields, &Self::NAMES)?;
        for name in ["waitUntil", "now", "onEvent"] {
            f.function(name)?;
        }
        f.object("writeBehind")?;
        f.object("serializer")?;
        f.object("coordinator")?;
        f.object("bus")?;
        let namespace = f.text("namespace")?.unwrap_or_else(|| "ec".to_string());
        if namespace.is_empty()
            || namespace.chars().count() > MAX_NAMESPACE_LEN
            || namespace.chars().any(|c| c.is_control() || c == ':')
        {
            return Err(Error::config(format!(
                "EdgeCache: option namespace must be 1 to {MAX_NAMESPACE_LEN} characters without ':' or control characters, got \"{namespace}\""
            )));
        }
        let ttl = f.positive_millis("ttl")?.unwrap_or(DEFAULT_TTL);
        let memory_ttl = f.positive_millis("memoryTtl")?;
        let stale_while_revalidate = f
            .non_negative_millis("staleWhileRevalidate")?
            .unwrap_or(0.0);
        let stale_if_error = f.non_negative_millis("staleIfError")?.unwrap_or(0.0);
        let jitter = f.fraction("jitter")?.unwrap_or(0.0);
        let early_refresh_beta = match f.bool_or_positive("earlyRefresh")? {
            None | Some(None) => None,
            Some(Some(beta)) => Some(beta),
        };
        let timeout = f.timer_millis("timeout")?.unwrap_or(DEFAULT_TIMEOUT);
        let loader_timeout = f
            .timer_millis("loaderTimeout")?
            .unwrap_or(DEFAULT_LOADER_TIMEOUT);
        let replicas = f.positive_integer("replicas", MAX_REPLICAS)?.unwrap_or(1);
        let write_mode = match f.choice("writeMode", &["through", "behind"])? {
            Some("behind") => WriteMode::Behind,
            _ => WriteMode::Through,
        };
        let breaker = breaker_policy(f.nested("circuitBreaker")?)?;
        let (window, alerts) = monitoring(f.nested("stats")?, f.nested("alerts")?)?;
        Ok(EdgeConfig {
            namespace,
            ttl,
            memory_ttl,
            stale_while_revalidate,
            stale_if_error,
            jitter,
            early_refresh_beta,
            timeout,
            loader_timeout,
            replicas,
            write_mode,
            breaker,
            seed: f.seed("seed")?,
            window,
            alerts,
        })
    }
}

/// The window of `stats: { window }` (0: none) and the rules of `alerts`, which judge that
/// window: `alerts.window` may name it too, and must then agree.
fn monitoring(
    stats: Option<Vec<(String, OptionValue)>>,
    alerts: Option<Vec<(String, OptionValue)>>,
) -> Result<(Option<f64>, Option<AlertRules>)> {
    let stats_window = match stats {
        None => None,
        Some(fields) => OptionFields::new("EdgeCache stats", fields, &["window"])?
            .non_negative_millis("window")?,
    };
    let Some(fields) = alerts else {
        let window = stats_window.unwrap_or(DEFAULT_WINDOW);
        let window = if window == 0.0 {
            None
        } else {
            Some(in_range(window)?)
        };
        return Ok((window, None));
    };
    let (rules, alerts_window) = AlertRules::from_fields(fields)?;
    let window = match (stats_window, alerts_window) {
        (Some(0.0), _) => {
            return Err(Error::config(
                "EdgeCache: option alerts judges the sliding window, which stats: { window: 0 } turns off; remove one of them",
            ))
        }
        (Some(s), Some(a)) if s != a => {
            return Err(Error::config(format!(
                "EdgeCache: alerts.window ({}) and stats.window ({}) differ; one window serves both, give it once",
                Num(a),
                Num(s)
            )))
        }
        (s, a) => s.or(a).unwrap_or(DEFAULT_WINDOW),
    };
    Ok((Some(in_range(window)?), Some(rules)))
}

/// A window's length, checked.
fn in_range(window: f64) -> Result<f64> {
    let (shortest, longest) = WINDOW_RANGE;
    if (shortest..=longest).contains(&window) {
        return Ok(window);
    }
    Err(Error::config(format!(
        "EdgeCache: the stats window must be from {} ms (a second) to {} ms (a week), or 0 for none; got {}",
        Num(shortest),
        Num(longest),
        Num(window)
    )))
}

/// The `circuitBreaker: { failures, cooldown }` option.
fn breaker_policy(fields: Option<Vec<(String, OptionValue)>>) -> Result<BreakerPolicy> {
    let defaults = BreakerPolicy::default();
    let Some(fields) = fields else {
        return Ok(defaults);
    };
    let f = OptionFields::new(
        "EdgeCache circuitBreaker",
        fields,
        &["failures", "cooldown"],
    )?;
    Ok(BreakerPolicy {
        failures: f
            .positive_integer("failures", 1_000)?
            .map_or(defaults.failures, |n| n as u32),
        cooldown: f.positive_millis("cooldown")?.unwrap_or(defaults.cooldown),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(list: &[(&str, OptionValue)]) -> Result<EdgeConfig> {
        EdgeConfig::from_fields(
            list.iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn defaults() {
        let c = parse(&[]).unwrap();
        assert_eq!(
            (c.namespace.as_str(), c.ttl, c.memory_ttl, c.replicas),
            ("ec", DEFAULT_TTL, None, 1)
        );
        assert_eq!((c.stale_while_revalidate, c.stale_if_error), (0.0, 0.0));
        assert_eq!(
            (c.timeout, c.loader_timeout),
            (DEFAULT_TIMEOUT, DEFAULT_LOADER_TIMEOUT)
        );
        assert_eq!(c.read_bound(), 4.0 * DEFAULT_TIMEOUT + FLIGHT_SLACK);
        assert_eq!(
            c.load_bound(100.0),
            4.0 * DEFAULT_TIMEOUT + FLIGHT_SLACK + 100.0
        );
        assert_eq!(c.write_mode, WriteMode::Through);
    }

    #[test]
    fn early_refresh_takes_a_flag_or_a_beta() {
        assert_eq!(
            parse(&[("earlyRefresh", OptionValue::Bool(true))])
                .unwrap()
                .early_refresh_beta,
            Some(1.0)
        );
        assert_eq!(
            parse(&[("earlyRefresh", OptionValue::Bool(false))])
                .unwrap()
                .early_refresh_beta,
            None
        );
        assert_eq!(
            parse(&[("earlyRefresh", OptionValue::Number(2.0))])
                .unwrap()
                .early_refresh_beta,
            Some(2.0)
        );
        assert!(parse(&[("earlyRefresh", OptionValue::Number(-1.0))]).is_err());
    }

    #[test]
    fn bad_values_name_the_option() {
        for (name, value) in [
            ("ttl", OptionValue::Number(0.0)),
            ("staleWhileRevalidate", OptionValue::Number(-1.0)),
            ("staleIfError", OptionValue::Number(f64::INFINITY)),
            ("jitter", OptionValue::Number(1.5)),
            ("timeout", OptionValue::Number(f64::NAN)),
            ("timeout", OptionValue::Number(0.0)),
            ("loaderTimeout", OptionValue::Number(-1.0)),
            ("namespace", OptionValue::Text("a:b".into())),
            ("namespace", OptionValue::Text(String::new())),
            ("replicas", OptionValue::Number(0.0)),
            ("writeMode", OptionValue::Text("sideways".into())),
            ("now", OptionValue::Number(1.0)),
            ("circuitBreaker", OptionValue::Number(1.0)),
            ("stor", OptionValue::Other("object".into())),
        ] {
            let err = parse(&[(name, value)]).unwrap_err();
            assert_eq!(err.code().as_str(), "E_CONFIG");
            assert!(err.message().contains(name), "{}", err.message());
        }
    }
}
