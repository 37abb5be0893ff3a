// The write path of an EdgeCache: a value goes to memory at once and to the store in the
// order its writes were asked for (coordinator.js), written through or queued behind. The
// engine plans each write in one call (times, memory TTL, store TTL).
import { EdgeEngine } from "../../dist/edgecache.js";
import { EdgeCacheError, describe, fail, isEdgeCacheError } from "../errors.js";
import { toStoredKey } from "../keys.js";
import { utf8Length } from "../values.js";
import { monitor } from "./monitor.js";
import { callOptions } from "./options.js";
import { NO_TAGS, readAt } from "./read_path.js";
import { storedForm } from "./serializer.js";
import { tagList } from "./tags.js";

/** The options of `set` (and of a warm entry). */
export const SET = ["ttl", "tags", "staleWhileRevalidate", "staleIfError"];

/**
 * Stores a value in memory at once and returns the store write (a promise), or null
 * without a store. `form` is the value's `storedForm`: memory keeps what the store's
 * readers get. `bySet`: for a `set` (not a load's or warm's write of what it loaded).
 */
export function write(c, k, form, o, loadMs, bySet) {
  const { body: json, stored: value } = form;
  const tags = o.tags ?? NO_TAGS;
  const now = c.now();
  monitor(c, now);
  const minTtl = c.store === null ? 0 : c.store.limits.minTtl;
  const [expires, staleUntil, errorUntil, memoryTtl, storeTtl] = c.engine.planWrite(
    now, o.ttl, o.staleWhileRevalidate, o.staleIfError, tags.length > 0, minTtl,
  );
  const list = tags.length === 0 ? "" : tagList(tags);
  const mark = c.tags.mark(tags);
  // Known and trusted (always without a store), else read by sendRecord: until then the
  // new entry counts as current.
  const known = tags.length === 0 ? NO_TAGS : c.tags.known(list, mark);
  const generations = known ?? tags.map(() => Infinity);
  const entry = { value, expires, staleUntil, errorUntil, loadMs, tags, generations, mark, list };
  // A TTL below the clock's resolution (now + ttl === now) leaves nothing to keep.
  if (c.memory !== null && memoryTtl > 0) {
    const opts = { ttl: memoryTtl };
    if (c.memorySized) opts.size = utf8Length(json);
    c.memory.set(k, entry, opts);
  } else {
    c.memory?.delete(k);
  }
  if (c.store === null) return null;
  return writeStore(c, k, entry, json, now, { storeTtl, minTtl, made: c.clears.made }, c.coordinator.ticket(k, bySet));
}

async function writeStore(c, k, entry, json, now, planned, ticket) {
  let later;
  try {
    later = await sendRecord(c, k, entry, json, now, planned, ticket);
  } finally {
    if (later === undefined) c.coordinator.writeDone(k, ticket);
  }
  // Keyed at an epoch not trusted then: the caller has its answer; the ticket stays open
  // (later writes of the key still win) until the epoch's record was read.
  if (later !== undefined) c.background.add(later.resend.finally(() => c.coordinator.writeDone(k, ticket)));
}

/**
 * `planned`: the store TTL planned with the store's minimum TTL then, and the clears made
 * here (`made`) when the write was asked for. Resolves with undefined, or, when the write
 * went out keyed at an epoch not trusted then, with `{ resend }`: the promise that sends it
 * again under the new key if the epoch's record moves it.
 */
