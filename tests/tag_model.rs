//! Property tests of the tag table (`edge::tags::TagTable`) against a reference model of
//! the same rules in plain maps, with no bound (the sequences stay within its capacity),
//! and of its eviction: forgetting a tag never makes a write or load begun before its
//! invalidation look current.
#![cfg(not(target_arch = "wasm32"))]

use edgecache::edge::tags::{Check, TagTable, TAG_CAPACITY};
use proptest::prelude::*;
use std::collections::HashMap;

const INTERVAL: f64 = 1000.0;
const NAMES: [&str; 5] = ["a", "b", "user:1", "é:😀", "a\0b"];

/// What the model holds of a tag's generation (see `TagTable`).
#[derive(Clone, Copy)]
struct Known {
    confirmed: f64,
    raised: f64,
    raised_until: f64,
    checked_at: f64,
}

impl Known {
    fn generation(&self, now: f64) -> f64 {
        if now < self.raised_until {
            self.confirmed.max(self.raised)
        } else {
            self.confirmed
        }
    }
}

/// The rules of the tag table, with nothing forgotten.
struct Model {
    stored: bool,
    sequence: u64,
    known: HashMap<String, Known>,
    invalidated: HashMap<String, u64>,
}

impl Model {
    fn new(stored: bool) -> Model {
        Model {
            stored,
            sequence: 0,
            known: HashMap::new(),
            invalidated: HashMap::new(),
        }
    }

    fn generation(&self, tag: &str, now: f64) -> Option<f64> {
        self.known.get(tag).map(|k| k.generation(now))
    }

    fn trusted(&self, tag: &str, now: f64) -> Option<f64> {
        let k = self.known.get(tag)?;
        if self.stored && now - k.checked_at >= INTERVAL {
            return None;
        }
        Some(k.generation(now))
    }

    fn local(&self, tag: &str, now: f64) -> f64 {
        self.generation(tag, now).unwrap_or(0.0)
    }

    fn invalidation(&self, tag: &str) -> u64 {
        self.invalidated.get(tag).copied().unwrap_or(0)
    }

    fn known_or_new(&mut self, tag: &str, now: f64) -> &mut Known {
        self.known.entry(tag.to_string()).or_insert(Known {
            confirmed: 0.0,
            raised: 0.0,
            raised_until: f64::NEG_INFINITY,
            checked_at: now,
        })
    }

    fn raise(&mut self, tag: &str, g: f64, now: f64) {
        let k = self.known_or_new(tag, now);
        k.raised = k.generation(now).max(g);
        k.raised_until = now + INTERVAL;
        k.checked_at = now;
    }

    fn confirm(&mut self, tag: &str, g: f64, now: f64) {
        let k = self.known_or_new(tag, now);
        k.confirmed = g;
        k.checked_at = now;
    }

    fn current(&self, tags: &[&str], now: f64) -> Option<Vec<f64>> {
        if self.stored {
            tags.iter().map(|t| self.trusted(t, now)).collect()
        } else {
            Some(tags.iter().map(|t| self.local(t, now)).collect())
        }
    }

    fn check(
        &self,
        tags: &[&str],
        written: &[f64],
        mark: Option<u64>,
        read: Option<&[f64]>,
        now: f64,
    ) -> Check {
        if mark.is_some_and(|m| tags.iter().any(|t| self.invalidation(t) > m)) {
            return Check::Stale;
        }
        let current: Option<Vec<f64>> = match read {
            Some(read) => Some(
                (0..tags.len())
                    .map(|i| read.get(i).copied().unwrap_or(f64::NAN))
                    .collect(),
            ),
            None => self.current(tags, now),
        };
        match current {
            None => Check::Unknown,
            Some(c) if c.iter().zip(written).all(|(g, w)| g <= w) && written.len() >= c.len() => {
                Check::Current
            }
            Some(_) => Check::Stale,
        }
    }

    fn stamped(
        &self,
        tags: &[&str],
        mark: u64,
        read: Option<&[f64]>,
        now: f64,
    ) -> Option<Vec<f64>> {
        let current = match read {
            Some(read) => read.to_vec(),
            None => self.current(tags, now)?,
        };
        let since = |t: &&str| self.invalidation(t) > mark;
        Some(
            current
                .iter()
                .zip(tags)
                .map(|(&g, t)| if since(t) { g - 1.0 } else { g })
                .collect(),
        )
    }

