//! Alert rules over the sliding window: which are broken, when one fires and when it
//! resolves. A rule fires once when broken with at least `min_samples` samples in the
//! window, and resolves once when it holds again with a margin (on any sample: a quiet
//! cache that is well again resolves its alerts); it changes state at most once per
//! `cooldown`, so a value hovering at the threshold does not flap.

use super::stats::{round_ms, round_rate, EdgeStats, Tier};
use crate::error::{Error, Result};
use crate::options::{NumberOrObject, OptionFields, OptionValue};

/// Default least number of samples in the window before a rule is judged.
pub const DEFAULT_MIN_SAMPLES: u64 = 100;
/// Default latency percentile of `maxLatency` rules.
pub const DEFAULT_PERCENTILE: f64 = 0.99;
/// How far past its threshold a rate or fraction must come back to resolve (absolute).
const RATE_MARGIN: f64 = 0.01;
/// How far below its threshold a latency must come back to resolve (relative).
const LATENCY_MARGIN: f64 = 0.05;

/// One alert rule (JavaScript's `AlertRule` names them by rule and tier).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// The window's hit rate fell below `minHitRate`.
    MinHitRate,
    /// The memory tier's latency percentile rose above its `maxLatency`.
    MaxMemoryLatency,
    /// The store tier's latency percentile rose above its `maxLatency`.
    MaxStoreLatency,
    /// The loader's latency percentile rose above its `maxLatency`.
    MaxLoaderLatency,
    /// The memory tier holds more than `maxMemoryUsage` of its bound.
    MaxMemoryUsage,
    /// The window's error rate rose above `maxErrorRate`.
    MaxErrorRate,
}

/// The rules of the `alerts` option.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertRules {
    /// Rules and their thresholds.
    pub thresholds: Vec<(Rule, f64)>,
    /// The percentile (0..1] `maxLatency` rules compare.
    pub percentile: f64,
    /// Least samples in the window before a rule is judged.
    pub min_samples: u64,
    /// Least time between two state changes of one rule (ms).
    pub cooldown: f64,
}

/// The names `alerts` accepts.
const NAMES: [&str; 7] = [
    "minHitRate",
    "maxLatency",
    "maxMemoryUsage",
    "maxErrorRate",
    "minSamples",
    "window",
    "cooldown",
];

impl AlertRules {
    /// The rules of `alerts: { ... }` and the window it names, if any.
    pub fn from_fields(fields: Vec<(String, OptionValue)>) -> Result<(Self, Option<f64>)> {
        let f = OptionFields::new("EdgeCache alerts", fields, &NAMES)?;
        let mut thresholds = Vec::new();
        if let Some(x) = f.fraction("minHitRate")? {
            thresholds.push((Rule::MinHitRate, x));
        }
        let mut percentile = DEFAULT_PERCENTILE;
        match f.number_or_object("maxLatency")? {
            None => {}
            Some(NumberOrObject::Number(ms)) => {
                thresholds.push((Rule::MaxStoreLatency, positive(ms)?))
            }
            Some(NumberOrObject::Object(tiers)) => {
                let t = OptionFields::new(
                    "EdgeCache alerts.maxLatency",
                    tiers,
                    &["memory", "store", "loader", "percentile"],
                )?;
                for (name, rule) in [
                    ("memory", Rule::MaxMemoryLatency),
                    ("store", Rule::MaxStoreLatency),
                    ("loader", Rule::MaxLoaderLatency),
                ] {
                    if let Some(ms) = t.positive_millis(name)? {
                        thresholds.push((rule, ms));
                    }
                }
                match t.fraction("percentile")? {
                    Some(0.0) => {
                        return Err(Error::config(
                            "EdgeCache alerts.maxLatency: option percentile must be above 0 and at most 1 (0.99 is p99), got 0",
                        ))
                    }
                    Some(p) => percentile = p,
                    None => {}
                }
            }
        }
        if let Some(x) = f.fraction("maxMemoryUsage")? {
            thresholds.push((Rule::MaxMemoryUsage, x));
        }
        if let Some(x) = f.fraction("maxErrorRate")? {
            thresholds.push((Rule::MaxErrorRate, x));
        }
        let rules = AlertRules {
            thresholds,
            percentile,
            min_samples: f
                .positive_integer("minSamples", 1_000_000_000)?
                .unwrap_or(DEFAULT_MIN_SAMPLES),
            cooldown: f.non_negative_millis("cooldown")?.unwrap_or(0.0),
        };
        Ok((rules, f.positive_millis("window")?))
    }
}

