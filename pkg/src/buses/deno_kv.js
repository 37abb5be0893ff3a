// A bus over Deno KV: between the processes and isolates that open the same Deno KV (one
// local file, or Deno Deploy's KV). `kv.watch` reports only the latest value of a key, so
// messages do not travel as values of one watched key (two publishes close together would
// be one): each publish is an atomic append, the sequence entry `[...prefix, "seq"]` raised
// by one together with the log entries `[...prefix, "log", n, i]` of message n (its chunks)
// that expire after `expireInMs`. A subscriber reads the sequence entry when the watch wakes
// it and every `pollMs`, and lists the log entries after the last one it applied.
import { commitUnlessLocked } from "../deno_kv_commit.js";
import { fail, typeName } from "../errors.js";
import { checkOptions, expectMethods } from "../stores/args.js";
import { KEY_LIMIT, encodedPrefixBytes } from "../stores/deno_kv.js";

const WHERE = "buses.denoKV(kv, { prefix, pollMs, expireInMs })";
/** Bytes the parts after the prefix take in the longest key: "log", n, i. */
const LOG_KEY_BYTES = 5 + 9 + 9;
/**
 * Characters of a message per log entry: at most 32 KiB as UTF-16 (Deno serializes a string
 * outside Latin-1 at two bytes a character), under Deno KV's 64 KiB per value.
 */
const CHUNK = 16_384;
/** Tries of an append before a publish fails: one is lost to another publish, or to a locked file. */
const TRIES = 64;
/** How much older than the subscription (ms, clock skew) a message may be and still be applied. */
const SKEW_MS = 1000;
/** The longest timer (2^31 - 1 ms). */
const MAX_MS = 2 ** 31 - 1;

/**
 * A bus in the Deno KV `kv` (`Deno.openKv(path)` in each process, or Deno Deploy's KV),
 * under `prefix` (default `["edgecache", "bus"]`: caches meant to hear each other share it).
 * `kv.watch` wakes a subscriber at once where it sees the others' writes (Deno Deploy, the
 * handles of one process); it does not see another process's writes to a local file
 * (denoland/deno#21640), so the sequence entry is also read every `pollMs` (default 100;
 * 0: the watch alone). Log entries expire after `expireInMs` (default 60 000): a subscriber
 * stalled longer loses messages and reports it. Dispose the cache: a watch keeps a Deno
 * process running.
 * @param {Deno.Kv} kv
 * @param {{ prefix?: Deno.KvKey, pollMs?: number, expireInMs?: number }} [options]
 */
export function denoKV(kv, options) {
  expectMethods(kv, ["get", "list", "atomic"], "buses.denoKV(kv)", "a Deno.Kv from Deno.openKv()");
  const { prefix = ["edgecache", "bus"], pollMs = 100, expireInMs = 60_000 } = checkOptions(options, ["prefix", "pollMs", "expireInMs"], WHERE);
  const prefixBytes = encodedPrefixBytes(prefix, WHERE);
  if (prefixBytes + LOG_KEY_BYTES > KEY_LIMIT) {
    fail("E_CONFIG", `${WHERE}: the prefix takes ${prefixBytes} of Deno KV's ${KEY_LIMIT} key bytes; use a shorter prefix`);
  }
  wholeMs(pollMs, 0, "pollMs", "0: the watch alone");
  wholeMs(expireInMs, 1, "expireInMs", "how long a message waits for a stalled subscriber");
  if (pollMs >= expireInMs) {
    fail("E_CONFIG", `${WHERE}: pollMs (${pollMs}) must be shorter than expireInMs (${expireInMs}): a subscriber polling that seldom finds messages expired; lower pollMs or raise expireInMs`);
  }
  if (pollMs === 0 && typeof kv.watch !== "function") {
    fail("E_CONFIG", `${WHERE}: pollMs 0 relies on kv.watch, which this kv does not have; give pollMs a number of milliseconds`);
  }
  const keys = { seq: [...prefix, "seq"], log: [...prefix, "log"] };
  return {
    async publish(message) {
      const text = String(message);
      for (let i = 0; i < TRIES; i++) {
        const head = await kv.get(keys.seq);
        const n = count(head.value) + 1;
        const at = Date.now();
        const of = Math.max(1, Math.ceil(text.length / CHUNK));
        let append = kv.atomic().check(head).set(keys.seq, n);
        for (let c = 0; c < of; c++) {
          append = append.set([...keys.log, n, c], { at, of, text: text.slice(c * CHUNK, (c + 1) * CHUNK) }, { expireIn: expireInMs });
        }
        if ((await commitUnlessLocked(append))?.ok) return;
      }
      throw new Error(`buses.denoKV: ${TRIES} tries in a row lost to other commits (or to a locked Deno KV file); this message is dropped`);
    },
    subscribe(onMessage, onError) {
      const follower = new Follower(kv, keys, pollMs, onMessage, (error) => onError?.(error));
      return () => follower.stop();
    },
  };
}

