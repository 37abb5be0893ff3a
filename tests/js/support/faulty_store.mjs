// A store wrapper that injects faults, for testing what the engine does when a store fails,
// hangs or returns garbage. Runtime-neutral (no Node APIs): it runs in Node, Deno, workerd
// and Chromium alike.
import { seeded } from "../cases/check.mjs";

const OPS = ["get", "set", "delete", "getMany"];

/**
 * Wraps `store` (same contract: name, limits, get, set, delete, getMany where the store has
 * it) and injects faults. Every call draws exactly one number from a PRNG seeded with `seed`,
 * so the random schedule depends only on the order of calls: with the same seed and the
 * same calls, the same calls fail. Per call, with that draw `u`:
 * `u < failRate` rejects; else `u < failRate + stallRate` parks the call until
 * `releaseAll()`; else, for reads, `u < failRate + stallRate + corruptRate` corrupts the
 * values read. Explicit controls come first: `down(true)` rejects everything, `failNext(n,
 * op?)` rejects the next n calls (of `op`, or of any op), `stall()` parks every call until
 * the release function it returns is called, `corruptNext(n)` corrupts the next n reads.
 * `calls` counts calls per op; `log` records each call with the fault it got.
 * @param {object} store a store following the KvStore contract
 * @param {{ seed?: number, failRate?: number, stallRate?: number, corruptRate?: number }} [options]
 */
export function faulty(store, { seed = 1, failRate = 0, stallRate = 0, corruptRate = 0 } = {}) {
  for (const [name, rate] of Object.entries({ failRate, stallRate, corruptRate })) {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`faulty: ${name} must be in [0, 1], got ${rate}`);
  }
  if (failRate + stallRate + corruptRate > 1) throw new RangeError("faulty: the rates must add up to at most 1");
  const rng = seeded(seed);
  const junk = seeded(seed ^ 0x5bd1e995); // garbage text, kept off the schedule's sequence
  const calls = { get: 0, set: 0, delete: 0, getMany: 0 };
  const log = [];
  const pending = [];
  let isDown = false;
  let stalled = false;
  let corruptions = 0;
  let failures = { n: 0, op: undefined };

  const park = () => new Promise((resolve) => pending.push(resolve));
  const releaseAll = () => {
    stalled = false;
    for (const resolve of pending.splice(0)) resolve();
  };
  const garbage = (value) => {
    const kept = typeof value === "string" ? value.slice(0, junk.int(value.length + 1)) : "";
    return `${kept}\u0000${junk.next().toString(36).slice(2)}`;
  };

  /** Runs one call of `op` through the fault schedule. */
  async function call(op, args, run) {
    calls[op]++;
    const u = rng.next();
    const entry = { op, ...args, fault: null };
    log.push(entry);
    if (isDown) entry.fault = "down";
    else if (failures.n > 0 && (failures.op === undefined || failures.op === op)) {
      failures.n--;
      entry.fault = "fail";
    } else if (stalled) entry.fault = "stall";
    else if (u < failRate) entry.fault = "fail";
    else if (u < failRate + stallRate) entry.fault = "stall";
    else if ((op === "get" || op === "getMany") && (corruptions > 0 || u < failRate + stallRate + corruptRate)) {
      if (corruptions > 0) corruptions--;
      entry.fault = "corrupt";
    }
    if (entry.fault === "down") throw new Error(`faulty store: down (${op} #${calls[op]})`);
    if (entry.fault === "fail") throw new Error(`faulty store: injected failure (${op} #${calls[op]})`);
    if (entry.fault === "stall") await park();
    const result = await run();
    if (entry.fault !== "corrupt") return result;
    return op === "get" ? garbage(result) : result.map(garbage);
  }

  const wrapper = {
    name: store.name,
    limits: store.limits,
    get: (key) => call("get", { key }, () => store.get(key)),
    set: (key, value, opts) => call("set", { key, ttl: opts?.ttl }, () => store.set(key, value, opts)),
    delete: (key) => call("delete", { key }, () => store.delete(key)),
    calls,
    log,
    /** Calls parked by a stall, waiting for a release. */
    get parked() {
      return pending.length;
    },
    /** Rejects the next `n` calls of `op` (or of any op). */
    failNext(n, op) {
      if (op !== undefined && !OPS.includes(op)) throw new TypeError(`faulty: op must be one of ${OPS.join(", ")}`);
      failures = { n, op };
    },
    /** Parks every call from now on; returns the function that releases them (and ends the stall). */
    stall() {
      stalled = true;
      return releaseAll;
    },
    /** Releases every parked call, from `stall()` or from `stallRate`, and ends a stall. */
    releaseAll,
    /** The next `n` reads (get, getMany) return garbage, also for absent keys: a truncated value, a NUL, noise. */
    corruptNext(n) {
      corruptions = n;
    },
    /** While down, every call rejects. */
    down(isNowDown) {
      isDown = isNowDown;
    },
  };
  if (typeof store.getMany === "function") {
    wrapper.getMany = (keys) => call("getMany", { keys: [...keys] }, () => store.getMany(keys));
  }
  return wrapper;
}
