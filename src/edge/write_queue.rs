//! The write-behind queue: which store writes wait, which go out next, and what becomes of
//! the ones that fail. With `writeMode: "behind"` the package updates memory at once,
//! queues the store write here, sends the batches this queue picks and reports each
//! write's result back.
//!
//! Keys and values stay in JavaScript. The queue sees a *key handle* per store key (a small
//! integer the package assigns while the key has a write held here, and reuses once the
//! key is idle again) and, for a set, a *value handle*.
//!
//! The rules:
//! - **Coalescing.** A key has at most one queued (unsent) write; a newer write to the key
//!   replaces it, last one wins, a delete being a write like any other. The entry keeps
//!   the older acceptance time and number: "oldest write age" measures how long the store
//!   has lagged behind memory, and a key written over and over still comes due after
//!   `maxDelay` instead of being pushed back forever. The replacement starts with no
//!   attempts (it is a new value) but keeps the entry's place, backoff included.
//! - **Per-key order.** Never two writes in flight for one key: a write to a key whose
//!   previous write is in flight waits (parked) behind it and becomes eligible once that
//!   one settles.
//! - **Batches.** A batch (at most `maxBatch` writes, earliest due first) goes out when
//!   `maxBatch` writes are eligible, when the earliest eligible one has waited `maxDelay`,
//!   when the queue is full (writers are waiting for room), or during a flush.
//! - **Failures.** A failed write whose key has a newer write waiting is superseded (the
//!   newer one carries the key's final state). Otherwise it is retried after
//!   `retryDelay × 2^(attempts−1)` (at most [`MAX_BACKOFF`]), jittered down to half,
//!   and after `retries` retries it is dead-lettered: handed back so the package reports
//!   the key and value. Nothing accepted vanishes silently.
//! - **Room.** Depth counts distinct keys with a write held (queued or in flight). At
//!   `maxQueue` a write to a new key is refused, so the caller can wait for room; a write
//!   to a key already held always fits.

use crate::error::{Error, Result};
use crate::options::{Num, OptionFields, OptionValue};
use crate::rng::LazyRng;
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Who owns these options, as error messages name it.
const OWNER: &str = "EdgeCache writeBehind";
/// Most writes per batch.
pub const MAX_BATCH: u64 = 1000;
/// Largest `maxQueue`.
pub const MAX_QUEUE: u64 = 1_000_000;
/// Most retries of one write.
pub const MAX_RETRIES: u32 = 20;
/// Longest wait before a retry (ms); also the largest `retryDelay`.
pub const MAX_BACKOFF: f64 = 30_000.0;

/// Validated `writeBehind` options.
#[derive(Clone, Debug, PartialEq)]
pub struct WriteQueueConfig {
    /// Most writes in one batch (`maxBatch`, default 25).
    pub max_batch: usize,
    /// Longest a write waits for a batch to fill (`maxDelay`, ms, default 50).
    pub max_delay: f64,
    /// Most keys with a write held (`maxQueue`, default 10 000).
    pub max_queue: usize,
    /// Retries of a failed write before it is dead-lettered (`retries`, default 3).
    pub retries: u32,
    /// Wait before the first retry, doubled for each further one (`retryDelay`, ms,
    /// default 100).
    pub retry_delay: f64,
}

impl Default for WriteQueueConfig {
    fn default() -> Self {
        WriteQueueConfig {
            max_batch: 25,
            max_delay: 50.0,
            max_queue: 10_000,
            retries: 3,
            retry_delay: 100.0,
        }
    }
}

