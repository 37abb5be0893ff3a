// The live demo: the recommendation API behind an EdgeCache in this page (memory tier, then
// the Cache API as the store, then the simulated database), its controls, plots and panels.
// `window.demo` exposes the cache and the page's counters for the Chromium test.
import { EdgeCache } from "edgecache";
import { SimClock, scaleFromUrl } from "./clock.js";
import { Database } from "./database.js";
import { duration, ms } from "./format.js";
import { Plots } from "./charts.js";
import { alertText, renderAlerts, renderCompare, renderShards, renderStats } from "./panels.js";
import { CACHE_NAMES, SwitchableStore, emptyAll } from "./stores.js";
import { Requests, zipf } from "./traffic.js";

const $ = (id) => document.getElementById(id);
const clock = new SimClock(scaleFromUrl());
const db = new Database(clock);
const users = zipf(1000, 1);
const TTL = 5 * 60_000;
const ALERTS = { minHitRate: 0.8, maxLatency: { store: 50, percentile: 0.99 }, maxErrorRate: 0.05, minSamples: 50 };
const WINDOW = 20_000;
const started = clock.now();
const seconds = () => (clock.now() - started) / 1000;

/** The cache and what belongs to it; replaced when the store layout or write mode changes. */
const state = { cache: null, requests: null, queriesAtStart: 0, layout: "single", writeMode: "through" };
let storeOf;
let plots;

function log(text, cls = "", into = "log") {
  const line = document.createElement("div");
  line.textContent = `[${seconds().toFixed(1)} s] ${text}`;
  if (cls) line.className = cls;
  $(into).prepend(line);
}

/** The EdgeCache for the current layout and write mode (the seed's configuration). */
function makeCache() {
  let requests;
  const sharded = state.layout === "shards";
  const cache = new EdgeCache({
    store: sharded ? { a: storeOf.a, b: storeOf.b, c: storeOf.c } : storeOf.single,
    ...(sharded ? { replicas: 2, circuitBreaker: { failures: 5, cooldown: 10_000 } } : {}),
    namespace: "demo",
    memory: { maxEntries: 100, policy: "tinylfu" },
    ttl: TTL,
    staleIfError: 60 * 60_000,
    now: clock.now,
    stats: { window: WINDOW },
    alerts: ALERTS,
    writeMode: state.writeMode,
    ...(state.writeMode === "behind" ? { writeBehind: { maxBatch: 10, maxDelay: 200 } } : {}),
    onEvent: (e) => {
      requests.onEvent(e);
      if (e.type === "alert") log(`${alertText(e, clock.scale)} — ${e.state}`, e.state, "alert-log");
      if (e.type === "dead-letter") log(`dead letter: ${e.key}`, "error");
    },
  });
  requests = new Requests(cache, clock, ({ tier, ms: latency }) => plots.addLatency(tier, seconds(), latency));
  Object.assign(state, { cache, requests, queriesAtStart: db.queries });
  $("config").textContent = `(${sharded ? "three shards, 2 replicas" : "one store"}, write-${state.writeMode}, memory 100 entries W-TinyLFU, ttl 5 min, staleIfError 1 h, window ${WINDOW / 1000} s)`;
}

/** Replaces the cache (disposing the old one lets its running calls end and flushes it). */
async function remake(why) {
  const old = state.cache;
  state.cache = null;
  await old.dispose();
  makeCache();
  log(`new EdgeCache: ${why}`);
  render();
}

/** One user's request: their recommendations, tagged "recs" and "user:<id>". */
function recommend(userId) {
  return state.requests.send(`recs:${userId}`, () => db.recommendations(userId), { tags: ["recs", `user:${userId}`] });
}

// --- traffic ---------------------------------------------------------------------------
/** Real ms between two rounds of sending. */
const TICK = 20;
let traffic = null;
/** Requests of the current tick not sent yet (cancelled when the users stop). */
const arrivals = new Set();
function toggleTraffic() {
  if (traffic !== null) {
    clearInterval(traffic);
    for (const timer of arrivals) clearTimeout(timer);
    arrivals.clear();
    traffic = null;
  } else {
    let last = clock.now();
    let due = 0;
    traffic = setInterval(() => {
      const now = clock.now();
      due += (Number($("rate").value) * Math.min(now - last, 1000)) / 1000;
      last = now;
      if (state.cache === null) return;
      // Spread over the tick, each in a task of its own: arrivals are not bunched, and a
      // memory hit is timed without the requests sent after it in the same task.
      const n = Math.floor(due);
      due -= n;
      for (let i = 0; i < n; i++) {
        const timer = setTimeout(() => {
          arrivals.delete(timer);
          if (state.cache !== null) recommend(users.next());
        }, (i * TICK) / n);
        arrivals.add(timer);
      }
    }, TICK);
  }
  $("traffic").setAttribute("aria-pressed", String(traffic !== null));
  $("traffic").textContent = traffic !== null ? "⏸ stop users" : "▶ send users";
}