/** One subscription: applies the log entries after the sequence number it last applied. */
class Follower {
  #kv;
  #keys;
  #pollMs;
  #onMessage;
  #onError;
  /** The sequence number last applied; null before the first read */
  #applied = null;
  /** When the subscription began (ms): the first read applies what was published since */
  #since = Date.now();
  /** The running read of the log, or null */
  #running = null;
  /** Whether a wake-up came while a read was running */
  #again = false;
  /** Whether the last read failed (a streak of failures is reported once) */
  #failing = false;
  #stopped = false;
  #timer = undefined;
  #reader = null;
  /** The watch's loop, or null without a watch */
  #watching = null;

  constructor(kv, keys, pollMs, onMessage, onError) {
    this.#kv = kv;
    this.#keys = keys;
    this.#pollMs = pollMs;
    this.#onMessage = onMessage;
    this.#onError = onError;
    if (typeof kv.watch === "function") this.#watching = this.#watch();
    this.#wake();
  }

  /** Ends the watch and the polling; resolves once the running read has ended. */
  async stop() {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#reader?.cancel().catch(() => {});
    await Promise.all([this.#running, this.#watching]);
  }

  /** Wakes on each change of the sequence entry this process's watch sees; reports its end. */
  async #watch() {
    try {
      this.#reader = this.#kv.watch([this.#keys.seq]).getReader();
      while (!this.#stopped) {
        const { done } = await this.#reader.read();
        if (done) break;
        this.#wake();
      }
      if (!this.#stopped) this.#onError(new Error(`buses.denoKV: kv.watch ended${this.#pollMs > 0 ? `; polling every ${this.#pollMs} ms goes on` : "; these caches go by memoryTtl"}`));
    } catch (error) {
      if (!this.#stopped) this.#onError(error);
    }
  }

  /** Reads the log now, or once the running read ends. */
  #wake() {
    if (this.#stopped) return;
    if (this.#running !== null) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#running = this.#catchUp().finally(() => {
      this.#running = null;
      if (this.#again) {
        this.#again = false;
        this.#wake();
      } else if (this.#pollMs > 0 && !this.#stopped) {
        this.#timer = setTimeout(() => this.#wake(), this.#pollMs);
        unref(this.#timer);
      }
    });
  }

  async #catchUp() {
    try {
      const head = await this.#kv.get(this.#keys.seq);
      const seq = count(head.value);
      if (this.#applied === null) await this.#first(seq);
      else if (seq !== this.#applied) await this.#after(seq);
      this.#failing = false;
    } catch (error) {
      if (!this.#failing && !this.#stopped) this.#onError(error);
      this.#failing = true;
    }
  }

  /** The first read: what was published since the subscription began (give or take clock skew). */
  async #first(seq) {
    const recent = [];
    for await (const entry of this.#kv.list({ prefix: this.#keys.log, end: [...this.#keys.log, seq + 1] }, { reverse: true })) {
      if (!(entry.value?.at >= this.#since - SKEW_MS)) break;
      recent.push(entry);
    }
    this.#applied = seq;
    this.#deliver(messages(recent.reverse()));
  }

  /** The messages after the last one applied, up to `seq`; those already expired are reported. */
  async #after(seq) {
    const from = seq < this.#applied ? 0 : this.#applied; // the sequence entry was deleted: start over
    const entries = [];
    for await (const entry of this.#kv.list({ start: [...this.#keys.log, from + 1], end: [...this.#keys.log, seq + 1] })) entries.push(entry);
    this.#applied = seq;
    const found = messages(entries);
    this.#deliver(found);
    const lost = seq - from - found.length;
    if (lost > 0 && !this.#stopped) {
      this.#onError(new Error(`buses.denoKV: ${lost} message(s) expired before this subscriber read them (stalled longer than expireInMs); its caches go by memoryTtl for them`));
    }
  }

  #deliver(texts) {
    for (const text of texts) {
      if (this.#stopped) return;
      try {
        this.#onMessage(text);
      } catch (error) {
        this.#onError(error);
      }
    }
  }
}

/** The whole messages among log entries (in key order), each from all its chunks. */
function messages(entries) {
  const found = [];
  let parts = [];
  let n = null;
  for (const { key, value } of entries) {
    const [seq, chunk] = key.slice(-2);
    if (seq !== n) {
      n = seq;
      parts = [];
    }
    if (chunk !== parts.length || typeof value?.text !== "string") continue;
    parts.push(value.text);
    if (parts.length === value.of) found.push(parts.join(""));
  }
  return found;
}

/** A sequence entry's value as a count (0 when absent). */
function count(value) {
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}

function wholeMs(value, least, name, meaning) {
  if (!(Number.isSafeInteger(value) && value >= least && value <= MAX_MS)) {
    fail("E_CONFIG", `${WHERE}: ${name} must be a whole number of milliseconds from ${least} to ${MAX_MS} (${meaning}), got ${typeName(value)}`);
  }
}

/** A poll's timer does not keep the process running (Node's handle, or Deno's timer id). */
function unref(timer) {
  if (typeof timer === "object") timer.unref?.();
  else globalThis.Deno?.unrefTimer?.(timer);
}
