// The bus (option `bus`): what a cache changes in the store (a set, a delete, a tag
// invalidation, a clear) is told to the caches of other isolates over one channel, so that
// they drop it from their memory tiers at once instead of after memoryTtl. A message is a
// small JSON text: the namespace (a cache ignores other namespaces'), the sender's id (a
// cache ignores its own) and the changes: keys (never values: the next read goes to the
// store), tags with the generation the store now holds, a clear.
//
// Nothing waits for the bus: a message goes out in the background once the store has the
// change (a receiver that re-reads finds it), the changes of one microtask in one message
// (or several, each within 16 Ki characters).
// A bus that fails, hangs or loses messages only brings back the memoryTtl bound: each
// failure is an `error` event (tier "bus"), never a failure of a cache call.
import { EdgeCacheError, describe, fail, typeName } from "../errors.js";
import { emit } from "./reporting.js";
import { elapsedClock, withTimeout } from "./timeout.js";

/** The message format's version: a message of another version is ignored. */
const VERSION = 1;
/**
 * The longest message (characters) unless one change is longer: the changes of one
 * microtask (a deleteMany of thousands of keys) go in as many messages as they need, so
 * that each fits buses with small limits (a Deno KV value holds 64 KiB).
 */
const MAX_MESSAGE_CHARS = 16 * 1024;

/**
 * Checks the `bus` option: `{ publish(message), subscribe(onMessage, onError?) }`, or a
 * pull bus `{ publish(message), poll(poller), pollMs }` (see README "Bus"). Throws E_CONFIG
 * naming what is missing.
 */
export function checkBus(bus) {
  const isObject = typeof bus === "object" && bus !== null;
  const pull = isObject && typeof bus.poll === "function";
  const missing = isObject ? ["publish", pull ? "poll" : "subscribe"].filter((m) => typeof bus[m] !== "function") : [];
  if (pull && !(typeof bus.pollMs === "number" && bus.pollMs >= 1 && bus.pollMs <= 2 ** 31 - 1)) missing.push("pollMs (1 to 2^31 - 1 ms)");
  if (isObject && missing.length === 0) return bus;
  const got = isObject ? `an object without ${missing.join("/")}` : typeName(bus);
  fail("E_CONFIG", `EdgeCache: option bus must be { publish(message), subscribe(onMessage) } such as buses.redis(client) or buses.broadcastChannel(name), or { publish(message), poll(poller), pollMs } such as buses.durableObject(env.BUS), got ${got}`);
}

/** One cache's end of the bus: sends its changes, applies the other caches'. */
export class BusLink {
  #c;
  #bus;
  /** This cache's id in its messages: made on the first send (no randomness at import/construction in Workers) */
  #id = null;
  /** Changes waiting for the end of the microtask, or null */
  #queued = null;
  #unsubscribe = null;
  /** Whether messages are no longer applied (the cache is being disposed) */
  #closed = false;
  /** How long a publish may take before it counts as failed (ms): the store timeout */
  #boundMs;
  /** Messages ignored because they did not parse (the first is reported) */
  #ignored = 0;

  /** Until when (elapsedClock) the poll in flight may still answer; 0: none in flight */
  #pollingUntil = 0;
  /** Who polls, as a pull bus sees it: one bus may serve several caches, each with its cursor */
  #poller = Object.freeze({});

