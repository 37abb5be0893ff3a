//! The L2 record: what goes into a store is a versioned header line, then the value's
//! JSON. The header carries the length of that JSON (so a record cut short, which may
//! still parse as JSON, `12345` from `123456789`, is refused), the logical key (checked on
//! read, so a digested or colliding store key can never serve another key's data),
//! created-at, logical expiry, the stale horizons, the last load's duration (for early
//! refresh) and the tag generations.
//!
//! Header grammar (numbers in whole decimal milliseconds, the body's length in UTF-16 code
//! units, strings as `<utf8 bytes>:<text>` with `\` and newlines escaped, so the first
//! newline always ends the header):
//! `ec2|bodyLength|created|expires|staleUntil|errorUntil|loadMs|key|tagCount(|tag|generation)*`

/// The version prefix of every header.
const VERSION: &str = "ec2";
/// The format's number (`VERSION` without "ec").
const VERSION_NUMBER: u32 = 2;

/// The times and tags of one record.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    /// Length of the value's JSON that follows the header (UTF-16 code units).
    pub body_len: u64,
    /// The logical (namespaced) key.
    pub key: String,
    /// When the value was stored (ms).
    pub created: f64,
    /// Logical expiry (ms): fresh before it.
    pub expires: f64,
    /// Stale-while-revalidate horizon (ms).
    pub stale_until: f64,
    /// Stale-if-error horizon (ms).
    pub error_until: f64,
    /// How long the load that produced the value took (ms).
    pub load_ms: f64,
    /// Tags and the generation of each when the value was written.
    pub tags: Vec<(String, f64)>,
}

/// Why a record could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Not a header at all, or a damaged one.
    Corrupt,
    /// A header of another format (`ec3|...` from a newer edgecache, `ec1|...` from an
    /// older one): a miss, left alone (the next write replaces it).
    OtherVersion,
    /// A valid record of another key.
    ForeignKey,
}

impl Header {
    /// The header line (without the newline that separates it from the value).
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(64 + self.key.len());
        out.push_str(VERSION);
        out.push('|');
        out.push_str(&self.body_len.to_string());
        for n in [
            self.created,
            self.expires,
            self.stale_until,
            self.error_until,
            self.load_ms,
        ] {
            out.push('|');
            out.push_str(&number(n));
        }
        out.push('|');
        push_text(&mut out, &self.key);
        out.push('|');
        out.push_str(&self.tags.len().to_string());
        for (tag, generation) in &self.tags {
            out.push('|');
            push_text(&mut out, tag);
            out.push('|');
            out.push_str(&number(*generation));
        }
        out
    }

    /// Parses a header line and checks it belongs to `expected_key` and to a body of
    /// `body_len` UTF-16 code units (what follows the header's newline).
    pub fn decode(line: &str, expected_key: &str, body_len: u64) -> Result<Header, Rejection> {
        let mut r = Reader { rest: line };
        match r.field() {
            Some(VERSION) => {}
            Some(v) if is_other_version(v) => return Err(Rejection::OtherVersion),
            _ => return Err(Rejection::Corrupt),
        }
        let stated_len = r
            .field()
            .and_then(|f| f.parse::<u64>().ok())
            .ok_or(Rejection::Corrupt)?;
        if stated_len != body_len {
            return Err(Rejection::Corrupt);
        }
        let created = r.number()?;
        let expires = r.number()?;
        let stale_until = r.number()?;
        let error_until = r.number()?;
        let load_ms = r.number()?;
        let key = r.text()?;
        let count = r
            .field()
            .and_then(|f| f.parse::<usize>().ok())
            .ok_or(Rejection::Corrupt)?;
        if count > line.len() {
            return Err(Rejection::Corrupt);
        }
        // Not `with_capacity(count)`: a damaged record must not choose an allocation size.
        let mut tags = Vec::new();
        for _ in 0..count {
            let tag = r.text()?;
            tags.push((tag, r.number()?));
        }
        if !r.rest.is_empty() {
            return Err(Rejection::Corrupt);
        }
        if key != expected_key {
            return Err(Rejection::ForeignKey);
        }
        Ok(Header {
            body_len,
            key,
            created,
            expires,
            stale_until,
            error_until,
            load_ms,
            tags,
        })
    }
}

/// Whether `field` names another header version: "ec" and a number other than ours.
fn is_other_version(field: &str) -> bool {
    field
        .strip_prefix("ec")
        .and_then(|n| n.parse::<u32>().ok())
        .is_some_and(|n| n >= 1 && n != VERSION_NUMBER)
}

/// A time as whole milliseconds (rounded; integer formatting keeps the wasm small).
fn number(n: f64) -> String {
    if n.is_finite() && n.abs() < 9_007_199_254_740_992.0 {
        (n.round() as i64).to_string()
    } else {
        "0".to_string()
    }
}

fn push_text(out: &mut String, text: &str) {
    let escaped = text.replace('\\', "\\\\").replace('\n', "\\n");
    out.push_str(&escaped.len().to_string());
    out.push(':');
    out.push_str(&escaped);
}