    fn invalidate(&mut self, tags: &[&str], now: f64) -> Vec<f64> {
        self.sequence += 1;
        let local: Vec<f64> = tags
            .iter()
            .map(|t| now.ceil().max(self.local(t, now) + 1.0))
            .collect();
        for (t, &g) in tags.iter().zip(&local) {
            self.invalidated.insert(t.to_string(), self.sequence);
            self.raise(t, g, now);
            if !self.stored {
                self.confirm(t, g, now);
            }
        }
        local
    }

    fn settle(
        &mut self,
        tags: &[&str],
        local: &[f64],
        stored: &[f64],
        now: f64,
    ) -> Option<Vec<f64>> {
        if stored.iter().any(|s| s.is_nan()) {
            return None;
        }
        let next: Vec<f64> = (0..tags.len())
            .map(|i| {
                let s = stored[i].max(0.0);
                let g = if s >= local[i] { s + 1.0 } else { local[i] };
                g.max(self.local(tags[i], now))
            })
            .collect();
        for (t, &g) in tags.iter().zip(&next) {
            self.raise(t, g, now);
        }
        Some(next)
    }

    fn read(&mut self, tags: &[&str], stored: &[f64], now: f64) -> Vec<f64> {
        let mut out = Vec::new();
        for (t, &s) in tags.iter().zip(stored) {
            out.push(if s.is_nan() {
                self.generation(t, now).unwrap_or(f64::NAN)
            } else if s < 0.0 {
                f64::NAN
            } else {
                self.confirm(t, s, now);
                self.generation(t, now).unwrap_or(f64::NAN)
            });
        }
        out
    }
}

/// One action on the table; tags are indices into `NAMES`, generations small offsets.
#[derive(Clone, Debug)]
enum Op {
    Advance(u16),
    Mark,
    /// An invalidation begins.
    Invalidate(Vec<usize>),
    /// One under way (an index into them) is settled with these stored generations (the
    /// store's answer, as many as it has tags).
    Settle(usize, Vec<Stored>),
    Read(Vec<usize>, Vec<Stored>),
    /// The store holds this generation (written by this isolate).
    Confirm(usize, u16),
    /// A check of an entry written at the tags' local generations plus these offsets, with
    /// a mark (an index into the marks taken) or not, against read generations or not.
    Check(Vec<usize>, Vec<i8>, Option<usize>, Option<Vec<Stored>>),
    Stamp(Vec<usize>, usize, Option<Vec<Stored>>),
    Since(Vec<usize>, usize),
}

/// What the store answers for a tag.
#[derive(Clone, Copy, Debug)]
enum Stored {
    Generation(u16),
    Failed,
    Unreadable,
}

impl Stored {
    fn value(self) -> f64 {
        match self {
            Stored::Generation(g) => f64::from(g),
            Stored::Failed => f64::NAN,
            Stored::Unreadable => -1.0,
        }
    }
}

fn stored() -> impl Strategy<Value = Stored> {
    prop_oneof![
        6 => (0u16..3000).prop_map(Stored::Generation),
        1 => Just(Stored::Failed),
        1 => Just(Stored::Unreadable),
    ]
}

fn tags() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0..NAMES.len(), 1..4)
}

fn stored_for(n: usize) -> impl Strategy<Value = Vec<Stored>> {
    prop::collection::vec(stored(), n)
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1u16..700).prop_map(Op::Advance),
        2 => Just(Op::Mark),
        3 => tags().prop_map(Op::Invalidate),
        2 => (0usize..4, stored_for(3)).prop_map(|(i, s)| Op::Settle(i, s)),
        3 => tags().prop_flat_map(|t| {
            let n = t.len();
            (Just(t), stored_for(n))
        }).prop_map(|(t, s)| Op::Read(t, s)),
        1 => (0..NAMES.len(), 0u16..3000).prop_map(|(t, g)| Op::Confirm(t, g)),
        5 => tags().prop_flat_map(|t| {
            let n = t.len();
            (Just(t), prop::collection::vec(-1i8..=1, n), proptest::option::of(0usize..8), proptest::option::of(stored_for(n)))
        }).prop_map(|(t, o, m, r)| Op::Check(t, o, m, r)),
        2 => tags().prop_flat_map(|t| {
            let n = t.len();
            (Just(t), 0usize..8, proptest::option::of(stored_for(n)))
        }).prop_map(|(t, m, r)| Op::Stamp(t, m, r)),
        2 => (tags(), 0usize..8).prop_map(|(t, m)| Op::Since(t, m)),
    ]
}

/// Equal, NaN equal to NaN.
fn same(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
}

