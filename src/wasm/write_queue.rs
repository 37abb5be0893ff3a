//! `WriteQueueEngine`: the write-behind queue as the package's `WriteBehind` drives it.
//! Only numbers cross: key handles, value handles and times. A write is its value handle
//! for a set, or `NO_VALUE` (`0xFFFFFFFF`) for a delete. A batch and its results come back
//! as one `Uint32Array` each, so sending a batch costs two crossings however large it is.

use super::codes::WriteOutcome;
use super::errors::to_js;
use super::options::fields;
use crate::edge::write_queue::{Accepted, Op, WriteQueue, WriteQueueConfig, WriteQueueStats};
use crate::error::Error;
use wasm_bindgen::prelude::*;

/// A delete, where a value handle would be.
const NO_VALUE: u32 = u32::MAX;
/// Returned by `accept` when the queue has no room for the key.
const FULL: u32 = u32::MAX - 1;
/// Numbers per settled write in `complete`: key, outcome, value, attempts, idle.
const COMPLETION_LEN: usize = 5;

/// The write-behind queue of one `EdgeCache`.
#[wasm_bindgen]
pub struct WriteQueueEngine {
    queue: WriteQueue,
}

fn op_of(value: u32) -> Op {
    if value == NO_VALUE {
        Op::Delete
    } else {
        Op::Set(value)
    }
}

fn value_of(op: Op) -> u32 {
    match op {
        Op::Set(value) => value,
        Op::Delete => NO_VALUE,
    }
}

#[wasm_bindgen]
impl WriteQueueEngine {
    /// Validates the `writeBehind` options (`undefined`: the defaults); `seed`, if given,
    /// seeds the retry spread.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue, seed: Option<f64>) -> Result<WriteQueueEngine, JsValue> {
        let config = fields("EdgeCache writeBehind", &options)
            .and_then(WriteQueueConfig::from_fields)
            .map_err(to_js)?;
        let mut queue = WriteQueue::new(config);
        if let Some(seed) = seed {
            queue.seed(seed as u64);
        }
        Ok(WriteQueueEngine { queue })
    }

    /// Offers a write of `value` (`NO_VALUE`: a delete) to `key` at `now`. Returns
    /// `FULL` (`0xFFFFFFFE`: no room, wait), the value handle of the queued set it replaced
    /// (drop that value), or `NO_VALUE`. Key handles run from 0 to `maxQueue` (reuse freed
    /// ones); throws `E_ARGUMENT` beyond, or for the reserved value handle `FULL`.
    pub fn accept(&mut self, key: u32, value: u32, now: f64) -> Result<u32, JsValue> {
        if value == FULL {
            return Err(to_js(Error::argument(format!(
                "write queue: value handle {FULL} is reserved; use 0 to {}",
                FULL - 1
            ))));
        }
        Ok(
            match self.queue.accept(key, op_of(value), now).map_err(to_js)? {
                Accepted::Full => FULL,
                Accepted::Queued { replaced } => replaced.map_or(NO_VALUE, value_of),
            },
        )
    }

    /// The batch due at `now` as pairs `[key, value]` (empty: nothing due). Its writes are
    /// in flight until `complete` settles them.
    #[wasm_bindgen(js_name = nextBatch)]
    pub fn next_batch(&mut self, now: f64) -> Vec<u32> {
        self.queue
            .next_batch(now)
            .into_iter()
            .flat_map(|(key, op)| [key, value_of(op)])
            .collect()
    }

    /// Settles the writes in flight for the keys in `ok` (stored) and `failed`. Returns,
    /// per settled write, `[key, outcome, value, attempts, idle]`: outcome 0 written,
    /// 1 retry (keep the value), 2 superseded, 3 dead letter; idle 1 when the key has
    /// nothing held any more (its handle may be reused).
    pub fn complete(&mut self, ok: &[u32], failed: &[u32], now: f64) -> Vec<u32> {
        // Grown as results come (one per write in flight), not sized by the caller's lists.
        let mut out = Vec::new();
        let results = ok.iter().map(|k| (*k, true));
        for (key, stored) in results.chain(failed.iter().map(|k| (*k, false))) {
            if let Some(c) = self.queue.complete(key, stored, now) {
                let row: [u32; COMPLETION_LEN] = [
                    key,
                    WriteOutcome::from(c.outcome) as u32,
                    value_of(c.op),
                    c.attempts,
                    u32::from(c.idle),
                ];
                out.extend(row);
            }
        }
        out
    }

    /// Milliseconds from `now` until `nextBatch` has a batch (0: now), or -1 when nothing
    /// waits to be sent.
    #[wasm_bindgen(js_name = nextDrainIn)]
    pub fn next_drain_in(&self, now: f64) -> f64 {
        self.queue.next_drain_in(now).unwrap_or(-1.0)
    }

    /// Starts a flush (held writes go out without waiting); returns its barrier.
    pub fn flush(&mut self) -> f64 {
        self.queue.flush() as f64
    }

    /// Whether every write accepted up to `barrier` is settled (stored or dead-lettered).
    pub fn flushed(&self, barrier: f64) -> bool {
        self.queue.flushed(barrier as u64)
    }

    /// The queue's numbers at `now`, in `statNames` order.
    pub fn stats(&self, now: f64) -> Vec<f64> {
        self.queue.stats(now).fields().map(|(_, n)| n).to_vec()
    }

    /// The names of the numbers `stats` returns, in order.
    #[wasm_bindgen(js_name = statNames)]
    pub fn stat_names() -> Vec<String> {
        WriteQueueStats::default()
            .fields()
            .map(|(name, _)| name.to_string())
            .to_vec()
    }

    /// The value handle that stands for a delete (and for "nothing replaced").
    #[wasm_bindgen(js_name = noValue)]
    pub fn no_value() -> u32 {
        NO_VALUE
    }

    /// What `accept` returns when the queue has no room for the key.
    pub fn full() -> u32 {
        FULL
    }

    /// How many numbers `complete` gives per settled write.
    #[wasm_bindgen(js_name = completionLength)]
    pub fn completion_length() -> u32 {
        COMPLETION_LEN as u32
    }
}
