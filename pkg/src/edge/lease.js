// Cross-isolate single flight: of the isolates that miss one key at once, or refresh its
// stale entry at once, the one that takes the key's lease (from the `coordinator` option)
// loads it and writes the store; the others poll the store until its value is there. The
// protocol is I/O and lives here; its times come from the engine's bounds (readBound,
// loadBound).
//
// Rules: a lease lasts as long as a load and its store write may take (or the
// coordinator's `leaseMs`); its holder releases it once the write settled (or the load
// failed or was skipped), a write queued behind once it lands (or its lease expires). A waiter
// polls with backoff, trying the lease again at each poll: it takes over once the lease is
// released without a value or expires (its holder died), re-reading the store first. A
// waiter loads anyway once `leaseMs` + a load bound have passed, so no call waits for
// ever. A coordinator that fails or does not answer within the store `timeout` is an
// `error` event (tier "coordinator") and the isolate loads on its own (per-isolate single
// flight, as without a coordinator). `forceRefresh` loads without a lease: the caller asked
// for its own load.
import { readStore } from "./read_path.js";
import { emit } from "./reporting.js";
import { elapsedClock, withTimeout } from "./timeout.js";

/** The first pause of a waiter between polls (ms); it doubles up to MAX_POLL_MS. */
const FIRST_POLL_MS = 5;
const MAX_POLL_MS = 50;
/** Longest lease key (bytes): longer data keys are digested (Deno KV keys take 2 KiB). */
const LEASE_KEY_BYTES = 512;

/**
 * How long a lease lasts (ms) unless the coordinator's `leaseMs` says: a load taking up to
 * `loadMs` (its bound), then its store write.
 */
function leaseMs(c, loadMs) {
  return loadMs + c.readBound;
}

/** How long a leased load taking up to `loadMs` may take at most (ms): a wait for the lease, then the load. */
export function leasedBound(c, loadMs) {
  return (c.lease.leaseMs ?? leaseMs(c, loadMs)) + 2 * loadMs + MAX_POLL_MS;
}

/**
 * Waits for `k`'s turn to load after a store miss (`loadMs`: the load's bound), or to
 * refresh an entry expiring at `newerThan`: `{ served: true, value }` when another
 * isolate's value (expiring after `newerThan`) turned up in the store, else `{ held }` (the
 * lease to release after the load, see `releaseAfter`; null when the isolate loads without one).
 */
export async function awaitTurn(c, k, o, token, loadMs, newerThan = -Infinity) {
  const key = `lease:${c.engine.dataKey(k, LEASE_KEY_BYTES)}`;
  const ms = c.lease.leaseMs ?? leaseMs(c, loadMs);
  const giveUpAt = elapsedClock() + ms + loadMs;
  const newer = async () => {
    const found = await readStore(c, k, null, o, token);
    return found.served && found.expires > newerThan ? found : null;
  };
  let pause = FIRST_POLL_MS;
  for (let first = true; ; first = false) {
    let taken;
    let until;
    try {
      const asked = elapsedClock();
      taken = await withTimeout(c.lease.acquire(key, ms), c.engine.timeout(), "coordinator call");
      until = asked + ms;
    } catch (error) {
      emit(c, { type: "error", key: k, tier: "coordinator", op: "acquire", error });
      return { held: null };
    }
    if (taken !== null) {
      const held = { key, token: taken, until };
      // A miss read the store just before; a refresh did not: another isolate may have refreshed it.
      if (first && newerThan === -Infinity) return { held };
      // The holder may have written and released since the last poll.
      const found = await newer();
      if (found === null) return { held };
      c.background.add(release(c, k, held));
      return found;
    }
    const left = giveUpAt - elapsedClock();
    if (left <= 0) return { held: null };
    await sleep(Math.min(pause, left));
    pause = Math.min(2 * pause, MAX_POLL_MS);
    const found = await newer();
    if (found !== null) return found;
  }
}

/**
 * Releases `held` (if any) once `written` (the store write, or null) settled; never
 * rejects. A write queued behind (write-behind) is not in the store yet: its lease is kept
 * until the write lands (see `landed`), so that the waiters keep polling the store instead
 * of taking the lease and loading again; a write that never lands leaves it to expire.
 */
export async function releaseAfter(c, k, held, written) {
  if (held === null) return;
  let queued = false;
  try {
    await written;
    queued = written !== null && c.writeBehind !== null;
  } catch {
    // reported by the write's own task
  }
  if (!queued) return release(c, k, held);
  const now = elapsedClock();
  for (const [key, parked] of c.parkedLeases) {
    if (parked.until > now) break; // kept in the order they were parked: the oldest first
    c.parkedLeases.delete(key);
  }
  if (c.writeBehind.pending(c.engine.dataKey(k, c.store.limits.maxKeyBytes)) === undefined) return release(c, k, held); // landed already
  landed(c, k); // a lease parked before for the key: its write is superseded by this one
  c.parkedLeases.set(k, held);
}

/** A write of `k` queued behind is in the store: the lease its load kept is released. */
export function landed(c, k) {
  const held = c.parkedLeases.get(k);
  if (held === undefined) return;
  c.parkedLeases.delete(k);
  c.background.add(release(c, k, held));
}

async function release(c, k, held) {
  try {
    await withTimeout(c.lease.release(held.key, held.token), c.engine.timeout(), "coordinator call");
  } catch (error) {
    emit(c, { type: "error", key: k, tier: "coordinator", op: "release", error });
  }
}

/** A pause (a timer that keeps the process alive: a caller's promise waits on it). */
function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