/// `maxLatency` given as a number.
fn positive(ms: f64) -> Result<f64> {
    if ms.is_finite() && ms > 0.0 {
        Ok(ms)
    } else {
        Err(Error::config(format!(
            "EdgeCache alerts: option maxLatency must be a positive number of ms or {{ memory?, store?, loader?, percentile? }}, got {}",
            crate::options::Num(ms)
        )))
    }
}

/// A rule that changed state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Transition {
    /// The rule.
    pub rule: Rule,
    /// Firing now (else resolved).
    pub firing: bool,
    /// The value it was judged on.
    pub value: f64,
    /// Its threshold.
    pub threshold: f64,
}

/// A rule's state.
#[derive(Clone, Copy, Debug, Default)]
struct State {
    firing: bool,
    /// When it last changed (ms); `None`: never.
    changed: Option<f64>,
    /// The value it was last judged on.
    value: f64,
}

/// The rules and the state of each.
pub struct Alerts {
    rules: AlertRules,
    states: Vec<State>,
}

impl Alerts {
    /// Every rule resolved.
    pub fn new(rules: AlertRules) -> Self {
        let states = vec![State::default(); rules.thresholds.len()];
        Alerts { rules, states }
    }

    /// Judges every rule on the window's `stats` and the memory tier's `memory_usage` at
    /// `now`; returns the rules that changed state.
    pub fn evaluate(
        &mut self,
        now: f64,
        stats: &EdgeStats,
        latency: impl Fn(Tier, f64) -> f64,
        memory_usage: Option<f64>,
    ) -> Vec<Transition> {
        let mut changed = Vec::new();
        let (min_samples, cooldown) = (self.rules.min_samples, self.rules.cooldown);
        for (&(rule, threshold), state) in self.rules.thresholds.iter().zip(&mut self.states) {
            let judged = match rule {
                Rule::MinHitRate => Some((stats.hit_rate, stats.reads)),
                Rule::MaxErrorRate => Some((stats.error_rate, stats.calls)),
                Rule::MaxMemoryUsage => memory_usage.map(|u| (u, u64::MAX)),
                Rule::MaxMemoryLatency => Some(tier_latency(
                    stats,
                    Tier::Memory,
                    &latency,
                    self.rules.percentile,
                )),
                Rule::MaxStoreLatency => Some(tier_latency(
                    stats,
                    Tier::Store,
                    &latency,
                    self.rules.percentile,
                )),
                Rule::MaxLoaderLatency => Some(tier_latency(
                    stats,
                    Tier::Loader,
                    &latency,
                    self.rules.percentile,
                )),
            };
            let Some((value, samples)) = judged else {
                continue;
            };
            let value = match rule {
                Rule::MaxMemoryLatency | Rule::MaxStoreLatency | Rule::MaxLoaderLatency => {
                    round_ms(value)
                }
                _ => round_rate(value),
            };
            let enough = if state.firing {
                samples > 0
            } else {
                samples >= min_samples
            };
            if !enough || state.changed.is_some_and(|at| now - at < cooldown) {
                continue;
            }
            let firing = if state.firing {
                !holds_with_margin(rule, value, threshold)
            } else {
                broken(rule, value, threshold)
            };
            state.value = value;
            if firing != state.firing {
                *state = State {
                    firing,
                    changed: Some(now),
                    value,
                };
                changed.push(Transition {
                    rule,
                    firing,
                    value,
                    threshold,
                });
            }
        }
        changed
    }

    /// The firing rules: each with the value it was last judged on, its threshold and
    /// since when it fires.
    pub fn firing(&self) -> impl Iterator<Item = (Rule, f64, f64, f64)> + '_ {
        self.rules
            .thresholds
            .iter()
            .zip(&self.states)
            .filter(|(_, s)| s.firing)
            .map(|(&(rule, threshold), s)| (rule, s.value, threshold, s.changed.unwrap_or(0.0)))
    }
}

/// A tier's latency at the rules' percentile, and its samples.
fn tier_latency(
    stats: &EdgeStats,
    tier: Tier,
    latency: &impl Fn(Tier, f64) -> f64,
    percentile: f64,
) -> (f64, u64) {
    let count = match tier {
        Tier::Memory => stats.memory.latency.count,
        Tier::Store => stats.store.latency.count,
        Tier::Loader => stats.loader.latency.count,
    };
    (latency(tier, percentile), count)
}

/// Whether `value` breaks `rule`.
fn broken(rule: Rule, value: f64, threshold: f64) -> bool {
    match rule {
        Rule::MinHitRate => value < threshold,
        _ => value > threshold,
    }
}