// --- the hot key -----------------------------------------------------------------------
let stampedes = 0;
async function stampede() {
  const id = `trending-${++stampedes}`;
  const key = `recs:${id}`;
  const before = { loads: state.cache.stats().loader.loads, queries: db.queries };
  let loaderCalls = 0;
  const loader = () => {
    loaderCalls++;
    return db.recommendations(id);
  };
  $("stampede").disabled = true;
  const t0 = performance.now();
  const tiers = await Promise.all(Array.from({ length: 1000 }, () => state.requests.send(key, loader, { tags: ["recs"] }, false)));
  const took = clock.simulated(performance.now() - t0);
  const answered = tiers.filter((t) => t !== "error").length;
  const loads = state.cache.stats().loader.loads - before.loads;
  const el = $("stampede-result");
  Object.assign(el.dataset, { requests: 1000, answered, loaderCalls, loads });
  el.textContent = `${key}: 1000 requests → ${loaderCalls} loader call (${db.queries - before.queries} database queries); ${answered} answered in ${duration(took)}; stats().loader.loads +${loads}`;
  log(el.textContent);
  $("stampede").disabled = false;
}

// --- the database ----------------------------------------------------------------------
function toggleDatabase() {
  db.failing = !db.failing;
  $("db-fail").setAttribute("aria-pressed", String(db.failing));
  $("db-fail").textContent = db.failing ? "repair the database" : "make the database fail";
  log(db.failing ? "the database fails every query now" : "the database answers again", db.failing ? "error" : "");
}

function advance() {
  plots.gap(seconds());
  clock.advance(TTL);
  log("clock advanced 5 min: every entry is past its ttl (staleIfError keeps them servable for 1 h)");
}

// --- shards ----------------------------------------------------------------------------
async function changeLayout() {
  state.layout = $("layout").value;
  $("kill").disabled = state.layout !== "shards";
  await remake(state.layout === "shards" ? "three Cache API caches as shards a, b, c with 2 replicas" : "one Cache API store");
}

async function toggleShard() {
  const b = storeOf.b;
  if (!b.down) {
    b.down = true;
    log("shard b killed: its every call fails (breaker, failover to the replica)", "error");
  } else {
    await b.empty();
    b.down = false;
    log("shard b back, empty: keys it owns come back through read-repair");
  }
  $("kill").setAttribute("aria-pressed", String(b.down));
  $("kill").textContent = b.down ? "revive shard b (empty)" : "kill shard b";
}

// --- writes ----------------------------------------------------------------------------
async function toggleWriteMode() {
  state.writeMode = state.writeMode === "through" ? "behind" : "through";
  $("write-mode").setAttribute("aria-pressed", String(state.writeMode === "behind"));
  $("write-mode").textContent = `write-behind: ${state.writeMode === "behind" ? "on" : "off"}`;
  await remake(`writeMode "${state.writeMode}"`);
}

async function burst() {
  const cache = state.cache;
  $("burst").disabled = true;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 500 }, (_, i) => cache.set(`profile:${i}`, { user: i, updated: Math.round(clock.now()) })));
  const answered = performance.now() - t0;
  const depth = cache.stats().writeBehind?.depth;
  plots.addQueueDepth(seconds(), depth ?? null);
  await cache.flush();
  const landed = performance.now() - t0;
  const el = $("burst-result");
  Object.assign(el.dataset, { answeredMs: answered, depthAfter: depth ?? "" });
  el.textContent = `500 sets answered in ${ms(answered)}${depth === undefined ? " (write-through: each in the store)" : `, queue depth then ${depth}`}; all in the store after ${ms(landed)}`;
  log(el.textContent);
  $("burst").disabled = false;
}

// --- tags ------------------------------------------------------------------------------
async function invalidate() {
  const tag = $("tag").value.trim();
  try {
    await state.cache.invalidateTags([tag]);
    const loads = state.cache.stats().loader.loads;
    $("tag-result").dataset.loadsAt = loads;
    $("tag-result").textContent = `invalidated “${tag}”: every entry written under it is a miss now (loads were ${loads})`;
    log($("tag-result").textContent);
  } catch (e) {
    $("tag-result").textContent = `${e.code ?? e.name}: ${e.message}`;
    log($("tag-result").textContent, "error");
  }
}

