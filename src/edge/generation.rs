//! A tag's generation record in the store: `g1:<generation>;`, the generation a whole
//! decimal number from 0 to `MAX_GENERATION`. The version prefix and the final `;` make
//! any cut record unreadable (a bare number cut short reads as a smaller one, and a
//! smaller generation would bring invalidated entries back); a generation past the bound
//! (`1e300`, say) would no longer survive the `+ 1` of an invalidation or a record header,
//! so it is unreadable too. An unreadable generation counts as invalidated.

/// The version prefix of every generation record.
const PREFIX: &str = "g1:";
/// The terminator that shows the record is whole.
const END: char = ';';
/// The largest generation a record may hold (2^52, thousands of years past today in ms):
/// `MAX_GENERATION + 1` is still an exact integer and fits a record header.
pub const MAX_GENERATION: f64 = 4_503_599_627_370_496.0;

/// The record of `generation`, or `None` when it is not a whole number from 0 to
/// `MAX_GENERATION` (a tag raised past the bound cannot be recorded: the caller fails).
pub fn encode(generation: f64) -> Option<String> {
    let whole = generation.fract() == 0.0 && (0.0..=MAX_GENERATION).contains(&generation);
    whole.then(|| format!("{PREFIX}{}{END}", generation as u64))
}

/// The generation a record holds, or `None` when it is not a whole record of one.
pub fn decode(record: &str) -> Option<f64> {
    let digits = record.strip_prefix(PREFIX)?.strip_suffix(END)?;
    let canonical = !digits.is_empty()
        && digits.len() <= 16
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if !canonical {
        return None;
    }
    let generation = digits.parse::<u64>().ok()? as f64;
    (generation <= MAX_GENERATION).then_some(generation)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn garbage_is_unreadable() {
        for bad in [
            "",
            "zz",
            "g1:",
            "g1:;",
            "g1:12",
            "1733200000000",
            "g1:1e300;",
            "g1:-5;",
            "g1:1.5;",
            "g1: 7;",
            "g1:0x10;",
            "g1:007;",
            "g1:99999999999999999;",
            "g1:4503599627370497;",
            "g2:5;",
            "g1:5;;",
        ] {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn bounds_round_trip() {
        for g in [0.0, 1.0, 1_733_200_000_000.0, MAX_GENERATION] {
            assert_eq!(decode(&encode(g).unwrap()), Some(g));
        }
        for bad in [
            MAX_GENERATION + 1.0,
            1e300,
            -3.0,
            1.5,
            f64::NAN,
            f64::INFINITY,
        ] {
            assert_eq!(encode(bad), None, "{bad}");
        }
    }

    proptest! {
        /// Every generation in range round-trips; no record cut short is readable.
        #[test]
        fn round_trips_and_cuts_are_unreadable(g in 0u64..=4_503_599_627_370_496u64) {
            let record = encode(g as f64).unwrap();
            prop_assert_eq!(decode(&record), Some(g as f64));
            for cut in 1..record.len() {
                prop_assert_eq!(decode(&record[..record.len() - cut]), None);
            }
        }

        /// No input makes decoding panic.
        #[test]
        fn never_panics(record in ".{0,40}") {
            let _ = decode(&record);
        }
    }
}