async function sendRecord(c, k, entry, json, now, planned, ticket) {
  if (entry.tags.length > 0) {
    // A tag invalidated since the write (while its generation was read) wins over it: the
    // record carries a generation just below the current one, so it is stale everywhere.
    const stamped = await c.tags.stamp(entry.tags, entry.list, entry.mark);
    const unknown = entry.tags.filter((_, i) => Number.isNaN(stamped[i]));
    if (unknown.length > 0) {
      // Stamped with a guess, the record would be a miss for ever (a guess too low) or
      // outlive an invalidation (too high); memory's copy, current until now, goes too.
      if (c.memory?.peek(k) === entry) c.memory.delete(k);
      throw new EdgeCacheError("E_STORE", `the value for "${k}" was not cached: the generation of its tag ${JSON.stringify(unknown[0])} could not be read from the store; try again`);
    }
    entry.generations = stamped;
  }
  const { maxValueBytes, minTtl } = c.store.limits;
  // A store added to the ring while the tags were read may need a longer TTL: planned again.
  const storeTtl = minTtl === planned.minTtl ? planned.storeTtl : EdgeEngine.storeTtl(now, entry.errorUntil, minTtl, entry.tags.length > 0);
  const header = c.engine.encode(k, json.length, now, entry.expires, entry.staleUntil, entry.errorUntil, entry.loadMs, entry.tags, entry.generations);
  const record = `${header}\n${json}`;
  const bytes = utf8Length(record);
  if (bytes > maxValueBytes) {
    throw new EdgeCacheError(
      "E_VALUE",
      `value for "${k}" is ${bytes} bytes as stored; the store allows ${maxValueBytes}: it is kept in memory only`,
    );
  }
  const storeKey = c.engine.dataKey(k, c.store.limits.maxKeyBytes);
  const epoch = c.clears.ready(c.now());
  const send = async (key) => {
    if (planned.made !== c.clears.made) return; // a clear made here came after it: the write is cleared too
    if (!c.coordinator.claim(ticket)) return; // a later write or delete of the key went out first
    if (c.writeBehind !== null) await c.writeBehind.set(key, k, entry.value, record, storeTtl);
    else await c.store.write(key, record, storeTtl, k);
  };
  await send(storeKey);
  if (epoch === undefined) return undefined;
  // A clear found in the store may have come before the write: it goes to the new epoch too.
  const resend = epoch.then(() => {
    const moved = c.engine.dataKey(k, c.store.limits.maxKeyBytes);
    return moved === storeKey ? undefined : send(moved);
  });
  return { resend };
}

/** `set`: memory at once, then the store (see EdgeCache.set). */
export async function setValue(c, key, value, options) {
  const k = toStoredKey(key);
  if (value === undefined) fail("E_VALUE", "set: value is undefined; use delete(key) to remove an entry, or store null");
  const o = callOptions("set", options, SET);
  const form = storedForm(c, k, value); // a value with no stored form changes nothing
  c.coordinator.supersede(k);
  const written = write(c, k, form, o, 0, true);
  try {
    await written;
  } catch (error) {
    throw storeWriteError("set", k, error);
  } finally {
    // Once the store has it, another isolate reading it again finds it (a write queued
    // behind is told once it lands: see configure.js).
    if (c.writeBehind === null) c.bus?.set(k);
  }
}

/** `delete`: memory, then the store (see EdgeCache.delete); whether either held the key. */
export async function deleteValue(c, key) {
  const k = toStoredKey(key);
  monitor(c, c.now());
  c.coordinator.supersede(k);
  const inMemory = c.memory?.delete(k) ?? false;
  if (c.store === null) {
    c.bus?.deleted(k);
    return inMemory;
  }
  const ticket = c.coordinator.ticket(k, true);
  try {
    if (c.writeBehind !== null) {
      // Queued at the epoch the store holds: its record is read first when not trusted.
      await c.clears.ready(c.now());
      const storeKey = c.engine.dataKey(k, c.store.limits.maxKeyBytes);
      const queued = c.writeBehind.pending(storeKey)?.op === "set";
      if (c.coordinator.claim(ticket)) await c.writeBehind.delete(storeKey, k);
      return inMemory || queued;
    }
    const { storeKey, record, failed } = await readAt(c, k);
    const held = inMemory || (!failed && record !== null);
    if (!c.coordinator.claim(ticket)) return held; // a later set of the key went out first
    try {
      await c.store.remove(storeKey, k);
    } catch (error) {
      throw new EdgeCacheError("E_STORE", `delete "${k}": the store failed (${describe(error)}); it is gone from this isolate's memory, the store may still hold it`, { cause: error });
    }
    return held;
  } finally {
    c.coordinator.writeDone(k, ticket);
    if (c.writeBehind === null) c.bus?.deleted(k); // once the store has it (queued: once it lands)
  }
}

/** A failed store write of `k` by `method`, as the caller sees it (E_STORE unless it is one of ours). */
export function storeWriteError(method, k, error) {
  if (isEdgeCacheError(error)) return error;
  const message = `${method} "${k}": the store failed (${describe(error)}); this isolate's memory has the value, the store may not`;
  return new EdgeCacheError("E_STORE", message, { cause: error });
}