fn unescape(text: &str) -> Result<String, Rejection> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('\\') => out.push('\\'),
                Some('n') => out.push('\n'),
                _ => return Err(Rejection::Corrupt),
            },
            '\n' => return Err(Rejection::Corrupt),
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Reads `|`-separated fields off the front of a header.
struct Reader<'a> {
    rest: &'a str,
}

impl<'a> Reader<'a> {
    /// The next plain field.
    fn field(&mut self) -> Option<&'a str> {
        if self.rest.is_empty() {
            return None;
        }
        let (field, rest) = self.rest.split_once('|').unwrap_or((self.rest, ""));
        self.rest = rest;
        Some(field)
    }

    fn number(&mut self) -> Result<f64, Rejection> {
        self.field()
            .and_then(|f| f.parse::<i64>().ok())
            .map(|n| n as f64)
            .ok_or(Rejection::Corrupt)
    }

    /// The next length-prefixed string (which may contain `|`).
    fn text(&mut self) -> Result<String, Rejection> {
        let (len, rest) = self.rest.split_once(':').ok_or(Rejection::Corrupt)?;
        let len: usize = len.parse().map_err(|_| Rejection::Corrupt)?;
        let text = rest.get(..len).ok_or(Rejection::Corrupt)?;
        let after = rest.get(len..).ok_or(Rejection::Corrupt)?;
        self.rest = match after.strip_prefix('|') {
            Some(next) => next,
            None if after.is_empty() => after,
            None => return Err(Rejection::Corrupt),
        };
        unescape(text)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn header(key: &str, tags: Vec<(String, f64)>) -> Header {
        Header {
            body_len: 7,
            key: key.to_string(),
            created: 1000.0,
            expires: 61001.0,
            stale_until: 71000.0,
            error_until: 91000.0,
            load_ms: 12.0,
            tags,
        }
    }

    #[test]
    fn round_trips_and_checks_the_key() {
        let h = header(
            "ec:k:user|1",
            vec![("user:1".into(), 5.0), ("a|b:c\n\\".into(), 0.0)],
        );
        let line = h.encode();
        assert!(
            line.starts_with("ec2|7|1000|61001|71000|91000|12|11:ec:k:user|1|2|"),
            "{line}"
        );
        assert_eq!(Header::decode(&line, "ec:k:user|1", 7), Ok(h));
        assert_eq!(
            Header::decode(&line, "ec:k:user|2", 7),
            Err(Rejection::ForeignKey)
        );
    }

    #[test]
    fn a_body_of_another_length_is_corrupt() {
        let line = header("k", vec![]).encode();
        for len in [0, 6, 8, 70] {
            assert_eq!(Header::decode(&line, "k", len), Err(Rejection::Corrupt));
        }
    }

    #[test]
    fn times_are_whole_milliseconds() {
        let mut h = header("k", vec![]);
        h.created = 1000.4;
        h.load_ms = 0.6;
        let back = Header::decode(&h.encode(), "k", 7).unwrap();
        assert_eq!((back.created, back.load_ms), (1000.0, 1.0));
    }

    #[test]
    fn garbage_is_corrupt() {
        for other in ["ec3|7|1|2|3|4|5|1:k|0", "ec1|1|2|3|4|5|1:k|0"] {
            assert_eq!(
                Header::decode(other, "k", 7),
                Err(Rejection::OtherVersion),
                "{other}"
            );
        }
        for bad in [
            "",
            "ec0|7|1|2|3|4|5|1:k|0",
            "ec2|7|1|2",
            "ec2|7|1|2|3|4|5|9:k|0",
            "ec2|7|x|2|3|4|5|1:k|0",
            "ec2|x|1|2|3|4|5|1:k|0",
            "ec2|7|1|2|3|4|5|1:k|1",
            "ec2|7|1|2|3|4|5|1:k|0|junk",
            "{\"json\":1}",
        ] {
            assert_eq!(
                Header::decode(bad, "k", 7),
                Err(Rejection::Corrupt),
                "{bad}"
            );
        }
    }

    proptest! {
        /// Any key and tags round-trip; any other key is refused.
        #[test]
        fn any_header_round_trips(key in "(.|\n|\\\\){1,40}", other in ".{1,40}", tags in prop::collection::vec(("(.|\n){0,12}", 0u32..1_000_000), 0..5)) {
            let h = header(&key, tags.into_iter().map(|(t, g)| (t, f64::from(g))).collect());
            let line = h.encode();
            prop_assert!(!line.contains('\n'));
            prop_assert_eq!(Header::decode(&line, &key, 7), Ok(h));
            if other != key {
                prop_assert_eq!(Header::decode(&line, &other, 7), Err(Rejection::ForeignKey));
            }
        }

        /// No input makes decoding panic.
        #[test]
        fn never_panics(line in ".{0,80}") {
            let _ = Header::decode(&line, "k", 7);
        }
    }
}