/// Whether `value` keeps `rule` with the margin a firing rule needs to resolve.
fn holds_with_margin(rule: Rule, value: f64, threshold: f64) -> bool {
    match rule {
        Rule::MinHitRate => value >= threshold + RATE_MARGIN.min((1.0 - threshold) / 2.0),
        Rule::MaxMemoryLatency | Rule::MaxStoreLatency | Rule::MaxLoaderLatency => {
            value <= threshold * (1.0 - LATENCY_MARGIN)
        }
        Rule::MaxMemoryUsage | Rule::MaxErrorRate => {
            value <= threshold - RATE_MARGIN.min(threshold / 2.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edge::config::EdgeConfig;
    use crate::edge::freshness::Horizons;
    use crate::edge::plan::ReadTier;
    use crate::edge::stats::Event;
    use crate::edge::EdgeCore;
    use OptionValue::{Number, Object, Text};

    fn core(alerts: &[(&str, OptionValue)]) -> EdgeCore {
        let alerts = alerts
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let config = EdgeConfig::from_fields(vec![
            ("alerts".into(), Object(alerts)),
            (
                "stats".into(),
                Object(vec![("window".into(), Number(12_000.0))]),
            ),
        ]);
        EdgeCore::new(config.unwrap())
    }

    /// `n` memory reads at `now`, `hits` of them hits.
    fn reads(c: &mut EdgeCore, now: f64, n: u32, hits: u32) {
        for i in 0..n {
            let expires = if i < hits { f64::MAX } else { 0.0 };
            let h = Horizons {
                expires,
                stale_until: expires,
                error_until: expires,
                load_ms: 0.0,
            };
            c.plan_read(ReadTier::Memory, now, h);
        }
    }

    fn states(changed: &[Transition]) -> Vec<(Rule, bool)> {
        changed.iter().map(|t| (t.rule, t.firing)).collect()
    }

    #[test]
    fn a_hit_rate_rule_fires_once_and_resolves_once() {
        let mut c = core(&[("minHitRate", Number(0.8)), ("minSamples", Number(50.0))]);
        let mut log = Vec::new();
        // One second per step: 90 % hits for 20 s, 50 % for 20 s, 95 % for 30 s.
        for second in 0..70u32 {
            let hits = match second {
                0..20 => 9,
                20..40 => 5,
                _ => 10,
            };
            let now = f64::from(second) * 1_000.0;
            reads(&mut c, now, 10, hits);
            let (changed, due) = c.evaluate_alerts(now, None);
            assert_eq!(due, (now, now + 1_000.0), "not due again inside this slice");
            log.extend(changed.iter().map(|t| (second, t.firing)));
        }
        // Fires when the 12 s window falls below 80 %, resolves once it is back above 81 %.
        assert_eq!(log.len(), 2, "{log:?}");
        let (fired, resolved) = (log[0], log[1]);
        assert!(fired.1 && (21..=25).contains(&fired.0), "{log:?}");
        assert!(!resolved.1 && (41..=52).contains(&resolved.0), "{log:?}");
        assert!(c.firing_alerts().is_empty());
    }

    #[test]
    fn no_rule_is_judged_under_min_samples() {
        let mut c = core(&[("minHitRate", Number(0.8)), ("minSamples", Number(100.0))]);
        reads(&mut c, 0.0, 99, 0);
        assert!(c.evaluate_alerts(0.0, None).0.is_empty());
        reads(&mut c, 0.0, 1, 0);
        let (changed, _) = c.evaluate_alerts(0.0, None);
        assert_eq!(states(&changed), [(Rule::MinHitRate, true)]);
        assert_eq!((changed[0].value, changed[0].threshold), (0.0, 0.8));
        assert_eq!(c.firing_alerts(), [(Rule::MinHitRate, 0.0, 0.8, 0.0)]);
        // The window empties: nothing to judge, the rule stays firing.
        assert!(c.evaluate_alerts(60_000.0, None).0.is_empty());
        // A quiet cache that is well again resolves it: a few reads that hold are enough.
        reads(&mut c, 61_000.0, 3, 3);
        let (changed, _) = c.evaluate_alerts(61_000.0, None);
        assert_eq!(states(&changed), [(Rule::MinHitRate, false)]);
        // Firing again takes minSamples again.
        reads(&mut c, 62_000.0, 50, 0);
        assert!(c.evaluate_alerts(62_000.0, None).0.is_empty());
    }

    #[test]
    fn memory_usage_fires_above_its_bound_and_resolves_below_the_margin() {
        let mut c = core(&[("maxMemoryUsage", Number(0.9))]);
        let mut at = |now: f64, usage| states(&c.evaluate_alerts(now, Some(usage)).0);
        assert!(at(0.0, 0.9).is_empty());
        assert_eq!(at(1.0, 0.95), [(Rule::MaxMemoryUsage, true)]);
        assert!(at(2.0, 0.895).is_empty(), "inside the margin");
        assert_eq!(at(3.0, 0.5), [(Rule::MaxMemoryUsage, false)]);
        // Without a memory tier the rule is never judged.
        assert!(c.evaluate_alerts(4.0, None).0.is_empty());
    }

    #[test]
    fn latency_rules_judge_each_tier_at_the_percentile() {
        let mut c = core(&[
            (
                "maxLatency",
                Object(vec![
                    ("store".into(), Number(100.0)),
                    ("loader".into(), Number(1_000.0)),
                    ("percentile".into(), Number(0.5)),
                ]),
            ),
            ("minSamples", Number(10.0)),
        ]);
        for i in 0..10 {
            c.counters()
                .latency(Tier::Store, if i < 6 { 300.0 } else { 1.0 }, 0.0);
            c.counters().latency(Tier::Loader, 900.0, 0.0);
        }
        let (changed, _) = c.evaluate_alerts(0.0, None);
        assert_eq!(states(&changed), [(Rule::MaxStoreLatency, true)]);
        assert!(changed[0].value >= 300.0 && changed[0].value < 360.0);
    }

    #[test]
    fn error_rate_and_cooldown() {
        let mut c = core(&[
            ("maxErrorRate", Number(0.1)),
            ("minSamples", Number(10.0)),
            ("cooldown", Number(5_000.0)),
        ]);
        for i in 0..10 {
            c.counters().count(Event::Load, 0.0);
            if i < 5 {
                c.counters().count(Event::LoadError, 0.0);
            }
        }
        assert_eq!(
            states(&c.evaluate_alerts(0.0, None).0),
            [(Rule::MaxErrorRate, true)]
        );
        for _ in 0..200 {
            c.counters().count(Event::Load, 1_000.0);
        }
        assert!(
            c.evaluate_alerts(1_000.0, None).0.is_empty(),
            "cooling down"
        );
        assert_eq!(
            states(&c.evaluate_alerts(5_000.0, None).0),
            [(Rule::MaxErrorRate, false)]
        );
    }

    #[test]
    fn bad_rules_are_named() {
        let config = |alerts: Vec<(String, OptionValue)>, stats: Option<f64>| {
            let mut fields = vec![("alerts".to_string(), Object(alerts))];
            if let Some(w) = stats {
                fields.push(("stats".into(), Object(vec![("window".into(), Number(w))])));
            }
            EdgeConfig::from_fields(fields).unwrap_err().to_string()
        };
        let one = |name: &str, v: OptionValue| vec![(name.to_string(), v)];
        for (alerts, stats, says) in [
            (one("minHitRate", Number(1.5)), None, "minHitRate"),
            (one("maxErrorRate", Text("x".into())), None, "maxErrorRate"),
            (one("maxLatency", Number(-1.0)), None, "maxLatency"),
            (
                one("maxLatency", Object(vec![("edge".into(), Number(1.0))])),
                None,
                "\"edge\"",
            ),
            (
                one(
                    "maxLatency",
                    Object(vec![("percentile".into(), Number(0.0))]),
                ),
                None,
                "percentile",
            ),
            (one("minSamples", Number(0.0)), None, "minSamples"),
            (one("maxHitRate", Number(0.5)), None, "maxHitRate"),
            (one("window", Number(1_000.0)), Some(2_000.0), "differ"),
            (one("minHitRate", Number(0.5)), Some(0.0), "window: 0"),
        ] {
            let message = config(alerts, stats);
            assert!(message.contains(says), "{message}");
        }
    }

    #[test]
    fn one_window_serves_stats_and_alerts() {
        let window =
            |fields: Vec<(String, OptionValue)>| EdgeConfig::from_fields(fields).unwrap().window;
        assert_eq!(window(vec![]), Some(60_000.0));
        let stats = |w| {
            (
                "stats".to_string(),
                Object(vec![("window".into(), Number(w))]),
            )
        };
        let alerts = |w| {
            (
                "alerts".to_string(),
                Object(vec![("window".into(), Number(w))]),
            )
        };
        assert_eq!(window(vec![stats(0.0)]), None);
        assert_eq!(window(vec![alerts(5_000.0)]), Some(5_000.0));
        assert_eq!(window(vec![stats(5_000.0), alerts(5_000.0)]), Some(5_000.0));
        for bad in [999.0, 1e-300, 604_800_001.0, 1e308] {
            let message = EdgeConfig::from_fields(vec![stats(bad)])
                .unwrap_err()
                .to_string();
            assert!(message.contains("a week"), "{message}");
            assert!(EdgeConfig::from_fields(vec![alerts(bad)]).is_err());
        }
    }
}