impl WriteQueueConfig {
    /// Option names accepted.
    pub const NAMES: [&'static str; 5] =
        ["maxBatch", "maxDelay", "maxQueue", "retries", "retryDelay"];

    /// Builds a configuration from the `writeBehind` object's fields.
    pub fn from_fields(fields: Vec<(String, OptionValue)>) -> Result<Self> {
        let retries = fields
            .iter()
            .find(|(name, _)| name == "retries")
            .map(|(_, value)| value.clone());
        let f = OptionFields::new(OWNER, fields, &Self::NAMES)?;
        let d = WriteQueueConfig::default();
        let retry_delay = f
            .non_negative_millis("retryDelay")?
            .unwrap_or(d.retry_delay);
        if retry_delay > MAX_BACKOFF {
            return Err(Error::config(format!(
                "{OWNER}: option retryDelay must be at most {} ms, got {}",
                Num(MAX_BACKOFF),
                Num(retry_delay)
            )));
        }
        Ok(WriteQueueConfig {
            max_batch: f
                .positive_integer("maxBatch", MAX_BATCH)?
                .map_or(d.max_batch, |n| n as usize),
            max_delay: f.non_negative_millis("maxDelay")?.unwrap_or(d.max_delay),
            max_queue: f
                .positive_integer("maxQueue", MAX_QUEUE)?
                .map_or(d.max_queue, |n| n as usize),
            retries: retries.map_or(Ok(d.retries), |v| check_retries(&v))?,
            retry_delay,
        })
    }
}

/// `retries`: a whole number from 0 (the options helpers start at 1).
fn check_retries(value: &OptionValue) -> Result<u32> {
    let expected = format!("a whole number from 0 to {MAX_RETRIES}");
    match value {
        OptionValue::Number(n)
            if n.fract() == 0.0 && (0.0..=f64::from(MAX_RETRIES)).contains(n) =>
        {
            Ok(*n as u32)
        }
        OptionValue::Number(n) => Err(Error::config(format!(
            "{OWNER}: option retries must be {expected}, got {}",
            Num(*n)
        ))),
        _ => Err(Error::config(format!(
            "{OWNER}: option retries must be {expected}, got a non-number"
        ))),
    }
}

/// What a write does to its key in the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Store the value behind this value handle.
    Set(u32),
    /// Remove the key.
    Delete,
}

/// The result of offering a write to the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accepted {
    /// Held; `replaced` is the queued write it replaced (whose value can be dropped).
    Queued {
        /// The coalesced older write, if any.
        replaced: Option<Op>,
    },
    /// Refused: the queue holds `maxQueue` keys and this key is not one of them.
    Full,
}

/// What became of a write whose store call settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// In the store.
    Written,
    /// Failed; it is queued again for a retry after a backoff.
    Retry,
    /// Failed, but a newer write to its key is queued and carries the key's final state.
    Superseded,
    /// Failed after its last retry: the package reports it (`dead-letter`).
    DeadLetter,
}

/// A settled write as [`WriteQueue::complete`] reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Completion {
    /// The write.
    pub op: Op,
    /// What became of it.
    pub outcome: Outcome,
    /// How many times it was sent.
    pub attempts: u32,
    /// Whether its key now has nothing held (the package may forget the key handle).
    pub idle: bool,
}

/// Counters and gauges of the queue, as `stats()` shows them.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WriteQueueStats {
    /// Keys with a write held (queued or in flight).
    pub depth: u64,
    /// Age of the oldest write not yet in the store (ms), 0 when none.
    pub oldest_age_ms: f64,
    /// Batches sent.
    pub batches: u64,
    /// Retries scheduled.
    pub retries: u64,
    /// Writes dead-lettered.
    pub dead_letters: u64,
    /// Writes that reached the store.
    pub written: u64,
}

/// A time, totally ordered (so a NaN from a bad clock cannot break the maps).
#[derive(Clone, Copy, Debug)]
struct At(f64);

