//! The write-behind queue: which store writes wait, which go out next, and what becomes of
//! the ones that fail. With `writeMode: "behind"` the package updates memory at once,
//! queues the store write here, sends the batches this queue picks and reports each
//! write's result back.
//!
//! Keys and values stay in JavaScript. The queue sees a *key handle* per store key (a small
//! integer the package assigns while the key has a write held here and reuses once the
//! key is idle again, so handles stay within `0..=maxQueue`) and, for a set, a *value
//! handle*.
//!
//! A flush ([`WriteQueue::flush`]) returns a barrier: the acceptance number of the last
//! write accepted. It is done when no held write carries a number up to it; while one
//! does, batches go out without waiting for `maxDelay` (retries still wait their backoff).
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
use crate::options::{Num, OptionFields, OptionValue, MAX_TIMER_MS};
use crate::rng::LazyRng;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

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
        let max_delay = f.non_negative_millis("maxDelay")?.unwrap_or(d.max_delay);
        if max_delay > MAX_TIMER_MS {
            return Err(Error::config(format!(
                "{OWNER}: option maxDelay must be at most {} ms (what a timer can wait), got {}",
                Num(MAX_TIMER_MS),
                Num(max_delay)
            )));
        }
        Ok(WriteQueueConfig {
            max_batch: f
                .positive_integer("maxBatch", MAX_BATCH)?
                .map_or(d.max_batch, |n| n as usize),
            max_delay,
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

/// What became of a write whose store call settled (JavaScript receives it as `WriteOutcome`, src/wasm/codes.rs).
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
#[derive(Clone, Debug, Default, PartialEq)]
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

impl WriteQueueStats {
    /// Every number with its name as `stats().writeBehind` shows it: the one list the
    /// package reads names and numbers from.
    pub fn fields(&self) -> [(&'static str, f64); 6] {
        [
            ("depth", self.depth as f64),
            ("oldestAgeMs", self.oldest_age_ms),
            ("batches", self.batches as f64),
            ("retries", self.retries as f64),
            ("deadLetters", self.dead_letters as f64),
            ("written", self.written as f64),
        ]
    }
}

/// A queued write's place in line: earliest due first, then oldest.
#[derive(Clone, Copy, Debug)]
struct Slot {
    due: f64,
    seq: u64,
    key: u32,
}

impl PartialEq for Slot {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Slot {}
impl PartialOrd for Slot {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Slot {
    /// Total (a NaN from a bad clock cannot break the heaps), reversed: the heaps pop the
    /// smallest first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.due.total_cmp(&self.due))
            .then(other.seq.cmp(&self.seq))
            .then(other.key.cmp(&self.key))
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
    fn slot(&self, key: u32) -> Slot {
        Slot {
            due: self.due_at,
            seq: self.seq,
            key,
        }
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

    /// The held write carrying acceptance number `seq`, if any.
    fn write(&self, seq: u64) -> Option<&Write> {
        [&self.in_flight, &self.queued]
            .into_iter()
            .flatten()
            .find(|w| w.seq == seq)
    }
}

/// The queue of pending store writes of one `EdgeCache`.
pub struct WriteQueue {
    config: WriteQueueConfig,
    rng: LazyRng,
    /// By key handle; handles are dense (the package reuses freed ones), so a vector.
    keys: Vec<KeyState>,
    depth: usize,
    /// Queued writes that may go out (key not in flight, no backoff pending).
    ready: BinaryHeap<Slot>,
    /// Queued writes waiting out a retry backoff, by its end.
    backoff: BinaryHeap<Slot>,
    /// (seq, key) of held writes in acceptance order, with settled ones dropped lazily:
    /// the front is the oldest held write (for its age, and for flushes).
    log: VecDeque<(u64, u32)>,
    last_seq: u64,
    flush_to: u64,
    stats: WriteQueueStats,
}

impl WriteQueue {
    /// Seeds the retry spread (tests and simulations replay exactly); otherwise it is
    /// seeded from the platform on first use.
    pub fn seed(&mut self, seed: u64) {
        self.rng = LazyRng::seeded(seed);
    }

    /// An empty queue.
    pub fn new(config: WriteQueueConfig) -> Self {
        WriteQueue {
            config,
            rng: LazyRng::default(),
            keys: Vec::new(),
            depth: 0,
            ready: BinaryHeap::new(),
            backoff: BinaryHeap::new(),
            log: VecDeque::new(),
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
        self.depth
    }

    /// Whether a write to `key` would be accepted now.
    pub fn has_room(&self, key: u32) -> bool {
        self.keys.get(key as usize).is_some_and(KeyState::held)
            || self.depth < self.config.max_queue
    }

    /// Offers a write to `key` accepted at `now`. Key handles run from 0 to `maxQueue`:
    /// the package hands out the lowest free one, and never holds more than `maxQueue`.
    pub fn accept(&mut self, key: u32, op: Op, now: f64) -> Result<Accepted> {
        let index = key as usize;
        if index > self.config.max_queue {
            return Err(Error::argument(format!(
                "write queue: key handle {key} is beyond maxQueue ({}); reuse freed handles",
                self.config.max_queue
            )));
        }
        if !self.has_room(key) {
            return Ok(Accepted::Full);
        }
        if self.keys.len() <= index {
            self.keys.resize(index + 1, KeyState::default());
        }
        let Some(state) = self.keys.get_mut(index) else {
            return Ok(Accepted::Full);
        };
        self.last_seq += 1;
        if let Some(queued) = state.queued.as_mut() {
            let replaced = std::mem::replace(&mut queued.op, op);
            queued.attempts = 0;
            return Ok(Accepted::Queued {
                replaced: Some(replaced),
            });
        }
        let write = Write {
            op,
            seq: self.last_seq,
            accepted_at: now,
            due_at: now + self.config.max_delay,
            attempts: 0,
        };
        if state.in_flight.is_none() {
            self.depth += 1;
            self.ready.push(write.slot(key));
        }
        state.queued = Some(write);
        self.log.push_back((write.seq, key));
        Ok(Accepted::Queued { replaced: None })
    }

    /// Moves writes whose backoff has ended to the eligible ones.
    fn promote(&mut self, now: f64) {
        while let Some(slot) = self.backoff.peek() {
            if slot.due.partial_cmp(&now).is_none_or(Ordering::is_gt) {
                break;
            }
            if let Some(slot) = self.backoff.pop() {
                self.ready.push(slot);
            }
        }
    }

    /// Whether a batch should go out now (after promotion).
    fn due(&self, now: f64) -> bool {
        let Some(first) = self.ready.peek() else {
            return false;
        };
        self.ready.len() >= self.config.max_batch
            || self.depth >= self.config.max_queue
            || !self.flushed(self.flush_to)
            || first.due <= now
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
            let Some(slot) = self.ready.pop() else {
                break;
            };
            let Some(state) = self.keys.get_mut(slot.key as usize) else {
                continue;
            };
            match state.queued {
                Some(mut write) if write.seq == slot.seq && state.in_flight.is_none() => {
                    write.attempts += 1;
                    state.in_flight = Some(write);
                    state.queued = None;
                    batch.push((slot.key, write.op));
                }
                _ => {}
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
        let by_backoff = self.backoff.peek().map(|s| (s.due - now).max(0.0));
        let by_ready = self.ready.peek().map(|first| {
            if self.due(now) {
                0.0
            } else {
                (first.due - now).max(0.0)
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
        let state = self.keys.get_mut(key as usize)?;
        let mut write = state.in_flight.take()?;
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
            self.backoff.push(write.slot(key));
            state.queued = Some(write);
            Outcome::Retry
        };
        if let (Outcome::Written | Outcome::Superseded, Some(parked)) = (outcome, &state.queued) {
            self.ready.push(parked.slot(key));
        }
        let idle = !state.held();
        if idle {
            self.depth = self.depth.saturating_sub(1);
        }
        self.trim_log();
        Some(Completion {
            op: write.op,
            outcome,
            attempts: write.attempts,
            idle,
        })
    }

    fn is_held(&self, (seq, key): (u64, u32)) -> bool {
        self.keys
            .get(key as usize)
            .is_some_and(|state| state.write(seq).is_some())
    }

    /// Drops settled writes from the front of the log, and from all of it when settled
    /// ones make up most of it (a key may hold two writes, so 4 × depth is plenty).
    fn trim_log(&mut self) {
        while let Some(&front) = self.log.front() {
            if self.is_held(front) {
                break;
            }
            self.log.pop_front();
        }
        if self.log.len() > 4 * self.depth + 64 {
            let mut log = std::mem::take(&mut self.log);
            log.retain(|&entry| self.is_held(entry));
            self.log = log;
        }
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
        self.log.front().is_none_or(|&(seq, _)| seq > barrier)
    }

    /// A statistics snapshot at `now`.
    pub fn stats(&self, now: f64) -> WriteQueueStats {
        let oldest = self.log.front().and_then(|&(seq, key)| {
            let write = self.keys.get(key as usize)?.write(seq)?;
            Some(write.accepted_at)
        });
        WriteQueueStats {
            depth: self.depth as u64,
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
        match q.accept(key, op, now).unwrap() {
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
        assert_eq!(q.accept(2, Op::Set(2), 0.0), Ok(Accepted::Full));
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
            Ok(Accepted::Full),
            "in flight counts"
        );
        q.complete(0, true, 1.0);
        assert!(q.has_room(2));
        assert_eq!(
            q.accept(2, Op::Set(2), 1.0),
            Ok(Accepted::Queued { replaced: None })
        );
        let beyond = q.accept(3, Op::Set(3), 1.0).unwrap_err();
        assert_eq!(
            beyond.code().as_str(),
            "E_ARGUMENT",
            "handles run up to maxQueue"
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
    fn settled_writes_leave_the_log_while_an_old_one_is_stuck() {
        let mut q = queue(&[("maxDelay", 0.0), ("maxQueue", 2.0)]);
        queued(&mut q, 0, Op::Set(0), 0.0);
        assert_eq!(q.next_batch(0.0), vec![(0, Op::Set(0))], "stuck in flight");
        for i in 1..10_000 {
            queued(&mut q, 1, Op::Set(i), f64::from(i));
            assert_eq!(q.next_batch(f64::from(i)), vec![(1, Op::Set(i))]);
            q.complete(1, true, f64::from(i));
            assert!(q.log.len() <= 4 * q.depth() + 65, "log of {}", q.log.len());
        }
        assert_eq!(q.stats(10_000.0).oldest_age_ms, 10_000.0);
        assert!(!q.flushed(1));
        q.complete(0, true, 10_000.0);
        let barrier = q.flush();
        assert!(q.flushed(barrier));
        assert!(q.log.is_empty());
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
    //! queued, and the fate of every accepted write. Key handles are handed out as the
    //! package does: the last freed one first, else the next unused.
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    type Check = std::result::Result<(), TestCaseError>;

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

    /// A model write: its id, and the acceptance number of the oldest write its entry carries.
    #[derive(Clone, Copy, Debug)]
    struct Held {
        id: usize,
        since: u64,
    }

    #[derive(Default)]
    struct Model {
        /// Per accepted write: (store key, op), times sent, fate.
        ops: Vec<(u32, Op)>,
        tries: Vec<u32>,
        fates: HashMap<usize, Fate>,
        /// By key handle.
        in_flight: HashMap<u32, Held>,
        queued: HashMap<u32, Held>,
        /// Store key <-> key handle, for keys with a write held.
        handles: HashMap<u32, u32>,
        free: Vec<u32>,
        next_handle: u32,
        /// What the store holds, by store key; the last accepted write per store key.
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
        fn fate(&mut self, id: usize, fate: Fate) -> Check {
            prop_assert!(
                self.m.fates.insert(id, fate).is_none(),
                "write {} settled twice",
                id
            );
            Ok(())
        }

        fn accept(&mut self, skey: u32, op: Op) -> Check {
            let known = self.m.handles.get(&skey).copied();
            let handle =
                known.unwrap_or_else(|| self.m.free.last().copied().unwrap_or(self.m.next_handle));
            let full = known.is_none() && self.m.handles.len() >= self.q.config().max_queue;
            let got = self.q.accept(handle, op, self.now);
            prop_assert!(got.is_ok(), "handle {} refused: {:?}", handle, got);
            let got = got.unwrap_or(Accepted::Full);
            if full {
                prop_assert_eq!(got, Accepted::Full);
                return Ok(());
            }
            if known.is_none() {
                if self.m.free.pop().is_none() {
                    self.m.next_handle += 1;
                }
                self.m.handles.insert(skey, handle);
            }
            let id = self.m.ops.len();
            self.m.ops.push((skey, op));
            self.m.tries.push(0);
            self.m.accepted += 1;
            self.m.last.insert(skey, id);
            let since = match self.m.queued.get(&handle).copied() {
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
            self.m.queued.insert(handle, Held { id, since });
            Ok(())
        }

        fn batch(&mut self) -> Check {
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
            for (handle, op) in batch {
                prop_assert!(
                    !self.m.in_flight.contains_key(&handle),
                    "two writes in flight for handle {}",
                    handle
                );
                let held = self.m.queued.remove(&handle);
                prop_assert!(held.is_some(), "handle {} sent with nothing queued", handle);
                let held = held.unwrap_or(Held { id: 0, since: 0 });
                prop_assert_eq!(op, self.m.ops[held.id].1);
                self.m.tries[held.id] += 1;
                self.m.in_flight.insert(handle, held);
            }
            Ok(())
        }

        fn complete(&mut self, handle: u32, ok: bool) -> Check {
            let got = self.q.complete(handle, ok, self.now);
            let Some(held) = self.m.in_flight.remove(&handle) else {
                prop_assert_eq!(got, None);
                return Ok(());
            };
            let (id, (skey, op)) = (held.id, self.m.ops[held.id]);
            let tries = self.m.tries[id];
            let outcome = if ok {
                self.m.store.insert(skey, op);
                self.m.written += 1;
                self.fate(id, Fate::Written)?;
                Outcome::Written
            } else if self.m.queued.contains_key(&handle) {
                self.fate(id, Fate::Superseded)?;
                Outcome::Superseded
            } else if tries > self.q.config().retries {
                self.m.dead += 1;
                self.fate(id, Fate::DeadLetter)?;
                Outcome::DeadLetter
            } else {
                self.m.retries += 1;
                self.m.queued.insert(handle, held);
                Outcome::Retry
            };
            let idle = !self.m.queued.contains_key(&handle);
            if idle {
                self.m.handles.remove(&skey);
                self.m.free.push(handle);
            }
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

        fn in_flight(&self) -> Vec<u32> {
            let mut handles: Vec<u32> = self.m.in_flight.keys().copied().collect();
            handles.sort_unstable();
            handles
        }

        fn check(&self) -> Check {
            prop_assert_eq!(self.q.depth(), self.m.handles.len());
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
                (s.depth, s.written, s.dead_letters, s.retries, s.batches),
                (
                    self.m.handles.len() as u64,
                    self.m.written,
                    self.m.dead,
                    self.m.retries,
                    self.m.batches
                )
            );
            Ok(())
        }

        fn run(&mut self, step: &Step) -> Check {
            match *step {
                Step::Set(skey) => {
                    let value = self.m.ops.len() as u32;
                    self.accept(skey, Op::Set(value))?
                }
                Step::Delete(skey) => self.accept(skey, Op::Delete)?,
                Step::Batch => self.batch()?,
                Step::Complete(i, ok) => {
                    let handle = self.in_flight().get(i).copied().unwrap_or(i as u32 + 100);
                    self.complete(handle, ok)?
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
                for handle in r.in_flight() {
                    r.complete(handle, true)?;
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
            for (&skey, &id) in &r.m.last {
                if r.m.fates.get(&id) != Some(&Fate::DeadLetter) {
                    prop_assert_eq!(r.m.store.get(&skey), Some(&r.m.ops[id].1), "key {}", skey);
                }
            }
        }
    }
}
