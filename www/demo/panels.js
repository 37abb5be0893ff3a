// The page's numbers, each written straight from one `stats()` snapshot: the before/after
// panel, the stats table (lifetime and window), the shards table and the firing alerts.
import { UNCACHED_MS } from "./database.js";
import { at, duration, format, percent } from "./format.js";

const $ = (id) => document.getElementById(id);

/**
 * Rows of the stats table: [label, path in stats(), kind]. Kind "sim-ms" is a loader
 * latency: measured on the wall clock, shown in simulated ms (divided by the time scale).
 */
const STAT_ROWS = Object.freeze([
  ["reads", "reads", "count"],
  ["hit rate", "hitRate", "percent"],
  ["memory hits", "memory.hits", "count"],
  ["memory hit rate", "memory.hitRate", "percent"],
  ["store hits", "store.hits", "count"],
  ["store misses", "store.misses", "count"],
  ["store hit rate", "store.hitRate", "percent"],
  ["store read errors", "store.errors", "count"],
  ["store writes", "store.writes", "count"],
  ["store write errors", "store.writeErrors", "count"],
  ["loads (database)", "loader.loads", "count"],
  ["load errors", "loader.errors", "count"],
  ["stale served on error", "loader.staleIfError", "count"],
  ["loads in flight", "loader.inFlight", "count"],
  ["error rate", "errorRate", "percent"],
  ["memory p50", "memory.latency.p50", "ms"],
  ["store p50", "store.latency.p50", "ms"],
  ["loader p50 (simulated)", "loader.latency.p50", "sim-ms"],
]);
/** Rows shown for the lifetime only. */
const LIFETIME_ROWS = Object.freeze([
  ["memory entries", "memory.tier.size", "count"],
  ["write-behind depth", "writeBehind.depth", "count"],
  ["write-behind written", "writeBehind.written", "count"],
]);
const SHARD_COLUMNS = Object.freeze(["reads", "hits", "errors", "timeouts", "repairs", "skippedWhileOpen", "open"]);

/** The text a stats cell shows for `value` of `kind` at time scale `scale`. */
export function cellText(kind, value, scale) {
  if (value === undefined) return "–";
  return kind === "sim-ms" ? format("ms", value / scale) : format(kind, value);
}

function cell(scope, path, kind, value, scale) {
  return `<td data-stat="${scope}:${path}" data-kind="${kind}">${cellText(kind, value, scale)}</td>`;
}

/** The stats table: each row's lifetime value and its value over the window. */
export function renderStats(s, scale) {
  const win = s.window;
  const head = `<tr><th></th><th>lifetime</th><th>last ${win ? Math.round(win.length / 1000) : "–"} s (simulated)</th></tr>`;
  const rows = STAT_ROWS.map(([label, path, kind]) =>
    `<tr><th>${label}</th>${cell("lifetime", path, kind, at(s, path), scale)}${cell("window", path, kind, at(win, path), scale)}</tr>`);
  const more = LIFETIME_ROWS.filter(([, path]) => at(s, path) !== undefined).map(([label, path, kind]) =>
    `<tr><th>${label}</th>${cell("lifetime", path, kind, at(s, path), scale)}<td></td></tr>`);
  $("stats").innerHTML = head + rows.join("") + more.join("");
}

/** The shards table from `stats().shards` (a note when the cache has one store). */
export function renderShards(s) {
  if (s.shards === undefined) {
    $("shards").innerHTML = `<tr><td class="muted">one store: choose “three shards” to shard over a, b, c</td></tr>`;
    return;
  }
  const head = `<tr><th>shard</th>${SHARD_COLUMNS.map((c) => `<th>${c === "skippedWhileOpen" ? "skipped (open)" : c}</th>`).join("")}</tr>`;
  const rows = Object.entries(s.shards).map(([id, shard]) =>
    `<tr><th>${id}</th>${SHARD_COLUMNS.map((c) => `<td data-stat="shards:${id}.${c}" class="${c === "open" && shard.open ? "firing" : ""}">${format("count", shard[c])}</td>`).join("")}</tr>`);
  $("shards").innerHTML = head + rows.join("");
}

/** The rules firing now (`stats().alerts`). */
export function renderAlerts(s, scale) {
  $("alerts-firing").innerHTML = s.alerts.length === 0
    ? `<li class="resolved">no rule firing</li>`
    : s.alerts.map((a) => `<li class="firing" data-rule="${a.rule}" data-tier="${a.tier ?? ""}">${alertText(a, scale)}</li>`).join("");
}

/** One alert (firing or an event) in words. */
export function alertText(a, scale) {
  const value = a.rule === "maxLatency" ? (a.tier === "loader" ? a.value / scale : a.value) : a.value;
  const threshold = a.rule === "maxLatency" ? (a.tier === "loader" ? a.threshold / scale : a.threshold) : a.threshold;
  const show = a.rule === "maxLatency" ? duration : percent;
  return `${a.rule}${a.tier ? ` (${a.tier})` : ""}: ${show(value)} against ${show(threshold)}`;
}

/**
 * The before/after panel: without a cache every request runs the six queries (3.8 s, and
 * the mean load as measured; six database calls a request); with edgecache the latencies of
 * the users' requests as the page timed them (p50, p95) and the queries the database ran.
 */
export function renderCompare(s, { scale, requests, queries }) {
  const loads = s.loader.latency;
  $("before-latency").textContent = `~${duration(UNCACHED_MS)}`;
  $("before-measured").textContent = loads.count === 0 ? "" : `(a load measured: ${duration(loads.sum / loads.count / scale)} on average)`;
  const without = 6 * requests.counts.sent;
  $("before-db").textContent = String(without);
  $("before-requests").textContent = String(requests.counts.sent);
  const sorted = requests.latencies.slice().sort((a, b) => a - b);
  const pick = (q) => (sorted.length === 0 ? "–" : duration(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]));
  $("after-p50").textContent = pick(0.5);
  $("after-p95").textContent = pick(0.95);
  $("after-db").textContent = String(queries);
  $("after-saving").textContent = without === 0 ? "–" : `−${((1 - queries / without) * 100).toFixed(1)} %`;
}
