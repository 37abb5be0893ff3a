//! Reading caller-supplied option objects with clear errors: the bindings hand over each
//! field as an [`OptionValue`]; these helpers check names, types and ranges.

use crate::error::{Error, Result};

/// The longest wait a JavaScript timer takes (ms): `setTimeout` treats more as 1 ms.
pub const MAX_TIMER_MS: f64 = 2_147_483_647.0;
/// The largest integer a JavaScript number holds exactly.
const MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_991;

/// One option field as received from the caller, with its JavaScript type preserved.
#[derive(Clone, Debug, PartialEq)]
pub enum OptionValue {
    /// A JavaScript number (may be NaN or infinite).
    Number(f64),
    /// A JavaScript string.
    Text(String),
    /// A JavaScript boolean.
    Bool(bool),
    /// A plain object's own fields (one level deep; deeper objects are `Other("object")`).
    Object(Vec<(String, OptionValue)>),
    /// Anything else, named by its JavaScript type (`"object"`, `"null"`, `"function"`, ...).
    Other(String),
}

impl OptionValue {
    fn type_name(&self) -> &str {
        match self {
            OptionValue::Number(_) => "number",
            OptionValue::Text(_) => "string",
            OptionValue::Bool(_) => "boolean",
            OptionValue::Object(_) => "object",
            OptionValue::Other(name) => name,
        }
    }
}

/// An option that is a number or an object of more options (`maxLatency: 200` or
/// `maxLatency: { store: 200 }`).
pub enum NumberOrObject {
    /// A number.
    Number(f64),
    /// A plain object's fields.
    Object(Vec<(String, OptionValue)>),
}

/// The fields of one options object, checked against the names its owner accepts.
pub struct OptionFields {
    owner: &'static str,
    fields: Vec<(String, OptionValue)>,
}

impl OptionFields {
    /// Takes the fields of `owner`'s options; fails on any name not in `allowed`.
    pub fn new(
        owner: &'static str,
        fields: Vec<(String, OptionValue)>,
        allowed: &[&str],
    ) -> Result<Self> {
        if let Some((name, _)) = fields
            .iter()
            .find(|(name, _)| !allowed.contains(&name.as_str()))
        {
            return Err(Error::config(format!(
                "{owner}: unknown option \"{name}\"; the options are {}",
                allowed.join(", ")
            )));
        }
        Ok(OptionFields { owner, fields })
    }

    fn get(&self, name: &str) -> Option<&OptionValue> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    fn number(&self, name: &str, expected: &str) -> Result<Option<f64>> {
        match self.get(name) {
            None => Ok(None),
            Some(OptionValue::Number(n)) => Ok(Some(*n)),
            Some(other) => Err(Error::config(format!(
                "{}: option {name} must be {expected}, got a {}",
                self.owner,
                other.type_name()
            ))),
        }
    }

    /// A whole number in `1..=max`, if present.
    pub fn positive_integer(&self, name: &str, max: u64) -> Result<Option<u64>> {
        let expected = format!("a whole number from 1 to {max}");
        match self.number(name, &expected)? {
            None => Ok(None),
            Some(n) if n.fract() == 0.0 && n >= 1.0 && n <= max as f64 => Ok(Some(n as u64)),
            Some(n) => Err(Error::config(format!(
                "{}: option {name} must be {expected}, got {}",
                self.owner,
                Num(n)
            ))),
        }
    }

    /// A finite number of milliseconds greater than zero, if present.
    pub fn positive_millis(&self, name: &str) -> Result<Option<f64>> {
        let expected = "a finite number of milliseconds greater than 0";
        match self.number(name, expected)? {
            None => Ok(None),
            Some(n) => as_positive_millis(n).map(Some).ok_or_else(|| {
                Error::config(format!(
                    "{}: option {name} must be {expected}, got {}",
                    self.owner,
                    Num(n)
                ))
            }),
        }
    }

    /// A number of milliseconds greater than zero that a JavaScript timer can wait
    /// ([`MAX_TIMER_MS`]: a longer `setTimeout` fires at once), if present.
    pub fn timer_millis(&self, name: &str) -> Result<Option<f64>> {
        let expected = format!(
            "a number of milliseconds greater than 0 and at most {}",
            Num(MAX_TIMER_MS)
        );
        match self.number(name, &expected)? {
            None => Ok(None),
            Some(n) if n > 0.0 && n <= MAX_TIMER_MS => Ok(Some(n)),
            Some(n) => Err(Error::config(format!(
                "{}: option {name} must be {expected} (about 24.8 days), got {}",
                self.owner,
                Num(n)
            ))),
        }
    }

