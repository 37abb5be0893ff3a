// Calls over several keys and questions that read no value: `getMany`, `setMany`, `has`.
// They are built from the single-key paths, so every rule (single flight, write order,
// tags, clears) holds for them as it does for `get` and `set`; reads started together
// reach the store as one batch (StoreTier batches reads started in the same tick).
import { HeaderStatus, ReadPlan } from "../../dist/edgecache.js";
import { fail, typeName } from "../errors.js";
import { toStoredKey } from "../keys.js";
import { readOnce } from "../plain_options.js";
import { callOptions } from "./options.js";
import { readAt } from "./read_path.js";
import { SET, setValue } from "./write_path.js";

/** A copy of `list` (an array, else E_ARGUMENT naming `method` and `what` it holds). */
function listOf(method, list, what) {
  if (!Array.isArray(list)) fail("E_ARGUMENT", `${method}: pass an array of ${what}, got ${typeName(list)}`);
  return [...list];
}

/** Every key checked before any is read: a bad one throws at the call. */
export function checkKeys(method, keys) {
  return listOf(method, keys, "keys").map((key) => toStoredKey(key));
}

/**
 * `setMany`: every entry checked first (a bad one throws, nothing is written), then all
 * set at once. Resolves once every write settled; rejects then with the first failure in
 * the entries' order (the others are reported as `error` events by their store tier).
 */
export async function setMany(c, entries, set) {
  const checked = listOf("setMany", entries, "{ key, value, ttl?, tags? } entries").map((entry, i) => {
    const { key, value, ...rest } = readOnce(entry, "E_ARGUMENT", `setMany: entry ${i}`, "an object such as { key, value }");
    toStoredKey(key);
    if (value === undefined) fail("E_VALUE", `setMany: entry ${i} has no value; store null for "no value"`);
    return { key, value, options: callOptions("setMany", rest, SET) };
  });
  const settled = await Promise.allSettled(checked.map((e) => set(e.key, e.value, e.options)));
  const failed = settled.find((s) => s.status === "rejected");
  if (failed !== undefined) throw failed.reason;
}

/**
 * `has`: whether memory or the store holds a value `get` would serve (fresh, or stale
 * inside its stale-while-revalidate window) whose tags are current. Reads the store's
 * header only (the value is not deserialized), counts nothing, calls no loader.
 */
export async function has(c, k) {
  const now = c.now();
  const entry = c.memory?.peek(k);
  if (entry !== undefined && (await servable(c, entry, now))) return true;
  if (c.store === null) return false;
  const { record } = await readAt(c, k);
  const newline = record?.indexOf("\n") ?? -1;
  if (newline < 0) return false;
  const header = c.engine.decode(record.slice(0, newline), k, record.length - newline - 1);
  if (header[0] !== HeaderStatus.Ok) return false;
  const [, , expires, staleUntil, errorUntil] = header;
  const generations = Array.from(header.subarray(6));
  const tags = generations.length > 0 ? c.engine.decodedTags() : generations;
  return servable(c, { expires, staleUntil, errorUntil, tags, generations }, now);
}

/** Whether `entry` would be served at `now` (fresh or stale-while-revalidate, tags current). */
async function servable(c, entry, now) {
  const plan = c.engine.plan(now, entry.expires, entry.staleUntil, entry.errorUntil);
  if (plan === ReadPlan.ReadOn || plan === ReadPlan.ReadOnWithFallback) return false;
  return entry.tags.length === 0 || c.tags.isCurrent(entry);
}
