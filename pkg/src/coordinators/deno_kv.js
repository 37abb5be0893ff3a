// A lease in Deno KV: an atomic check of the lease entry's versionstamp takes it.
import { commitUnlessLocked } from "../deno_kv_commit.js";
import { checkOptions, expectMethods } from "../stores/args.js";
import { leaseOption, newToken, wholeMs } from "./check.js";

const WHERE = "coordinators.denoKV(kv, { prefix, leaseMs })";
/** Tries of a release on a locked Deno KV file (a lost release holds the key up until the lease expires). */
const RELEASE_TRIES = 8;

/**
 * A coordinator over Deno KV (`Deno.openKv()`): the lease of a key is the entry
 * `[...prefix, key]` (default prefix `["edgecache-lease"]`) holding `{ token, until }`,
 * taken by `atomic().check(entry).set(...)`, so of two isolates reading the same entry
 * only one commits (`versionstamp: null` when there is none). Deno KV deletes expired
 * entries lazily, so the entry carries its own end (`until`, wall-clock ms) and one past
 * it is taken over like an absent one; `expireIn` only cleans up. `leaseMs`: see the
 * Coordinator type.
 * @param {Deno.Kv} kv
 * @param {{ prefix?: Deno.KvKey, leaseMs?: number }} [options]
 */
export function denoKV(kv, options) {
  expectMethods(kv, ["get", "atomic"], "coordinators.denoKV(kv)", "a Deno.Kv from Deno.openKv()");
  const { prefix = ["edgecache-lease"], leaseMs } = checkOptions(options, ["prefix", "leaseMs"], WHERE);
  const at = (key) => [...prefix, key];
  return {
    name: "deno-kv",
    ...leaseOption(leaseMs),
    async acquire(key, ms) {
      const entry = await kv.get(at(key));
      const now = Date.now();
      if (entry.value?.until > now) return null;
      const token = newToken();
      const lease = { token, until: now + ms };
      // A locked file (another process's write came in between): not taken this time, the
      // waiter tries again at its next poll.
      const done = await commitUnlessLocked(kv.atomic().check(entry).set(at(key), lease, { expireIn: wholeMs(ms) }));
      return done?.ok ? token : null;
    },
    async release(key, token) {
      for (let i = 0; i < RELEASE_TRIES; i++) {
        const entry = await kv.get(at(key));
        if (entry.value?.token !== token) return;
        if ((await commitUnlessLocked(kv.atomic().check(entry).delete(at(key)))) !== null) return;
      }
      throw new Error(`coordinators.denoKV: the Deno KV file stayed locked over ${RELEASE_TRIES} tries; the lease ends when it expires`);
    },
  };
}
