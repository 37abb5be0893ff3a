// The read path of an EdgeCache: memory (L1), then the store (L2). The engine plans what
// to do with each value found (serve, serve and refresh, read on with or without a
// fallback) and counts it; this file carries the plan out.
import { EdgeEngine, HeaderStatus, ReadPlan, Report, Tier } from "../../dist/edgecache.js";
import { utf8Length } from "../values.js";
import { refresh } from "./loads.js";
import { monitor } from "./monitor.js";
import { emit, event } from "./reporting.js";
import { readBody } from "./serializer.js";
import { elapsedClock } from "./timeout.js";

export const NO_TAGS = Object.freeze([]);
/** What `decode` would answer for a record without a header line. */
const CORRUPT = [HeaderStatus.Corrupt];

/**
 * L1: `null` (nothing usable), `{ served: true, value }`, or `{ stale }` (an entry that
 * may be served only if loading fails). May return a promise when tags must be read.
 * `started` (elapsedClock) times a served read.
 */
export function fromMemory(c, k, loader, o, started) {
  const entry = c.memory?.get(k);
  if (entry === undefined) {
    if (c.memory !== null) memoryMiss(c, k);
    else read(c);
    return null;
  }
  const current = entry.tags.length === 0 || c.tags.isCurrent(entry);
  if (current === true) return planMemory(c, k, entry, loader, o, started);
  if (current === false) return outdated(c, k, entry);
  return current.then((yes) => (yes ? planMemory(c, k, entry, loader, o, started) : outdated(c, k, entry)));
}

/** A memory entry one of whose tags is newer: dropped (unless a newer set replaced it), a miss. */
function outdated(c, k, entry) {
  if (c.memory.peek(k) === entry) c.memory.delete(k);
  memoryMiss(c, k);
  return null;
}

/** Carries out the engine's plan for a memory entry (one engine call, which counts it). */
function planMemory(c, k, e, loader, o, started) {
  const now = c.now();
  monitor(c, now);
  c.clears.check(now);
  const plan = c.engine.readPlan(Tier.Memory, now, e.expires, e.staleUntil, e.errorUntil, e.loadMs);
  switch (plan) {
    case ReadPlan.Serve:
      event(c, "hit", k, "memory");
      return served(c, e, started, now);
    case ReadPlan.ServeAndRefresh:
    case ReadPlan.ServeStale:
      event(c, plan === ReadPlan.ServeStale ? "stale" : "hit", k, "memory");
      if (loader) refresh(c, k, loader, o, e.expires);
      return served(c, e, started, now);
    case ReadPlan.ReadOnWithFallback:
      event(c, "miss", k, "memory");
      return { stale: e };
    default:
      c.memory.delete(k);
      event(c, "miss", k, "memory");
      return null;
  }
}

/** A read memory answers at `now`, timed from `started` (its events and refresh start included). */
function served(c, e, started, now) {
  c.reports.add(Report.MemoryLatency, elapsedClock() - started, now);
  return { served: true, value: e.value };
}

/** Counts a read of a cache without a memory tier (one with it counts memory's plans). */
function read(c) {
  const now = c.now();
  monitor(c, now);
  c.reports.add(Report.Read, 0, now);
}

/** Counts and reports a read that memory held nothing usable for. */
function memoryMiss(c, k) {
  monitor(c, c.now());
  c.reports.count(Report.MemoryMiss);
  event(c, "miss", k, "memory");
}

/**
 * Reads a record: a write still queued (write-behind) wins over the store's copy, and a
 * queued delete is a miss. `{ record, failed?, repair? }`.
 */
function readRecord(c, storeKey, k) {
  const pending = c.writeBehind?.pending(storeKey);
  if (pending === undefined) return c.store.read(storeKey, k);
  return { record: pending.op === "set" ? pending.record : null };
}