// --- rendering -------------------------------------------------------------------------
/** Draws every number from one stats() snapshot and returns it (the test compares the two). */
function render() {
  const { cache, requests } = state;
  if (cache === null) return null;
  const s = cache.stats();
  const queries = db.queries - state.queriesAtStart;
  renderCompare(s, { scale: clock.scale, requests, queries });
  renderStats(s, clock.scale);
  renderShards(s);
  renderAlerts(s, clock.scale);
  const c = requests.counts;
  $("traffic-result").textContent = `sent ${c.sent} · answered ${c.answered} (memory ${c.byTier.memory}, store ${c.byTier.store}, loader ${c.byTier.loader}, stale ${c.byTier["stale-if-error"]}) · failed ${c.failed} · in flight ${requests.inFlight}`;
  $("db-result").textContent = `${db.failing ? "failing" : "healthy"}: ${queries} queries; stale served on error ${s.loader.staleIfError}, failed requests ${c.failed}`;
  if (s.shards) {
    const b = s.shards.b;
    $("store-result").textContent = `shard b ${storeOf.b.down ? "down" : "up"}, breaker ${b.open ? "open" : "closed"}: ${b.errors} errors, ${b.skippedWhileOpen} skipped, ${b.repairs} repaired`;
  } else {
    $("store-result").textContent = "";
  }
  return s;
}

let sample = null;
/** One point on each time plot. */
function plot(s) {
  const now = { at: clock.now(), queries: db.queries, sent: state.requests.counts.sent };
  const x = seconds();
  const w = s.window;
  const rate = (r, reads) => (reads > 0 ? r : null);
  plots.addHitRates(x, w === undefined ? { overall: null, memory: null, store: null } : {
    overall: rate(w.hitRate, w.reads),
    memory: rate(w.memory.hitRate, w.reads),
    store: rate(w.store.hitRate, w.store.hits + w.store.misses + w.store.staleServed),
  });
  if (sample !== null && sample.requests === state.requests && now.at > sample.at) {
    const dt = (now.at - sample.at) / 1000;
    plots.addDbRate(x, (now.queries - sample.queries) / dt, (6 * (now.sent - sample.sent)) / dt);
  }
  plots.addQueueDepth(x, s.writeBehind?.depth ?? null);
  sample = { ...now, requests: state.requests };
}

async function main() {
  $("scale").value = String(clock.scale);
  $("scale-note").textContent = clock.scale === 1 ? "" : `(the database's waits run at ${clock.scale}× of real time; every latency shown is simulated)`;
  $("scale").onchange = () => {
    location.search = `?scale=${$("scale").value}`;
  };
  $("rules").textContent = `rules: minHitRate 80 %, maxLatency store p99 50 ms, maxErrorRate 5 %, at least ${ALERTS.minSamples} samples in the ${WINDOW / 1000} s window`;
  plots = new Plots({ latency: $("plot-latency"), hitRate: $("plot-hit-rate"), db: $("plot-db"), queue: $("plot-queue") });
  await emptyAll(); // a page load starts cold
  const opened = await Promise.all(Object.entries(CACHE_NAMES).map(async ([id, name]) => [id, await SwitchableStore.open(name)]));
  storeOf = Object.fromEntries(opened);
  makeCache();
  const act = (fn) => async () => {
    try {
      await fn();
    } catch (e) {
      log(`${e.code ?? e.name}: ${e.message}`, "error");
    }
    render();
  };
  $("traffic").onclick = act(toggleTraffic);
  $("stampede").onclick = act(stampede);
  $("db-fail").onclick = act(toggleDatabase);
  $("advance").onclick = act(advance);
  $("layout").onchange = act(changeLayout);
  $("kill").onclick = act(toggleShard);
  $("write-mode").onclick = act(toggleWriteMode);
  $("burst").onclick = act(burst);
  $("invalidate").onclick = act(invalidate);
  let ticks = 0;
  setInterval(() => {
    const s = render();
    if (s !== null && ++ticks % 2 === 0) plot(s);
    plots.draw();
  }, 250);
  render();
  window.demo = {
    get cache() {
      return state.cache;
    },
    get requests() {
      return state.requests;
    },
    get queries() {
      return db.queries - state.queriesAtStart;
    },
    clock,
    db,
    render,
    /** One user's request, as the traffic sends it; resolves with the tier that answered. */
    recommend,
    /** Resolves once no request is in flight and background work has settled. */
    async settle() {
      await state.requests.idle();
      await state.cache.flush();
    },
    ready: true,
  };
}

main().catch((e) => log(`the demo could not start: ${e.message}`, "error"));