fn same_option(a: &Option<Vec<f64>>, b: &Option<Vec<f64>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (None, None) => true,
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn the_table_follows_the_model(stored in any::<bool>(), ops in prop::collection::vec(op(), 1..80)) {
        let mut table = TagTable::new(INTERVAL, stored, TAG_CAPACITY);
        let mut model = Model::new(stored);
        let mut now = 0.5;
        let mut marks = vec![0u64];
        let mut running = Vec::new();
        let names = |t: &[usize]| t.iter().map(|&i| NAMES[i]).collect::<Vec<_>>();
        let values = |s: &[Stored]| s.iter().map(|s| s.value()).collect::<Vec<_>>();
        for op in ops {
            match op {
                Op::Advance(ms) => now += f64::from(ms),
                Op::Mark => {
                    prop_assert_eq!(table.mark(), model.sequence);
                    marks.push(table.mark());
                }
                Op::Invalidate(t) => {
                    let t = names(&t);
                    let local = table.invalidate(&t, now, None);
                    prop_assert!(same(&local, &model.invalidate(&t, now)), "invalidate {:?}", t);
                    if stored {
                        running.push((t, local, now));
                    }
                }
                Op::Settle(i, s) => {
                    if running.is_empty() {
                        continue;
                    }
                    let (t, local, began) = running.remove(i % running.len());
                    let s = &values(&s)[..t.len()];
                    let next = table.settle(&t, &local, s, began);
                    prop_assert!(same_option(&next, &model.settle(&t, &local, s, began)), "settle {:?} {:?}", t, s);
                }
                Op::Read(t, s) => {
                    let (t, s) = (names(&t), values(&s));
                    prop_assert!(same(&table.read(&t, &s, now), &model.read(&t, &s, now)), "read {:?} {:?}", t, s);
                }
                Op::Confirm(t, g) => {
                    table.confirm(NAMES[t], f64::from(g), now);
                    model.confirm(NAMES[t], f64::from(g), now);
                }
                Op::Check(t, offsets, mark, read) => {
                    let t = names(&t);
                    let written: Vec<f64> = t.iter().zip(&offsets).map(|(t, &o)| model.local(t, now) + f64::from(o)).collect();
                    let mark = mark.map(|m| marks[m % marks.len()]);
                    let read = read.map(|r| values(&r));
                    let got = table.check(&t, &written, mark, read.as_deref(), now);
                    prop_assert_eq!(got, model.check(&t, &written, mark, read.as_deref(), now), "check {:?} {:?}", t, written);
                }
                Op::Stamp(t, mark, read) => {
                    let t = names(&t);
                    let mark = marks[mark % marks.len()];
                    let read = read.map(|r| values(&r));
                    let got = table.stamped(&t, mark, read.as_deref(), now);
                    prop_assert!(same_option(&got, &model.stamped(&t, mark, read.as_deref(), now)), "stamp {:?}", t);
                }
                Op::Since(t, mark) => {
                    let t = names(&t);
                    let mark = marks[mark % marks.len()];
                    let want = t.iter().any(|t| model.invalidation(t) > mark);
                    prop_assert_eq!(table.invalidated_since(&t, mark), want);
                }
            }
        }
    }

    /// A write or load begun (marked) before an invalidation is never current after the
    /// table forgot the tag, however many others pushed it out.
    #[test]
    fn eviction_never_makes_an_earlier_load_current(
        stored in any::<bool>(),
        capacity in 1usize..8,
        others in 1usize..64,
        at in 0.0f64..1e6,
    ) {
        let mut table = TagTable::new(INTERVAL, stored, capacity);
        if stored {
            table.read(&["victim"], &[7.0], at);
        }
        let mark = table.mark();
        // What the load saw before the invalidation: the generation then.
        let before = table.stamped(&["victim"], mark, None, at).unwrap_or_else(|| vec![7.0]);
        let local = table.invalidate(&["victim"], at, None);
        if stored {
            table.settle(&["victim"], &local, &[7.0], at);
        }
        for i in 0..others {
            let other = format!("other{i}");
            table.invalidate(&[&other], at + 1.0, None);
            table.read(&[&other], &[1.0], at + 1.0);
        }
        prop_assert!(table.invalidated_since(&["victim"], mark), "the load is outdated");
        prop_assert_eq!(table.check(&["victim"], &before, Some(mark), None, at + 2.0), Check::Stale);
        let stamped = table.stamped(&["victim"], mark, Some(&local), at + 2.0).unwrap_or_default();
        prop_assert!(stamped[0] < local[0], "its record is stamped below the invalidation");
        if !stored {
            prop_assert_eq!(table.check(&["victim"], &before, None, None, at + 2.0), Check::Stale);
        }
    }
}