/** L2: `{ served, value, expires }`, `{ stale }`, `{ failed }` or `{}` (nothing usable). */
export async function readStore(c, k, loader, o, token) {
  const { storeKey, record, failed, repair } = await readAt(c, k);
  if (failed) return { failed: true };
  const entry = record === null ? null : parse(c, k, storeKey, record, token);
  // No repair while this isolate writes the key: the replica's copy may be the older one.
  if (entry !== null && repair && c.coordinator.mayWriteBack(k, token)) {
    const ttl = EdgeEngine.storeTtl(c.now(), entry.errorUntil, c.store.limits.minTtl, entry.tags.length > 0);
    c.background.add(c.store.repair(storeKey, record, ttl, repair, k));
  }
  if (entry === null || (entry.tags.length > 0 && !(await c.tags.isCurrent(entry)))) {
    c.reports.count(Report.StoreMiss);
    event(c, "miss", k, "store");
    return {};
  }
  const now = c.now();
  const plan = c.engine.readPlan(Tier.Store, now, entry.expires, entry.staleUntil, entry.errorUntil, entry.loadMs);
  if (plan === ReadPlan.ReadOnWithFallback || plan === ReadPlan.ReadOn) {
    event(c, "miss", k, "store");
    return plan === ReadPlan.ReadOn ? {} : { stale: entry };
  }
  event(c, plan === ReadPlan.ServeStale ? "stale" : "hit", k, "store");
  // A set or delete since the read began, or still going out, wins over what it found.
  if (c.coordinator.mayWriteBack(k, token)) backfill(c, k, entry, now);
  // Not for a read a set or delete superseded: the value it found is replaced already.
  if (loader && plan !== ReadPlan.Serve && !token.dirty) refresh(c, k, loader, o, entry.expires);
  return { served: true, value: entry.value, expires: entry.expires };
}

/**
 * Reads `k`'s record at the clear epoch held (see readRecord): `{ storeKey, record,
 * failed?, repair? }`. When the epoch is not trusted its record is read beside it, in the
 * same batch (no extra round trip); only when that moved the epoch is what was read at the
 * old one dropped and the key read again under the new one. A failed epoch read keeps the
 * epoch held (the newest this isolate knows).
 */
export async function readAt(c, k) {
  const moves = c.clears.moves;
  const storeKey = c.engine.dataKey(k, c.store.limits.maxKeyBytes);
  const found = readRecord(c, storeKey, k);
  const epoch = c.clears.ready(c.now());
  if (epoch !== undefined) await epoch;
  if (c.clears.moves === moves) return { storeKey, ...(await found) };
  const moved = c.engine.dataKey(k, c.store.limits.maxKeyBytes);
  return { storeKey: moved, ...(await readRecord(c, moved, k)) };
}

/**
 * A record as an entry, or null when it is corrupt or another key's (then it is deleted,
 * unless a set or delete of the key came in since the read began: `token`, or its body is
 * one a caller's serializer cannot read: another writer's format, left alone).
 */
export function parse(c, k, storeKey, record, token) {
  const newline = record.indexOf("\n");
  const header = newline < 0 ? CORRUPT : c.engine.decode(record.slice(0, newline), k, record.length - newline - 1);
  if (header[0] === HeaderStatus.OtherFormat) return null; // a newer (or older) edgecache's record: a miss, left alone
  const value = header[0] === HeaderStatus.Ok ? readBody(c, record.slice(newline + 1)) : undefined;
  if (value === undefined) {
    c.reports.count(Report.StoreCorrupt);
    const reason = header[0] === HeaderStatus.ForeignKey ? "record of another key" : "unreadable record";
    emit(c, { type: "error", key: k, tier: "store", reason });
    const damaged = header[0] !== HeaderStatus.Ok || c.serializer.deletesUnreadable;
    // Not while this isolate writes the key: the store may hold the new record by now.
    if (damaged && c.coordinator.mayWriteBack(k, token)) c.background.add(c.store.remove(storeKey, k));
    return null;
  }
  const [, , expires, staleUntil, errorUntil, loadMs] = header;
  const generations = header.length > 6 ? Array.from(header.subarray(6)) : NO_TAGS;
  const tags = generations.length > 0 ? c.engine.decodedTags() : NO_TAGS;
  const size = c.memorySized ? utf8Length(record.slice(newline + 1)) : 0;
  return { value, expires, staleUntil, errorUntil, loadMs, tags, generations, size };
}

/** Copies a store hit into memory for the time it has left (at most memoryTtl). */
export function backfill(c, k, entry, now) {
  if (c.memory === null) return;
  const ttl = c.engine.memoryTtlFor(now, entry.errorUntil, entry.tags.length > 0);
  if (ttl <= 0) return;
  // Sized as a write is: the UTF-8 length of the value's JSON (the record's body).
  c.memory.set(k, entry, c.memorySized ? { ttl, size: entry.size } : { ttl });
  // A value past the tier's byte bound is refused (counted there): no back-fill.
  if (!c.memorySized || c.memory.peek(k) === entry) c.reports.count(Report.Backfill);
}