    /// A whole number from 1 to 2^53 − 1 (a seed), if present.
    pub fn seed(&self, name: &str) -> Result<Option<u64>> {
        self.positive_integer(name, MAX_SAFE_INTEGER)
    }

    /// One of `choices`, if present.
    pub fn choice(&self, name: &str, choices: &[&'static str]) -> Result<Option<&'static str>> {
        let expected = choices
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(" or ");
        match self.get(name) {
            None => Ok(None),
            Some(OptionValue::Text(s)) => match choices.iter().find(|c| **c == s) {
                Some(c) => Ok(Some(c)),
                None => Err(Error::config(format!(
                    "{}: option {name} must be {expected}, got \"{s}\"",
                    self.owner
                ))),
            },
            Some(other) => Err(Error::config(format!(
                "{}: option {name} must be {expected}, got a {}",
                self.owner,
                other.type_name()
            ))),
        }
    }

    /// A finite number of milliseconds, zero or more, if present.
    pub fn non_negative_millis(&self, name: &str) -> Result<Option<f64>> {
        let expected = "a finite number of milliseconds, 0 or more";
        match self.number(name, expected)? {
            Some(n) if !(n.is_finite() && n >= 0.0) => Err(Error::config(format!(
                "{}: option {name} must be {expected}, got {}",
                self.owner,
                Num(n)
            ))),
            other => Ok(other),
        }
    }

    /// A number from 0 to 1, if present.
    pub fn fraction(&self, name: &str) -> Result<Option<f64>> {
        let expected = "a number from 0 to 1";
        match self.number(name, expected)? {
            Some(n) if !(0.0..=1.0).contains(&n) => Err(Error::config(format!(
                "{}: option {name} must be {expected}, got {}",
                self.owner,
                Num(n)
            ))),
            other => Ok(other),
        }
    }

    /// A string, if present.
    pub fn text(&self, name: &str) -> Result<Option<String>> {
        match self.get(name) {
            None => Ok(None),
            Some(OptionValue::Text(s)) => Ok(Some(s.clone())),
            Some(other) => Err(Error::config(format!(
                "{}: option {name} must be a string, got a {}",
                self.owner,
                other.type_name()
            ))),
        }
    }

    /// `true`/`false` (a flag), or a positive finite number (a parameter), if present:
    /// `Some(None)` is off, `Some(Some(x))` is on with parameter `x` (1 for `true`).
    pub fn bool_or_positive(&self, name: &str) -> Result<Option<Option<f64>>> {
        let expected = "true, false or a positive number";
        match self.get(name) {
            None => Ok(None),
            Some(OptionValue::Bool(b)) => Ok(Some(b.then_some(1.0))),
            Some(OptionValue::Number(n)) if n.is_finite() && *n > 0.0 => Ok(Some(Some(*n))),
            Some(OptionValue::Number(n)) => Err(Error::config(format!(
                "{}: option {name} must be {expected}, got {}",
                self.owner,
                Num(*n)
            ))),
            Some(other) => Err(Error::config(format!(
                "{}: option {name} must be {expected}, got a {}",
                self.owner,
                other.type_name()
            ))),
        }
    }

    /// Checks that `name`, if present, is a plain object (its contents are checked elsewhere).
    pub fn object(&self, name: &str) -> Result<()> {
        match self.get(name) {
            None => Ok(()),
            Some(OptionValue::Object(_)) => Ok(()),
            Some(OptionValue::Other(t)) if t == "object" => Ok(()),
            Some(other) => Err(Error::config(format!(
                "{}: option {name} must be an object, got a {}",
                self.owner,
                other.type_name()
            ))),
        }
    }

    /// The fields of `name`, a plain object, if present.
    pub fn nested(&self, name: &str) -> Result<Option<Vec<(String, OptionValue)>>> {
        match self.get(name) {
            None => Ok(None),
            Some(OptionValue::Object(fields)) => Ok(Some(fields.clone())),
            Some(other) => Err(Error::config(format!(
                "{}: option {name} must be a plain object, got a {}",
                self.owner,
                other.type_name()
            ))),
        }
    }

    /// A number, or the fields of a plain object, if present.
    pub fn number_or_object(&self, name: &str) -> Result<Option<NumberOrObject>> {
        match self.get(name) {
            None => Ok(None),
            Some(OptionValue::Number(n)) => Ok(Some(NumberOrObject::Number(*n))),
            Some(OptionValue::Object(fields)) => Ok(Some(NumberOrObject::Object(fields.clone()))),
            Some(other) => Err(Error::config(format!(
                "{}: option {name} must be a number or a plain object, got a {}",
                self.owner,
                other.type_name()
            ))),
        }
    }

    /// Checks that `name`, if present, is a function (such as an injected clock).
    pub fn function(&self, name: &str) -> Result<()> {
        match self.get(name) {
            None => Ok(()),
            Some(OptionValue::Other(t)) if t == "function" => Ok(()),
            Some(other) => Err(Error::config(format!(
                "{}: option {name} must be a function, got a {}",
                self.owner,
                other.type_name()
            ))),
        }
    }
}

/// Shows a JavaScript number in a message the way JavaScript would (`NaN`, `Infinity`,
/// `1.5`), without Rust's float formatting, which would add some 20 KB to the wasm.
pub struct Num(pub f64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0;
        if n.is_nan() {
            return f.write_str("NaN");
        }
        if n.is_infinite() {
            return f.write_str(if n > 0.0 { "Infinity" } else { "-Infinity" });
        }
        let sign = if n < 0.0 { "-" } else { "" };
        let a = n.abs();
        if a >= 9_007_199_254_740_992.0 {
            return write!(f, "{sign}a number beyond 2^53");
        }
        let whole = a.trunc();
        let micros = ((a - whole) * 1e6).round() as u64;
        let (whole, micros) = if micros == 1_000_000 {
            (whole as u64 + 1, 0)
        } else {
            (whole as u64, micros)
        };
        if micros == 0 {
            return write!(f, "{sign}{whole}");
        }
        let digits = format!("{micros:06}");
        write!(f, "{sign}{whole}.{}", digits.trim_end_matches('0'))
    }
}

/// A duration in milliseconds if it is finite and greater than zero.
pub fn as_positive_millis(ms: f64) -> Option<f64> {
    (ms.is_finite() && ms > 0.0).then_some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(list: &[(&str, OptionValue)]) -> Vec<(String, OptionValue)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn unknown_names_are_rejected_with_the_list() {
        let err = OptionFields::new(
            "X",
            fields(&[("maxEntrys", OptionValue::Number(1.0))]),
            &["maxEntries"],
        )
        .err()
        .map(|e| e.message().to_string());
        assert_eq!(
            err.as_deref(),
            Some("X: unknown option \"maxEntrys\"; the options are maxEntries")
        );
    }

    #[test]
    fn integers_must_be_whole_and_in_range() {
        let f = OptionFields::new(
            "X",
            fields(&[
                ("a", OptionValue::Number(3.0)),
                ("b", OptionValue::Number(1.5)),
                ("c", OptionValue::Number(0.0)),
                ("d", OptionValue::Text("3".into())),
            ]),
            &["a", "b", "c", "d"],
        )
        .unwrap();
        assert_eq!(f.positive_integer("a", 10), Ok(Some(3)));
        assert!(f.positive_integer("b", 10).is_err());
        assert!(f.positive_integer("c", 10).is_err());
        assert!(f
            .positive_integer("d", 10)
            .unwrap_err()
            .message()
            .contains("got a string"));
        assert_eq!(f.positive_integer("missing", 10), Ok(None));
    }

    #[test]
    fn millis_must_be_finite_and_positive() {
        for bad in [f64::NAN, f64::INFINITY, -1.0, 0.0] {
            let f = OptionFields::new("X", fields(&[("ttl", OptionValue::Number(bad))]), &["ttl"])
                .unwrap();
            assert!(f.positive_millis("ttl").is_err(), "{bad} accepted");
        }
        let f =
            OptionFields::new("X", fields(&[("ttl", OptionValue::Number(2.5))]), &["ttl"]).unwrap();
        assert_eq!(f.positive_millis("ttl"), Ok(Some(2.5)));
    }

    #[test]
    fn numbers_show_as_in_javascript() {
        let shown: Vec<String> = [
            0.0,
            -3.0,
            1.5,
            0.1,
            2.9999999,
            f64::NAN,
            f64::NEG_INFINITY,
            1e300,
        ]
        .iter()
        .map(|n| Num(*n).to_string())
        .collect();
        assert_eq!(
            shown,
            [
                "0",
                "-3",
                "1.5",
                "0.1",
                "3",
                "NaN",
                "-Infinity",
                "a number beyond 2^53"
            ]
        );
    }

    #[test]
    fn choices_name_the_alternatives() {
        let f = OptionFields::new(
            "X",
            fields(&[("p", OptionValue::Text("fifo".into()))]),
            &["p"],
        )
        .unwrap();
        let msg = f
            .choice("p", &["lru", "tinylfu"])
            .unwrap_err()
            .message()
            .to_string();
        assert_eq!(
            msg,
            "X: option p must be \"lru\" or \"tinylfu\", got \"fifo\""
        );
    }
}
