// A bus in a Durable Object, for Workers: an isolate cannot keep a subscription open across
// requests (its sockets belong to the request that opened them), so this bus is pulled.
// One object (`idFromName(name)`) keeps the recent messages in order; a cache publishes to
// it, and asks it for the messages after the last one it saw, at most every `pollMs`, in the
// background of one of its own calls.
import { fail, typeName, describe } from "../errors.js";
import { checkOptions, expectMethods } from "../stores/args.js";
import { newToken } from "../coordinators/check.js";
import { callObject } from "../durable_objects.js";

const WHERE = "buses.durableObject(namespace, { name, pollMs })";
const ORIGIN = "https://bus.edgecache.invalid";
/** Most messages the object keeps; an isolate that falls further behind has lost some. */
const KEPT_MESSAGES = 1000;
/**
 * Most characters of messages the object keeps (a message holds at most 16 Ki): what it
 * holds, and what one poll's answer carries, stay a few MiB; an isolate further behind has
 * lost some.
 */
const KEPT_CHARS = 4 * 1024 * 1024;
/** How long the object keeps a message (ms); an isolate idle longer has lost some. */
const KEPT_MS = 5 * 60_000;
/**
 * What an isolate's first poll gets (ms back): the reads it started before that poll
 * answered (each within the store timeouts) may have found a copy a message of that time
 * replaced; delivered again, such a message only drops a copy to read again.
 */
const FIRST_POLL_MS = 30_000;

/**
 * A pull bus over a Durable Object namespace binding (`env.BUS`) whose class is
 * {@link EdgeCacheBus} (export it from the Worker: `export { EdgeCacheBus } from
 * "edgecache"`, and bind it in wrangler's `durable_objects`). All caches that share `name`
 * (default "edgecache") share one object. `pollMs` (default 1000, at most 300 000): how
 * often a cache asks it for new messages, on the cache's clock; each ask is one request to
 * the object.
 * @param {DurableObjectNamespace} namespace
 * @param {{ name?: string, pollMs?: number }} [options]
 */
export function durableObject(namespace, options) {
  expectMethods(namespace, ["idFromName", "get"], WHERE, "a Durable Object namespace binding (env.BUS) of the class EdgeCacheBus");
  const { name = "edgecache", pollMs = 1000 } = checkOptions(options, ["name", "pollMs"], WHERE);
  if (typeof name !== "string" || name.length === 0) fail("E_CONFIG", `${WHERE}: name must be a non-empty string, got ${typeName(name)}`);
  if (!(typeof pollMs === "number" && pollMs >= 1 && pollMs <= KEPT_MS)) {
    fail("E_CONFIG", `${WHERE}: pollMs must be a number of milliseconds from 1 to ${KEPT_MS} (the object keeps a message 5 minutes: polled less often, a cache would find messages lost at each poll), such as 1000, got ${typeName(pollMs)} ${describe(pollMs)}`);
  }
  /**
   * Where each cache using this bus is in the object's sequence (`{ epoch, seq }`), by the
   * `poller` it polls as: caches given one bus object each keep their own.
   */
  const cursors = new WeakMap();
  const call = (body) => callObject(namespace, name, ORIGIN, body, "bus object");
  return {
    pollMs,
    async publish(message) {
      await call({ op: "publish", message });
    },
    async poll(poller = cursors) {
      const at = cursors.get(poller) ?? null;
      const got = await call({ op: "since", epoch: at?.epoch ?? null, seq: at?.seq ?? 0 });
      // A late answer (a poll given up on, another answered since) is dropped: it could move
      // the cursor back, even to an evicted incarnation; the next poll asks from the new one.
      if ((cursors.get(poller) ?? null) !== at) return [];
      cursors.set(poller, { epoch: got.epoch, seq: got.seq });
      if (got.lost && at !== null) return null;
      return got.messages ?? [];
    },
  };
}

/**
 * The Durable Object class behind `buses.durableObject`: the last 1000 messages of the last
 * 5 minutes (at most 4 Mi characters), in memory, numbered. An evicted object starts a new epoch: the isolates that
 * poll it next have lost what it held, and empty their memory tiers.
 */
export class EdgeCacheBus {
  /** This incarnation's id (drawn at the first request: Workers forbid randomness earlier). */
  #epoch = null;
  #seq = 0;
  /** `{ seq, at, message }`, oldest first */
  #log = [];
  /** The characters of the messages in `#log` */
  #chars = 0;

  /**
   * Answers `{ op: "publish", message }` with `{ epoch, seq }`, and `{ op: "since", epoch,
   * seq }` with `{ epoch, seq, messages }` (those after `seq`; with `epoch` null, an isolate's
   * first poll, those of the last 30 s) or `{ epoch, seq, lost: true }` when some of them are
   * no longer kept (or `epoch` is another incarnation's).
   */
  async fetch(request) {
    const body = await request.json();
    this.#epoch ??= newToken();
    const now = Date.now();
    this.#trim(now);
    const head = { epoch: this.#epoch, seq: this.#seq };
    if (body?.op === "publish" && typeof body.message === "string") {
      this.#log.push({ seq: ++this.#seq, at: now, message: body.message });
      this.#chars += body.message.length;
      this.#trim(now);
      return Response.json({ epoch: this.#epoch, seq: this.#seq });
    }
    if (body?.op === "since" && Number.isSafeInteger(body.seq)) {
      if (body.epoch === null) return Response.json({ ...head, messages: this.#log.filter((m) => m.at >= now - FIRST_POLL_MS).map((m) => m.message) });
      if (body.epoch !== this.#epoch) return Response.json({ ...head, lost: true });
      const oldest = this.#log.length > 0 ? this.#log[0].seq : this.#seq + 1;
      if (body.seq < oldest - 1) return Response.json({ ...head, lost: true });
      return Response.json({ ...head, messages: this.#log.filter((m) => m.seq > body.seq).map((m) => m.message) });
    }
    return new Response('expected { op: "publish", message } or { op: "since", epoch, seq }', { status: 400 });
  }

  /** Drops the oldest messages beyond what the object keeps (their number, characters, age). */
  #trim(now) {
    while (this.#log.length > 0 && (this.#log.length > KEPT_MESSAGES || this.#chars > KEPT_CHARS || this.#log[0].at < now - KEPT_MS)) {
      this.#chars -= this.#log.shift().message.length;
    }
  }
}