impl PartialEq for At {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for At {}
impl PartialOrd for At {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for At {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// One held write.
#[derive(Clone, Copy, Debug)]
struct Write {
    op: Op,
    /// Acceptance number of the oldest write this entry carries (unique among held writes).
    seq: u64,
    /// When that write was accepted.
    accepted_at: f64,
    /// When it may go out: `accepted_at + maxDelay`, or the end of its backoff.
    due_at: f64,
    /// Times sent.
    attempts: u32,
}

impl Write {
    fn slot(&self) -> (At, u64) {
        (At(self.due_at), self.seq)
    }
}

/// A key's held writes: the one in flight and the one queued (parked behind it, if both).
#[derive(Clone, Copy, Debug, Default)]
struct KeyState {
    in_flight: Option<Write>,
    queued: Option<Write>,
}

impl KeyState {
    fn held(&self) -> bool {
        self.in_flight.is_some() || self.queued.is_some()
    }
}

/// The queue of pending store writes of one `EdgeCache`.
pub struct WriteQueue {
    config: WriteQueueConfig,
    rng: LazyRng,
    /// Keys with a write held, by handle.
    keys: BTreeMap<u32, KeyState>,
    /// Queued writes that may go out (key not in flight, no backoff), by (due, seq).
    ready: BTreeMap<(At, u64), u32>,
    /// Queued writes waiting out a retry backoff, by (end of backoff, seq).
    backoff: BTreeMap<(At, u64), u32>,
    /// Every held write (queued or in flight), by seq: oldest age, flush progress.
    held: BTreeMap<u64, u32>,
    last_seq: u64,
    flush_to: u64,
    stats: WriteQueueStats,
}

impl WriteQueue {
    /// An empty queue.
    pub fn new(config: WriteQueueConfig) -> Self {
        WriteQueue {
            config,
            rng: LazyRng::default(),
            keys: BTreeMap::new(),
            ready: BTreeMap::new(),
            backoff: BTreeMap::new(),
            held: BTreeMap::new(),
            last_seq: 0,
            flush_to: 0,
            stats: WriteQueueStats::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &WriteQueueConfig {
        &self.config
    }

    /// Keys with a write held (queued or in flight).
    pub fn depth(&self) -> usize {
        self.keys.len()
    }

    /// Whether a write to `key` would be accepted now.
    pub fn has_room(&self, key: u32) -> bool {
        self.keys.contains_key(&key) || self.keys.len() < self.config.max_queue
    }

    /// Offers a write to `key` accepted at `now`.
    pub fn accept(&mut self, key: u32, op: Op, now: f64) -> Accepted {
        if !self.has_room(key) {
            return Accepted::Full;
        }
        let state = self.keys.entry(key).or_default();
        self.last_seq += 1;
        if let Some(queued) = state.queued.as_mut() {
            let replaced = std::mem::replace(&mut queued.op, op);
            queued.attempts = 0;
            return Accepted::Queued {
                replaced: Some(replaced),
            };
        }
        let write = Write {
            op,
            seq: self.last_seq,
            accepted_at: now,
            due_at: now + self.config.max_delay,
            attempts: 0,
        };
        if state.in_flight.is_none() {
            self.ready.insert(write.slot(), key);
        }
        state.queued = Some(write);
        self.held.insert(write.seq, key);
        Accepted::Queued { replaced: None }
    }

    /// Moves writes whose backoff has ended to the eligible ones.
    fn promote(&mut self, now: f64) {
        while let Some(entry) = self.backoff.first_entry() {
            let (At(end), _) = *entry.key();
            if end.partial_cmp(&now).is_none_or(Ordering::is_gt) {
                break;
            }
            let (slot, key) = entry.remove_entry();
            self.ready.insert(slot, key);
        }
    }

    /// Whether a batch should go out now (after promotion).
    fn due(&self, now: f64) -> bool {
        let Some(((first_due, _), _)) = self.ready.first_key_value() else {
            return false;
        };
        self.ready.len() >= self.config.max_batch
            || self.keys.len() >= self.config.max_queue
            || !self.flushed(self.flush_to)
            || first_due.0 <= now
    }

    /// The next batch at `now`, earliest due first, or nothing when no batch is due. The
    /// writes returned are in flight until [`complete`](Self::complete) settles them.
    pub fn next_batch(&mut self, now: f64) -> Vec<(u32, Op)> {
        self.promote(now);
        if !self.due(now) {
            return Vec::new();
        }
        let mut batch = Vec::new();
        while batch.len() < self.config.max_batch {
            let Some((_, key)) = self.ready.pop_first() else {
                break;
            };
            let Some(state) = self.keys.get_mut(&key) else {
                continue;
            };
            if state.in_flight.is_some() {
                continue;
            }
            if let Some(mut write) = state.queued.take() {
                write.attempts += 1;
                state.in_flight = Some(write);
                batch.push((key, write.op));
            }
        }
        if !batch.is_empty() {
            self.stats.batches += 1;
        }
        batch
    }

    /// Milliseconds from `now` until [`next_batch`](Self::next_batch) has something to
    /// send (0: now), or `None` when nothing is waiting (all held writes are in flight).
    pub fn next_drain_in(&self, now: f64) -> Option<f64> {
        let by_backoff = self
            .backoff
            .first_key_value()
            .map(|((end, _), _)| (end.0 - now).max(0.0));
        let by_ready = self.ready.first_key_value().map(|((first_due, _), _)| {
            if self.due(now) {
                0.0
            } else {
                (first_due.0 - now).max(0.0)
            }
        });
        match (by_backoff, by_ready) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Settles the write in flight for `key`: `ok` if the store has it. `None` if `key`
    /// had no write in flight.
    pub fn complete(&mut self, key: u32, ok: bool, now: f64) -> Option<Completion> {
        let state = self.keys.get_mut(&key)?;
        let mut write = state.in_flight.take()?;
        self.held.remove(&write.seq);
        let outcome = if ok {
            self.stats.written += 1;
            Outcome::Written
        } else if state.queued.is_some() {
            Outcome::Superseded
        } else if write.attempts > self.config.retries {
            self.stats.dead_letters += 1;
            Outcome::DeadLetter
        } else {
            self.stats.retries += 1;
            write.due_at = now + backoff(&self.config, &mut self.rng, write.attempts);
            self.backoff.insert(write.slot(), key);
            self.held.insert(write.seq, key);
            state.queued = Some(write);
            Outcome::Retry
        };
        if let (Outcome::Written | Outcome::Superseded, Some(parked)) = (outcome, &state.queued) {
            self.ready.insert(parked.slot(), key);
        }
        let idle = !state.held();
        if idle {
            self.keys.remove(&key);
        }
        Some(Completion {
            op: write.op,
            outcome,
            attempts: write.attempts,
            idle,
        })
    }

    /// Starts a flush: every write held now goes out without waiting for `maxDelay`.
    /// Returns the barrier to pass to [`flushed`](Self::flushed).
    pub fn flush(&mut self) -> u64 {
        self.flush_to = self.last_seq;
        self.last_seq
    }

    /// Whether every write accepted up to `barrier` is in the store, dead-lettered, or
    /// replaced by a later write that is.
    pub fn flushed(&self, barrier: u64) -> bool {
        self.held
            .first_key_value()
            .is_none_or(|(&seq, _)| seq > barrier)
    }

    /// A statistics snapshot at `now`.
    pub fn stats(&self, now: f64) -> WriteQueueStats {
        let oldest = self.held.first_key_value().and_then(|(&seq, &key)| {
            let state = self.keys.get(&key)?;
            [state.in_flight, state.queued]
                .into_iter()
                .flatten()
                .find(|w| w.seq == seq)
                .map(|w| w.accepted_at)
        });
        WriteQueueStats {
            depth: self.keys.len() as u64,
            oldest_age_ms: oldest.map_or(0.0, |t| (now - t).max(0.0)),
            ..self.stats.clone()
        }
    }
}

/// The wait before retrying a write sent `attempts` times: `retryDelay × 2^(attempts−1)`,
/// at most [`MAX_BACKOFF`], jittered down by up to half so retries of a batch spread out.
fn backoff(config: &WriteQueueConfig, rng: &mut LazyRng, attempts: u32) -> f64 {
    let exponent = attempts.saturating_sub(1).min(30) as i32;
    let delay = (config.retry_delay * 2f64.powi(exponent)).min(MAX_BACKOFF);
    if delay > 0.0 {
        delay * (1.0 - 0.5 * rng.next_f64())
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(fields: &[(&str, f64)]) -> WriteQueue {
        let fields = fields
            .iter()
            .map(|(k, v)| (k.to_string(), OptionValue::Number(*v)))
            .collect();
        WriteQueue::new(WriteQueueConfig::from_fields(fields).unwrap())
    }

    fn queued(q: &mut WriteQueue, key: u32, op: Op, now: f64) -> Option<Op> {
        match q.accept(key, op, now) {
            Accepted::Queued { replaced } => replaced,
            Accepted::Full => panic!("queue full"),
        }
    }

    #[test]
    fn options_have_defaults_and_clear_errors() {
        assert_eq!(
            WriteQueueConfig::from_fields(Vec::new()).unwrap(),
            WriteQueueConfig::default()
        );
        let ok = |name: &str, v: f64| {
            WriteQueueConfig::from_fields(vec![(name.to_string(), OptionValue::Number(v))])
        };
        assert_eq!(ok("retries", 0.0).unwrap().retries, 0);
        assert_eq!(ok("maxDelay", 0.0).unwrap().max_delay, 0.0);
        assert_eq!(ok("retryDelay", 1.0).unwrap().retry_delay, 1.0);
        for (name, value) in [
            ("maxBatch", OptionValue::Number(0.0)),
            ("maxBatch", OptionValue::Number(1001.0)),
            ("maxDelay", OptionValue::Number(-1.0)),
            ("maxDelay", OptionValue::Number(f64::INFINITY)),
            ("maxQueue", OptionValue::Number(2.5)),
            ("maxQueue", OptionValue::Number(1e7)),
            ("retries", OptionValue::Number(21.0)),
            ("retries", OptionValue::Number(-1.0)),
            ("retries", OptionValue::Text("3".into())),
            ("retryDelay", OptionValue::Number(60_000.0)),
            ("maxBatchSize", OptionValue::Number(1.0)),
        ] {
            let err = WriteQueueConfig::from_fields(vec![(name.to_string(), value)]).unwrap_err();
            assert_eq!(err.code().as_str(), "E_CONFIG");
            assert!(
                err.message().starts_with("EdgeCache writeBehind: "),
                "{}",
                err.message()
            );
            assert!(err.message().contains(name), "{}", err.message());
        }
    }

    #[test]
    fn a_write_to_a_queued_key_replaces_it_and_keeps_its_age() {
        let mut q = queue(&[("maxDelay", 50.0)]);
        assert_eq!(queued(&mut q, 0, Op::Set(1), 0.0), None);
        assert_eq!(queued(&mut q, 0, Op::Delete, 30.0), Some(Op::Set(1)));
        assert_eq!(queued(&mut q, 0, Op::Set(3), 40.0), Some(Op::Delete));
        assert_eq!(q.depth(), 1);
        assert_eq!(
            q.stats(45.0).oldest_age_ms,
            45.0,
            "the older acceptance time"
        );
        assert_eq!(q.next_batch(49.0), vec![], "not due before maxDelay");
        assert_eq!(q.next_drain_in(49.0), Some(1.0));
        assert_eq!(
            q.next_batch(50.0),
            vec![(0, Op::Set(3))],
            "due 50 ms after the first write"
        );
    }

    #[test]
    fn a_write_behind_one_in_flight_waits_for_it() {
        let mut q = queue(&[("maxDelay", 0.0)]);
        queued(&mut q, 7, Op::Set(1), 0.0);
        assert_eq!(q.next_batch(0.0), vec![(7, Op::Set(1))]);
        assert_eq!(
            queued(&mut q, 7, Op::Delete, 1.0),
            None,
            "parked, not coalesced"
        );
        assert_eq!(queued(&mut q, 7, Op::Set(2), 1.0), Some(Op::Delete));
        assert_eq!(q.depth(), 1);
        assert_eq!(q.next_batch(100.0), vec![], "never two in flight for a key");
        assert_eq!(q.next_drain_in(100.0), None);
        let done = q.complete(7, true, 100.0).unwrap();
        assert_eq!(
            (done.op, done.outcome, done.attempts, done.idle),
            (Op::Set(1), Outcome::Written, 1, false)
        );
        assert_eq!(q.next_batch(100.0), vec![(7, Op::Set(2))]);
        assert!(q.complete(7, true, 100.0).unwrap().idle);
        assert_eq!((q.depth(), q.stats(100.0).written), (0, 2));
        assert_eq!(q.complete(7, true, 100.0), None, "nothing in flight");
    }

    #[test]
    fn batches_go_out_when_full_late_or_flushed() {
        let mut q = queue(&[("maxBatch", 3.0), ("maxDelay", 1000.0)]);
        queued(&mut q, 0, Op::Set(0), 0.0);
        queued(&mut q, 1, Op::Set(1), 1.0);
        assert_eq!(q.next_batch(2.0), vec![]);
        queued(&mut q, 2, Op::Delete, 2.0);
        queued(&mut q, 3, Op::Set(3), 3.0);
        assert_eq!(q.next_drain_in(3.0), Some(0.0), "maxBatch writes wait");
        assert_eq!(
            q.next_batch(3.0),
            vec![(0, Op::Set(0)), (1, Op::Set(1)), (2, Op::Delete)],
            "earliest first, at most maxBatch"
        );
        assert_eq!(q.next_batch(3.0), vec![]);
        assert_eq!(q.next_drain_in(3.0), Some(1000.0));
        assert_eq!(
            q.next_batch(1003.0),
            vec![(3, Op::Set(3))],
            "maxDelay passed"
        );
        queued(&mut q, 4, Op::Set(4), 1003.0);
        let barrier = q.flush();
        assert!(!q.flushed(barrier));
        assert_eq!(
            q.next_batch(1003.0),
            vec![(4, Op::Set(4))],
            "a flush does not wait"
        );
        for key in 0..5 {
            q.complete(key, true, 1004.0);
        }
        assert!(q.flushed(barrier));
        assert_eq!(q.stats(1004.0).batches, 3);
    }

    #[test]
    fn a_full_queue_refuses_new_keys_and_drains_at_once() {
        let mut q = queue(&[("maxQueue", 2.0), ("maxDelay", 1000.0)]);
        queued(&mut q, 0, Op::Set(0), 0.0);
        queued(&mut q, 1, Op::Set(1), 0.0);
        assert!(!q.has_room(2));
        assert_eq!(q.accept(2, Op::Set(2), 0.0), Accepted::Full);
        assert_eq!(
            queued(&mut q, 1, Op::Delete, 0.0),
            Some(Op::Set(1)),
            "a held key fits"
        );
        assert_eq!(
            q.next_drain_in(0.0),
            Some(0.0),
            "writers are waiting: no delay"
        );
        assert_eq!(q.next_batch(0.0).len(), 2);
        assert_eq!(
            q.accept(2, Op::Set(2), 0.0),
            Accepted::Full,
            "in flight counts"
        );
        q.complete(0, true, 1.0);
        assert!(q.has_room(2));
        assert_eq!(
            q.accept(2, Op::Set(2), 1.0),
            Accepted::Queued { replaced: None }
        );
    }

    #[test]
    fn failures_back_off_then_dead_letter() {
        let mut q = queue(&[("maxDelay", 0.0), ("retries", 2.0), ("retryDelay", 100.0)]);
        queued(&mut q, 0, Op::Set(9), 0.0);
        let mut now = 0.0;
        let mut waits = Vec::new();
        for attempt in 1..=3 {
            assert_eq!(
                q.next_batch(now),
                vec![(0, Op::Set(9))],
                "attempt {attempt}"
            );
            let done = q.complete(0, false, now).unwrap();
            assert_eq!(done.attempts, attempt);
            if attempt == 3 {
                assert_eq!((done.outcome, done.idle), (Outcome::DeadLetter, true));
                break;
            }
            assert_eq!((done.outcome, done.idle), (Outcome::Retry, false));
            let wait = q.next_drain_in(now).unwrap();
            assert_eq!(
                q.next_batch(now + wait * 0.99),
                vec![],
                "not before the backoff"
            );
            waits.push(wait);
            now += wait;
        }
        assert!((50.0..=100.0).contains(&waits[0]), "{waits:?}");
        assert!((100.0..=200.0).contains(&waits[1]), "{waits:?}");
        let s = q.stats(now);
        assert_eq!(
            (s.retries, s.dead_letters, s.written, s.depth),
            (2, 1, 0, 0)
        );
        assert_eq!(q.next_drain_in(now), None);
    }

    #[test]
    fn a_failed_write_with_a_newer_one_waiting_is_superseded() {
        let mut q = queue(&[("maxDelay", 0.0), ("retries", 5.0)]);
        queued(&mut q, 0, Op::Set(1), 0.0);
        q.next_batch(0.0);
        queued(&mut q, 0, Op::Delete, 0.0);
        let done = q.complete(0, false, 0.0).unwrap();
        assert_eq!((done.outcome, done.idle), (Outcome::Superseded, false));
        assert_eq!(q.next_batch(0.0), vec![(0, Op::Delete)]);
        assert_eq!(q.stats(0.0).retries, 0);
    }

    #[test]
    fn a_new_value_for_a_retrying_key_keeps_the_backoff_with_fresh_attempts() {
        let mut q = queue(&[("maxDelay", 0.0), ("retries", 1.0), ("retryDelay", 10.0)]);
        queued(&mut q, 0, Op::Set(1), 0.0);
        q.next_batch(0.0);
        assert_eq!(q.complete(0, false, 0.0).unwrap().outcome, Outcome::Retry);
        assert_eq!(queued(&mut q, 0, Op::Set(2), 1.0), Some(Op::Set(1)));
        assert_eq!(q.next_batch(1.0), vec![], "still backing off");
        assert_eq!(q.next_batch(10.0), vec![(0, Op::Set(2))]);
        let done = q.complete(0, false, 10.0).unwrap();
        assert_eq!(
            (done.outcome, done.attempts),
            (Outcome::Retry, 1),
            "its own retries"
        );
    }

    #[test]
    fn oldest_age_counts_writes_in_flight_and_time_may_misbehave() {
        let mut q = queue(&[("maxDelay", 0.0)]);
        queued(&mut q, 0, Op::Set(0), 10.0);
        queued(&mut q, 1, Op::Set(1), 20.0);
        q.next_batch(20.0);
        assert_eq!(q.stats(25.0).oldest_age_ms, 15.0);
        q.complete(0, true, 25.0);
        assert_eq!(q.stats(25.0).oldest_age_ms, 5.0);
        assert_eq!(q.stats(0.0).oldest_age_ms, 0.0, "a clock going back");
        queued(&mut q, 2, Op::Set(2), f64::NAN);
        assert!(q.next_drain_in(f64::NAN).is_some());
        q.next_batch(f64::NAN);
        q.complete(2, false, f64::NAN);
        q.next_batch(f64::NAN);
        q.next_drain_in(f64::INFINITY);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod model {
    //! The queue against a model that tracks, per key, the write in flight and the one
    //! queued, and the fate of every accepted write.
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    #[derive(Clone, Debug)]
    enum Step {
        Set(u32),
        Delete(u32),
        Batch,
        Complete(usize, bool),
        Advance(f64),
        Flush,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => (0u32..8).prop_map(Step::Set),
            2 => (0u32..8).prop_map(Step::Delete),
            3 => Just(Step::Batch),
            4 => (0usize..8, prop::bool::weighted(0.6)).prop_map(|(i, ok)| Step::Complete(i, ok)),
            2 => (0.0f64..80.0).prop_map(Step::Advance),
            1 => Just(Step::Flush),
        ]
    }

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Fate {
        Written,
        Superseded,
        DeadLetter,
    }

    /// A model write: the harness's id, and the acceptance number of the oldest write
    /// its queue entry carries.
    #[derive(Clone, Copy, Debug)]
    struct Held {
        id: usize,
        since: u64,
    }

    #[derive(Default)]
    struct Model {
        ops: Vec<(u32, Op)>,
        tries: Vec<u32>,
        fates: HashMap<usize, Fate>,
        in_flight: HashMap<u32, Held>,
        queued: HashMap<u32, Held>,
        /// What the store holds per key (absent: nothing written).
        store: HashMap<u32, Op>,
        last: HashMap<u32, usize>,
        accepted: u64,
        written: u64,
        dead: u64,
        retries: u64,
        batches: u64,
    }

    struct Run {
        q: WriteQueue,
        m: Model,
        now: f64,
        barriers: Vec<u64>,
    }

    impl Run {
        fn fate(&mut self, id: usize, fate: Fate) -> std::result::Result<(), TestCaseError> {
            prop_assert!(
                self.m.fates.insert(id, fate).is_none(),
                "write {} settled twice",
                id
            );
            Ok(())
        }

        fn depth(&self) -> usize {
            let mut keys: Vec<u32> = self
                .m
                .in_flight
                .keys()
                .chain(self.m.queued.keys())
                .copied()
                .collect();
            keys.sort_unstable();
            keys.dedup();
            keys.len()
        }

        fn accept(&mut self, key: u32, op: Op) -> std::result::Result<(), TestCaseError> {
            let held = self.m.in_flight.contains_key(&key) || self.m.queued.contains_key(&key);
            let full = !held && self.depth() >= self.q.config().max_queue;
            let got = self.q.accept(key, op, self.now);
            if full {
                prop_assert_eq!(got, Accepted::Full);
                return Ok(());
            }
            let id = self.m.ops.len();
            self.m.ops.push((key, op));
            self.m.tries.push(0);
            self.m.accepted += 1;
            self.m.last.insert(key, id);
            let since = match self.m.queued.get(&key).copied() {
                Some(old) => {
                    prop_assert_eq!(
                        got,
                        Accepted::Queued {
                            replaced: Some(self.m.ops[old.id].1)
                        }
                    );
                    self.fate(old.id, Fate::Superseded)?;
                    old.since
                }
                None => {
                    prop_assert_eq!(got, Accepted::Queued { replaced: None });
                    self.m.accepted
                }
            };
            self.m.queued.insert(key, Held { id, since });
            Ok(())
        }

        fn batch(&mut self) -> std::result::Result<(), TestCaseError> {
            let expect_some = self.q.next_drain_in(self.now) == Some(0.0);
            let batch = self.q.next_batch(self.now);
            prop_assert_eq!(
                expect_some,
                !batch.is_empty(),
                "next_drain_in agrees with next_batch"
            );
            prop_assert!(batch.len() <= self.q.config().max_batch);
            if !batch.is_empty() {
                self.m.batches += 1;
            }
            for (key, op) in batch {
                prop_assert!(
                    !self.m.in_flight.contains_key(&key),
                    "two writes in flight for key {}",
                    key
                );
                let held = self.m.queued.remove(&key);
                prop_assert!(held.is_some(), "key {} sent with nothing queued", key);
                let held = held.unwrap_or(Held { id: 0, since: 0 });
                prop_assert_eq!(op, self.m.ops[held.id].1);
                self.m.tries[held.id] += 1;
                self.m.in_flight.insert(key, held);
            }
            Ok(())
        }

        fn complete(&mut self, key: u32, ok: bool) -> std::result::Result<(), TestCaseError> {
            let got = self.q.complete(key, ok, self.now);
            let Some(held) = self.m.in_flight.remove(&key) else {
                prop_assert_eq!(got, None);
                return Ok(());
            };
            let (id, op) = (held.id, self.m.ops[held.id].1);
            let tries = self.m.tries[id];
            let outcome = if ok {
                self.m.store.insert(key, op);
                self.m.written += 1;
                self.fate(id, Fate::Written)?;
                Outcome::Written
            } else if self.m.queued.contains_key(&key) {
                self.fate(id, Fate::Superseded)?;
                Outcome::Superseded
            } else if tries > self.q.config().retries {
                self.m.dead += 1;
                self.fate(id, Fate::DeadLetter)?;
                Outcome::DeadLetter
            } else {
                self.m.retries += 1;
                self.m.queued.insert(key, held);
                Outcome::Retry
            };
            let idle = !self.m.queued.contains_key(&key);
            prop_assert_eq!(
                got,
                Some(Completion {
                    op,
                    outcome,
                    attempts: tries,
                    idle
                })
            );
            Ok(())
        }

        fn check(&self) -> std::result::Result<(), TestCaseError> {
            prop_assert_eq!(self.q.depth(), self.depth());
            prop_assert!(self.q.depth() <= self.q.config().max_queue);
            let oldest = self
                .m
                .in_flight
                .values()
                .chain(self.m.queued.values())
                .map(|h| h.since)
                .min();
            for &b in &self.barriers {
                prop_assert_eq!(
                    self.q.flushed(b),
                    oldest.is_none_or(|s| s > b),
                    "flushed({})",
                    b
                );
            }
            let s = self.q.stats(self.now);
            prop_assert_eq!(
                (s.written, s.dead_letters, s.retries, s.batches),
                (self.m.written, self.m.dead, self.m.retries, self.m.batches)
            );
            Ok(())
        }

        fn run(&mut self, step: &Step) -> std::result::Result<(), TestCaseError> {
            match *step {
                Step::Set(key) => {
                    let value = self.m.ops.len() as u32;
                    self.accept(key, Op::Set(value))?
                }
                Step::Delete(key) => self.accept(key, Op::Delete)?,
                Step::Batch => self.batch()?,
                Step::Complete(i, ok) => {
                    let mut keys: Vec<u32> = self.m.in_flight.keys().copied().collect();
                    keys.sort_unstable();
                    let key = keys.get(i).copied().unwrap_or(i as u32);
                    self.complete(key, ok)?
                }
                Step::Advance(ms) => self.now += ms,
                Step::Flush => {
                    let b = self.q.flush();
                    prop_assert_eq!(b, self.m.accepted);
                    self.barriers.push(b);
                }
            }
            self.check()
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Random writes, batches, results and time; then everything succeeds.
        #[test]
        fn the_queue_loses_nothing_and_keeps_order(
            steps in prop::collection::vec(step(), 1..150),
            max_batch in 1u64..5,
            max_delay in prop_oneof![Just(0.0), 1.0f64..50.0],
            max_queue in 1u64..7,
            retries in 0u32..3,
            retry_delay in prop_oneof![Just(0.0), 1.0f64..40.0],
        ) {
            let config = WriteQueueConfig {
                max_batch: max_batch as usize,
                max_delay,
                max_queue: max_queue as usize,
                retries,
                retry_delay,
            };
            let mut r = Run { q: WriteQueue::new(config), m: Model::default(), now: 0.0, barriers: Vec::new() };
            for s in &steps {
                r.run(s)?;
            }
            // Then the store recovers: flush and send until nothing is held.
            let barrier = r.q.flush();
            r.barriers.push(barrier);
            for _ in 0..1000 {
                if r.q.depth() == 0 {
                    break;
                }
                r.now += MAX_BACKOFF;
                r.batch()?;
                let mut keys: Vec<u32> = r.m.in_flight.keys().copied().collect();
                keys.sort_unstable();
                for key in keys {
                    r.complete(key, true)?;
                }
                r.check()?;
            }
            prop_assert_eq!(r.q.depth(), 0);
            prop_assert!(r.q.flushed(barrier));
            prop_assert_eq!(r.q.next_drain_in(r.now), None);
            // (c) every accepted write is written, superseded or dead-lettered.
            prop_assert_eq!(r.m.fates.len(), r.m.ops.len());
            // (a) per key, the last accepted write is what the store holds, unless it was
            // dead-lettered (and so reported).
            for (&key, &id) in &r.m.last {
                if r.m.fates.get(&id) != Some(&Fate::DeadLetter) {
                    prop_assert_eq!(r.m.store.get(&key), Some(&r.m.ops[id].1), "key {}", key);
                }
            }
        }
    }
}