  /** @param {*} c the cache's shared state (configure.js), its tags and clears set */
  constructor(c, bus) {
    this.#c = c;
    this.#bus = bus;
    this.#boundMs = c.engine.timeout();
    if (typeof bus.poll === "function") {
      c.busPollAt = -Infinity; // polled on the first call
      return;
    }
    try {
      const unsubscribe = bus.subscribe((message) => this.#receive(message), (error) => this.#failed(error, "subscriber failed"));
      if (typeof unsubscribe === "function") this.#unsubscribe = unsubscribe;
    } catch (error) {
      this.#failed(error, "subscribe threw");
    }
  }

  /** `key` was deleted from the store (or the delete was tried). */
  deleted(key) {
    this.#send(["d", key]);
  }

  /** `key` was set in the store (or the write was tried). */
  set(key) {
    this.#send(["s", key]);
  }

  /** `tags` were raised to `generations` in the store. */
  invalidated(tags, generations) {
    tags.forEach((tag, i) => this.#send(["t", tag, generations[i]]));
  }

  /** The namespace was cleared (its clear epoch moved in the store). */
  cleared() {
    this.#send(["c"]);
  }

  /**
   * A pull bus is due at `now` (the cache's clock; see monitor.js): asks it for the messages
   * since its last poll, in the background, one poll at a time (one given up on after the
   * store timeout: in Workers it may have been cancelled with its request). Messages
   * lost (the bus answers null) count as a clear made elsewhere: the memory tier empties.
   */
  poll(now) {
    const c = this.#c;
    if (this.#closed || elapsedClock() < this.#pollingUntil) return;
    c.busPollAt = now + this.#bus.pollMs;
    const boundMs = this.#boundMs;
    const until = elapsedClock() + boundMs;
    this.#pollingUntil = until;
    const polled = new Promise((resolve) => resolve(this.#bus.poll(this.#poller)))
      .then((messages) => {
        if (messages === null) {
          if (!this.#closed) c.clears.clearedElsewhere();
          return this.#failed(new Error("bus: messages were lost (the bus no longer held them when this isolate asked); this isolate's memory tier was emptied"), "messages lost");
        }
        if (!Array.isArray(messages)) throw new EdgeCacheError("E_ARGUMENT", `bus: poll(poller) must resolve to an array of messages or null, got ${typeName(messages)}`);
        for (const message of messages) this.#receive(message);
      })
      .catch((error) => this.#failed(error, "poll failed"))
      .finally(() => {
        if (this.#pollingUntil === until) this.#pollingUntil = 0;
      });
    // Its own failures are reported above; a poll given up on is reported here.
    c.background.add(withTimeout(polled, boundMs, "bus poll").catch((error) => this.#failed(error, "poll failed")), boundMs + 1);
  }

  /**
   * No message is applied from now on (what this cache changed still goes out); the
   * subscription ends. An unsubscribe that returns a promise is awaited by `flush` (and so
   * by `dispose`) within the store timeout.
   */
  close() {
    this.#closed = true;
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = null;
    try {
      const ended = unsubscribe?.();
      if (typeof ended?.then !== "function") return;
      const boundMs = this.#boundMs;
      this.#c.background.add(withTimeout(Promise.resolve(ended), boundMs, "bus unsubscribe").catch((error) => this.#failed(error, "unsubscribe failed")), boundMs + 1);
    } catch (error) {
      this.#failed(error, "unsubscribe threw");
    }
  }

  #send(change) {
    if (this.#queued !== null) {
      this.#queued.push(change);
      return;
    }
    this.#queued = [change];
    queueMicrotask(() => this.#publish());
  }

  #publish() {
    const ops = this.#queued;
    this.#queued = null;
    this.#id ??= randomId();
    const head = `{"edgecache":${VERSION},"ns":${JSON.stringify(this.#c.namespace)},"from":"${this.#id}","ops":[`;
    for (const batch of batches(ops.map((op) => JSON.stringify(op)), MAX_MESSAGE_CHARS - head.length - 2)) {
      const message = `${head}${batch.join(",")}]}`;
      const boundMs = this.#boundMs;
      const sent = new Promise((resolve) => resolve(this.#bus.publish(message)));
      // Never awaited by a cache call: a hung publish is given up after the store timeout.
      this.#c.background.add(withTimeout(sent, boundMs, "bus publish").catch((error) => this.#failed(error, "publish failed")), boundMs + 1);
    }
  }

  #receive(message) {
    if (this.#closed) return;
    const parsed = parse(message);
    if (parsed === null) return this.#ignore(message);
    const c = this.#c;
    if (parsed.ns !== c.namespace || (this.#id !== null && parsed.from === this.#id)) return;
    try {
      for (const op of parsed.ops) {
        if (op[0] === "c") c.clears.clearedElsewhere();
        else if (op[0] === "t") c.tags.invalidatedElsewhere(op[1], op[2]);
        else {
          // What runs for the key here may have read the store before the change: not kept.
          c.coordinator.supersede(op[1]);
          c.memory?.delete(op[1]);
        }
      }
    } catch {
      this.#ignore(message); // a key no cache could have (its bus's callback must not throw)
    }
  }

  /** `message` is not one of ours: counted, the first reported. */
  #ignore(message) {
    if (this.#ignored++ > 0) return;
    const error = new EdgeCacheError("E_ARGUMENT", `bus: a message that is not an edgecache message was ignored (${describe(String(message).slice(0, 80))}); give each bus a channel of its own`);
    this.#failed(error, "unparsable message");
  }

  #failed(error, reason) {
    emit(this.#c, { type: "error", tier: "bus", reason, error });
  }
}

/**
 * `{ ns, from, ops }` of a message, or null when it is not one of ours (of this version),
 * whatever it holds: it comes from outside.
 */
function parse(message) {
  if (typeof message !== "string") return null;
  let m;
  try {
    m = JSON.parse(message);
  } catch {
    return null;
  }
  if (typeof m !== "object" || m === null || m.edgecache !== VERSION) return null;
  const { ns, from, ops } = m;
  if (typeof ns !== "string" || typeof from !== "string" || !Array.isArray(ops) || !ops.every(wellFormed)) return null;
  return { ns, from, ops };
}

/** Whether `op` is a change a message may carry. */
function wellFormed(op) {
  if (!Array.isArray(op)) return false;
  switch (op[0]) {
    case "c":
      return op.length === 1;
    case "d":
    case "s":
      return op.length === 2 && typeof op[1] === "string";
    case "t":
      return op.length === 3 && typeof op[1] === "string" && Number.isSafeInteger(op[2]) && op[2] >= 0;
    default:
      return false;
  }
}

/**
 * `texts` in order, in runs whose joined length (with commas) stays within `room`
 * characters; a text longer than that goes alone.
 */
function batches(texts, room) {
  const runs = [];
  let run = [];
  let length = 0;
  for (const text of texts) {
    if (run.length > 0 && length + 1 + text.length > room) {
      runs.push(run);
      run = [];
      length = 0;
    }
    length += (run.length > 0 ? 1 : 0) + text.length;
    run.push(text);
  }
  runs.push(run);
  return runs;
}

/** A cache's id in its messages: 96 random bits (crypto.randomUUID needs a secure context in browsers). */
function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
