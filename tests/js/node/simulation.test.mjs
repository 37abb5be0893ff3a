// A deterministic simulation of the tiered engine: a seeded scheduler over virtual time
// drives three isolates (separate EdgeCache instances) over shared stores with random
// latency, failures, hung calls and lost writes; random get/set/delete/getOrSet/
// invalidateTags/warm/flush, with write-through and write-behind, one store or shards
// with replicas. After every operation it checks the invariants (see `Checker`).
//
// Virtual time: setTimeout/clearTimeout and performance.now are replaced while a run goes
// on; the scheduler lets every microtask run (a real setImmediate), then fires the next
// timer. Nothing else is asynchronous (the stores are in-process), so a seed replays
// exactly. SIM_OPS sets the operations per run, SIM_SEEDS how many seeds (1, 2, ...), SIM_SEED
// one seed to replay; `make soak` raises both. `make test` runs 6 × 35 000 operations, one
// seed per variant (VARIANTS).
import { test } from "node:test";
import { EdgeCache, stores } from "edgecache";
import { seeded } from "../cases/check.mjs";

/** The worlds simulated: seed n runs VARIANTS[(n - 1) % length]. */
const VARIANTS = [
  { writeMode: "through", sharded: false, lossy: false, stale: false },
  { writeMode: "behind", sharded: false, lossy: false, stale: false },
  { writeMode: "behind", sharded: true, lossy: false, stale: false },
  { writeMode: "through", sharded: true, lossy: true, stale: false },
  { writeMode: "through", sharded: false, lossy: false, stale: true },
  { writeMode: "behind", sharded: true, lossy: false, stale: true },
];
const OPS = Number(process.env.SIM_OPS ?? 35_000);
const SEEDS = process.env.SIM_SEED
  ? [Number(process.env.SIM_SEED)]
  : Array.from({ length: Number(process.env.SIM_SEEDS ?? VARIANTS.length) }, (_, i) => i + 1);
const KEYS = ["a", "b", "c", "d", "e"];
const TAGGED = ["t1", "t2", "t3"];
const TAGS = ["red", "blue"];
/** How long memory keeps an entry and trusts a tag generation (ms). */
const MEMORY_TTL = 5_000;
const STORE_TIMEOUT = 1_000;

/** Timers and a clock that only move when the scheduler says so. */
class VirtualTime {
  t = 1_000_000;
  #timers = [];
  #seq = 0;
  #saved = null;

