//! Property tests of the clear epoch (`edge::epoch::Epoch`) against a reference model of its
//! rules: several isolates over one store record, clears whose read or write fails, reads
//! that fail or arrive late and in any order, clocks that disagree. An isolate never takes
//! an older epoch after a newer one was seen or made, unless a read begun after all it took
//! in brings the store's word; a clear always makes an epoch above every one its isolate
//! knew and the store held; each recorded clear raises the store's epoch.
#![cfg(not(target_arch = "wasm32"))]

use edgecache::edge::epoch::{Epoch, Found};
use edgecache::edge::generation::{decode, encode};
use proptest::prelude::*;

const INTERVAL: f64 = 1000.0;
const ISOLATES: usize = 3;

#[derive(Clone, Debug)]
enum Op {
    /// Time moves on (every clock, each with its own offset).
    Tick(f64),
    /// Isolate `i` begins a read; the store answers at once with what it holds now.
    Begin(usize),
    /// The `j`-th running read of isolate `i` arrives (failed or not), in any order.
    Arrive(usize, usize, bool),
    /// Isolate `i` clears: its read of the record fails, or its write does.
    Clear(usize, bool, bool),
    /// The store's record is replaced by garbage (another writer).
    Garbage,
}

fn op() -> impl Strategy<Value = Op> {
    let i = 0..ISOLATES;
    prop_oneof![
        1 => (0.0..3000.0f64).prop_map(Op::Tick),
        3 => i.clone().prop_map(Op::Begin),
        3 => (i.clone(), 0..4usize, prop::bool::weighted(0.2)).prop_map(|(i, j, f)| Op::Arrive(i, j, f)),
        2 => (i, prop::bool::weighted(0.15), prop::bool::weighted(0.2)).prop_map(|(i, r, w)| Op::Clear(i, r, w)),
        1 => Just(Op::Garbage),
    ]
}

/// What the model holds of one isolate.
struct Isolate {
    epoch: Epoch,
    /// The clock's offset from the store's time (clocks disagree).
    skew: f64,
    /// The model: the epoch, until when it is trusted, the last mark taken in.
    current: u64,
    trusted_until: f64,
    settled: u64,
    /// Marks handed out (one per read begun or clear made).
    begun: u64,
    /// The highest epoch this isolate has seen or made.
    newest: u64,
    /// Reads running: (mark, what the store held when it answered).
    running: Vec<(u64, Option<String>)>,
}

/// The epoch a record holds as the rules read it: none is 0, garbage is unreadable.
fn stored(record: &Option<String>) -> Option<u64> {
    match record {
        None => Some(0),
        Some(r) => decode(r).map(|g| g as u64),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn the_epoch_follows_the_model(
        skews in prop::collection::vec(-5000.0..5000.0f64, ISOLATES),
        ops in prop::collection::vec(op(), 1..120),
    ) {
        let mut record: Option<String> = None;
        let mut store_time = 10_000.0;
        let mut isolates: Vec<Isolate> = skews.iter().map(|&skew| Isolate {
            epoch: Epoch::new(INTERVAL),
            skew,
            current: 0,
            trusted_until: f64::NEG_INFINITY,
            settled: 0,
            begun: 0,
            newest: 0,
            running: Vec::new(),
        }).collect();
        for op in ops {
            match op {
                Op::Tick(dt) => store_time += dt,
                Op::Begin(i) => {
                    let iso = &mut isolates[i];
                    let mark = iso.epoch.mark();
                    iso.begun += 1;
                    prop_assert_eq!(mark, iso.begun, "marks are numbered in order");
                    iso.running.push((mark, record.clone()));
                }
                Op::Arrive(i, j, failed) => {
                    let iso = &mut isolates[i];
                    if iso.running.is_empty() {
                        continue;
                    }
                    let (mark, seen) = iso.running.remove(j % iso.running.len());
                    let now = store_time + iso.skew;
                    let before = iso.current;
                    let found = iso.epoch.read(seen.as_deref(), failed, mark, now);
                    let expected = if failed || mark <= iso.settled {
                        Found::Kept
                    } else {
                        iso.settled = mark;
                        iso.trusted_until = now + INTERVAL;
                        match stored(&seen) {
                            None => Found::Unreadable,
                            Some(word) => {
                                iso.current = word;
                                iso.newest = iso.newest.max(word);
                                if word == before { Found::Kept } else { Found::Changed }
                            }
                        }
                    };
                    prop_assert_eq!(found, expected);
                    if iso.current < before {
                        // Going back is the store's word, read after everything taken in.
                        prop_assert!(mark == iso.settled && stored(&seen) == Some(iso.current));
                    }
                }
                Op::Clear(i, read_fails, write_fails) => {
                    let iso = &mut isolates[i];
                    let now = store_time + iso.skew;
                    let made = iso.epoch.clear(record.as_deref(), read_fails, now);
                    if read_fails {
                        prop_assert_eq!(made, None);
                    } else {
                        let held = stored(&record).unwrap_or(0);
                        let next = (now.ceil().max(0.0) as u64).max(iso.newest.max(held) + 1);
                        let made = made.as_deref().and_then(decode).map(|g| g as u64);
                        prop_assert_eq!(made, Some(next));
                        prop_assert!(next > iso.newest && next > held, "above all it knew and the store held");
                        iso.current = next;
                        iso.newest = next;
                        iso.trusted_until = now + INTERVAL;
                        iso.begun += 1;
                        iso.settled = iso.begun;
                        if !write_fails {
                            let previous = stored(&record);
                            record = encode(next as f64);
                            prop_assert!(previous.is_none_or(|p| p < next), "a recorded clear raises the store's epoch");
                        }
                    }
                }
                Op::Garbage => record = Some("g1:junk".to_string()),
            }
            for iso in &isolates {
                prop_assert_eq!(iso.epoch.current(), iso.current);
                prop_assert_eq!(iso.epoch.trusted_until().to_bits(), iso.trusted_until.to_bits());
            }
        }
    }
}