  install() {
    this.#saved = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout, now: performance.now };
    globalThis.setTimeout = (fn, ms = 0, ...args) => {
      const timer = { at: this.t + Math.max(0, Number(ms) || 0), seq: this.#seq++, fn: () => fn(...args), unref() {}, ref() {} };
      this.#timers.push(timer);
      return timer;
    };
    globalThis.clearTimeout = (timer) => {
      if (timer) timer.cleared = true;
    };
    performance.now = () => this.t;
  }

  uninstall() {
    globalThis.setTimeout = this.#saved.setTimeout;
    globalThis.clearTimeout = this.#saved.clearTimeout;
    performance.now = this.#saved.now;
  }

  /** Runs every microtask queued now (and those they queue). */
  settle() {
    return new Promise((resolve) => setImmediate(resolve));
  }

  /** Moves time on by `ms`, firing each timer due on the way, in order. */
  async advance(ms) {
    const target = this.t + ms;
    await this.settle();
    for (;;) {
      this.#timers = this.#timers.filter((x) => !x.cleared);
      let next = null;
      for (const x of this.#timers) if (next === null || x.at < next.at || (x.at === next.at && x.seq < next.seq)) next = x;
      if (next === null || next.at > target) break;
      this.#timers.splice(this.#timers.indexOf(next), 1);
      this.t = Math.max(this.t, next.at);
      next.fn();
      await this.settle();
    }
    this.t = target;
    await this.settle();
  }
}

/**
 * A shared store with faults: each call answers after a random latency; some fail, some
 * never answer, and (when `lossy`) some writes are acknowledged and not applied. A write
 * takes effect when it answers, so calls overtake each other.
 */
function faultyStore(vt, rng, faults, applied) {
  const data = stores.memory({ now: () => vt.t });
  const log = (v) => {
    const body = v.slice(v.indexOf("\n") + 1);
    if (body.startsWith("{")) applied.add(JSON.parse(body).version);
  };
  const call = (apply, write) => {
    const latency = rng.int(40);
    const roll = rng.next();
    if (faults.on && roll < faults.hang) return new Promise(() => {});
    return new Promise((resolve, reject) => {
      setTimeout(() => {
        if (faults.on && roll < faults.hang + faults.fail) reject(new Error("store down"));
        else if (faults.on && write && roll < faults.hang + faults.fail + faults.lose) resolve(undefined);
        else apply().then(resolve, reject);
      }, latency);
    });
  };
  return {
    data,
    store: {
      limits: data.limits,
      get: (k) => call(() => data.get(k), false),
      set: (k, v, o) =>
        call(() => {
          log(v);
          return data.set(k, v, o);
        }, true),
      delete: (k) => call(() => data.delete(k), true),
    },
  };
}

/** Operation sequence numbers, and what each write was. */
class History {
  seq = 0;
  /** version -> { key, startedAt, doneAt (seq), tags } */
  versions = new Map();
}

/**
 * The invariants, checked as operations end:
 * - a read never returns another key's value;
 * - in one isolate, a completed set of an untagged key is what every later get of it returns (within
 *   memoryTtl of the set, until the isolate writes the key again); after a completed
 *   delete, a get returns nothing written before the delete began;
 * - an entry written before an invalidation of its tag began is not returned by a get that
 *   begins after it ended (in the invalidating isolate) or memoryTtl after (elsewhere);
 * - every promise settles; after quiet time, every isolate agrees with the store.
 */
class Checker {
  failures = [];
  /** isolate -> key -> { op: "set" | "delete", version, startedAt, startedSeq, doneSeq } */
  lastWrite = new Map();
  /** isolate -> key -> number of write operations started */
  writesStarted = new Map();
  /** tag -> [{ isolate, startedSeq, doneSeq, doneAt }] */
  invalidations = new Map();

  constructor(history, vt, { lossy, sharded }) {
    this.history = history;
    this.vt = vt;
    this.lossy = lossy;
    this.sharded = sharded;
  }

  fail(message) {
    if (this.failures.length < 5) this.failures.push(message);
  }

  writeStarted(isolate, key) {
    const per = this.writesStarted.get(isolate) ?? new Map();
    this.writesStarted.set(isolate, per);
    per.set(key, (per.get(key) ?? 0) + 1);
    return per.get(key);
  }

  writeDone(isolate, key, record) {
    const per = this.lastWrite.get(isolate) ?? new Map();
    this.lastWrite.set(isolate, per);
    per.set(key, record);
  }

  /** A get of `key` in `isolate` that began at `started` (seq, time, writes started) returned `value`. */
  read(isolate, key, value, started) {
    if (value !== undefined && value !== null && value.key !== key) {
      this.fail(`${isolate} get(${key}) returned ${JSON.stringify(value)}, another key's value`);
      return;
    }
    const last = this.lastWrite.get(isolate)?.get(key);
    const writes = this.writesStarted.get(isolate)?.get(key) ?? 0;
    // Only reads that began after the isolate's last write of the key ended, with no other
    // write of it begun since, inside the memory tier's time for that write.
    // Untagged keys only: an invalidation (from any isolate) may make a tagged set a miss.
    if (!TAGGED.includes(key) && last !== undefined && last.doneSeq < started.seq && writes === last.writeNumber && started.at < last.startedAt + MEMORY_TTL) {
      if (last.op === "set" && value?.version !== last.version) {
        this.fail(`${isolate} get(${key}) after its set of v${last.version} returned ${JSON.stringify(value)}`);
      }
      // Not with a store that loses writes (it may have lost the delete), nor with replicas:
      // another isolate's read that ran across the delete may repair the primary from a
      // replica the delete had not reached yet (read-repair has no compare-and-set; README).
      if (last.op === "delete" && value != null && !this.lossy && !this.sharded) {
        const w = this.history.versions.get(value.version);
        if (w.doneSeq !== undefined && w.doneSeq < last.startedSeq) {
          this.fail(`${isolate} get(${key}) after its delete returned v${value.version}, written before the delete began`);
        }
      }
    }
    if (value != null && TAGGED.includes(key)) this.#checkTags(isolate, key, value, started);
  }

  invalidated(isolate, tag, startedSeq) {
    const list = this.invalidations.get(tag) ?? [];
    this.invalidations.set(tag, list);
    list.push({ isolate, startedSeq, doneSeq: this.history.seq, doneAt: this.vt.t });
  }

  #checkTags(isolate, key, value, started) {
    const w = this.history.versions.get(value.version);
    if (w.doneSeq === undefined) return;
    for (const tag of w.tags) {
      for (const inv of this.invalidations.get(tag) ?? []) {
        if (!(w.doneSeq < inv.startedSeq)) continue; // written after (or while) it began
        const same = inv.isolate === isolate;
        if (!same && this.lossy) continue; // the invalidation's store write may be lost
        const bound = same ? inv.doneSeq : null;
        const late = same ? started.seq > bound : started.at >= inv.doneAt + MEMORY_TTL + STORE_TIMEOUT;
        if (late) {
          this.fail(`${isolate} get(${key}) returned v${value.version} (tag ${tag}), invalidated by ${inv.isolate} before the read began`);
          return;
        }
      }
    }
  }
}

async function simulate(seed, { writeMode, sharded, lossy, stale }) {
  const rng = seeded(seed);
  const vt = new VirtualTime();
  const faults = { on: true, hang: 0.01, fail: 0.04, lose: lossy ? 0.02 : 0 };
  /** Versions some store applied a write of */
  const applied = new Set();
  const shards = Array.from({ length: sharded ? 3 : 1 }, () => faultyStore(vt, rng, faults, applied));
  const history = new History();
  const checker = new Checker(history, vt, { lossy, sharded });
  vt.install();
  try {
    const events = { deadLetters: 0 };
    /** write-behind: key -> the last set accepted ({ version, at }), and dead letters (key -> [seq]) */
    const accepted = new Map();
    const deadLettered = new Map();
    const make = (name, mode) =>
      new EdgeCache({
        store: sharded ? shards.map((s) => s.store) : shards[0].store,
        ...(sharded ? { replicas: 2 } : {}),
        now: () => vt.t,
        // With `stale`, entries expire fast and are served stale (and refreshed) meanwhile:
        // memory keeps them as long as the checks assume (MEMORY_TTL).
        ...(stale ? { ttl: 300, staleWhileRevalidate: 2 * MEMORY_TTL, earlyRefresh: name === "C" } : { ttl: 3_600_000 }),
        seed: seed * 16 + name.charCodeAt(0), // the engine's randomness replays too
        memoryTtl: MEMORY_TTL,
        timeout: STORE_TIMEOUT,
        loaderTimeout: 2_000,
        writeMode: mode,
        ...(mode === "behind" ? { writeBehind: { maxDelay: 20, retries: 2 } } : {}),
        onEvent: (e) => {
          if (e.type !== "dead-letter") return;
          events.deadLetters++;
          deadLettered.set(e.key, history.seq);
        },
      });
    const modes = { A: "through", B: writeMode, C: "through" };
    const isolates = Object.entries(modes).map(([name, mode]) => [name, make(name, mode)]);
    const pending = new Set();
    let settled = 0;
    /** A digest of every outcome in order: the same seed must give the same digest. */
    let digest = 0x811c9dc5;
    const note = (text) => {
      for (let i = 0; i < text.length; i++) digest = Math.imul(digest ^ text.charCodeAt(i), 0x01000193);
    };
    let version = 0;
    // A value is "written" (`doneSeq`) once a write-through set of it resolved: the store
    // has it. Loads and write-behind sets reach the store later, in the background.
    const valueOf = (key, tags) => {
      version++;
      history.versions.set(version, { key, tags, startedSeq: history.seq });
      return { key, version };
    };
    const done = (v) => {
      const w = history.versions.get(v.version);
      if (w.doneSeq === undefined) w.doneSeq = history.seq;
    };
    const run = (promise) => {
      const tracked = promise.then(
        (v) => note(`${vt.t}:${JSON.stringify(v ?? null)};`),
        (e) => note(`${vt.t}:${e?.code ?? e};`),
      ).finally(() => {
        pending.delete(tracked);
        settled++;
      });
      tracked.catch(() => {});
      pending.add(tracked);
    };
    const started = () => ({ seq: ++history.seq, at: vt.t });

    for (let op = 0; op < OPS; op++) {
      const [name, cache] = isolates[rng.int(isolates.length)];
      const tagged = rng.next() < 0.3;
      const key = tagged ? TAGGED[rng.int(TAGGED.length)] : KEYS[rng.int(KEYS.length)];
      const tags = tagged ? [TAGS[rng.int(TAGS.length)]] : undefined;
      const roll = rng.next();
      if (roll < 0.35) {
        const s = started();
        run(cache.get(key).then((v) => checker.read(name, key, v, s)));
      } else if (roll < 0.55) {
        const s = started();
        const writeNumber = checker.writeStarted(name, key);
        const value = valueOf(key, tags ?? []);
        run(
          cache.set(key, value, tags ? { tags } : undefined).then(() => {
            if (modes[name] === "through") done(value);
            else accepted.set(key, { version: value.version, seq: ++history.seq, writeNumber });
            checker.writeDone(name, key, { op: "set", version: value.version, startedAt: s.at, startedSeq: s.seq, doneSeq: ++history.seq, writeNumber });
          }),
        );
      } else if (roll < 0.65) {
        const s = started();
        const writeNumber = checker.writeStarted(name, key);
        run(
          cache.delete(key).then(() => {
            checker.writeDone(name, key, { op: "delete", startedAt: s.at, startedSeq: s.seq, doneSeq: ++history.seq, writeNumber });
          }),
        );
      } else if (roll < 0.85) {
        checker.writeStarted(name, key);
        const latency = rng.int(60);
        const fails = rng.next() < 0.1;
        const loader = async () => {
          const value = valueOf(key, tags ?? []);
          await new Promise((r) => setTimeout(r, latency));
          if (fails) throw new Error("database down");
          return value;
        };
        run(
          cache.getOrSet(key, loader, tags ? { tags } : undefined).then((v) => {
            if (v?.key !== key) checker.fail(`${name} getOrSet(${key}) returned ${JSON.stringify(v)}`);
          }),
        );
      } else if (roll < 0.9) {
        const tag = TAGS[rng.int(TAGS.length)];
        const s = started();
        run(cache.invalidateTags([tag]).then(() => checker.invalidated(name, tag, s.seq)));
      } else if (roll < 0.95) {
        checker.writeStarted(name, key);
        const value = valueOf(key, tags ?? []);
        run(cache.warm([{ key, value, ...(tags ? { tags } : {}) }]).then((r) => r.warmed === 1 && modes[name] === "through" && done(value)));
      } else {
        run(cache.flush());
      }
      await vt.advance(rng.int(10));
      if (checker.failures.length > 0) break;
    }

    // Quiet time: no more faults; everything settles; memory and tag trust run out.
    faults.on = false;
    await vt.advance(10 * 60_000);
    for (const [, cache] of isolates) run(cache.flush());
    await vt.advance(10 * 60_000);
    if (pending.size > 0) checker.fail(`${pending.size} operations still pending after 20 minutes of quiet`);
    // Write-behind loses nothing it accepted: the last write of each key (a set) reached a
    // store, or the key was dead-lettered after it was accepted.
    for (const [key, { version: v, seq, writeNumber }] of accepted) {
      if (checker.writesStarted.get("B").get(key) !== writeNumber) continue; // a later write of B's replaced it
      if (!applied.has(v) && !(deadLettered.get(key) > seq)) checker.fail(`write-behind accepted v${v} of ${key}; it never reached the store and was not dead-lettered`);
    }
    const reader = make("reader", "through");
    for (const key of [...KEYS, ...TAGGED]) {
      const reads = [];
      for (const [, cache] of [["reader", reader], ...isolates]) {
        const p = cache.get(key);
        await vt.advance(100);
        reads.push(await p);
      }
      const versions = reads.map((v) => v?.version ?? null);
      if (new Set(versions).size > 1 && !sharded) checker.fail(`after quiet time the isolates disagree on ${key}: ${versions.join(" / ")}`);
    }
    return { failures: checker.failures, settled, deadLetters: events.deadLetters, digest: (digest >>> 0).toString(16) };
  } finally {
    vt.uninstall();
  }
}


for (const seed of SEEDS) {
  const variant = VARIANTS[(seed - 1) % VARIANTS.length];
  const name = `simulation seed ${seed}: ${OPS} operations, ${variant.writeMode}${variant.sharded ? ", 3 shards, 2 replicas" : ", one store"}${variant.lossy ? ", lost writes" : ""}${variant.stale ? ", stale-while-revalidate and early refresh" : ""}`;
  test(name, async () => {
    const { failures, settled, deadLetters, digest } = await simulate(seed, variant);
    console.log(`${name}: ${settled} operations settled and checked, ${deadLetters} dead letters, digest ${digest}`);
    if (failures.length > 0) throw new Error(`seed ${seed} (rerun: SIM_SEED=${seed}):\n${failures.join("\n")}`);
  });
}
