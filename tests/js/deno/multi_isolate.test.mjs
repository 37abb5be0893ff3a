// Several isolates over one store in Deno: four workers, each with its own EdgeCache over one
// Deno KV file. One deletes, sets or invalidates a tag; the time until every other worker's
// `get` sees it is measured without a bus (bounded by memoryTtl), with
// buses.broadcastChannel and with buses.denoKV woken by its watch alone (the workers of one
// process see each other's writes through kv.watch). The figures are printed. Separate
// processes: multi_process.test.mjs.
import { ok } from "../cases/check.mjs";
import { OPS, figures, median, propagation } from "../support/propagation.mjs";

const WORKERS = 4;
const RUNS = 5;

/** A worker and a call to it (one answer per request id), once it listens. */
async function spawnIsolate() {
  const worker = new Worker(new URL("../support/deno_isolate.mjs", import.meta.url), { type: "module" });
  const waiting = new Map();
  let next = 0;
  let listening;
  const ready = new Promise((resolve) => (listening = resolve));
  worker.onmessage = ({ data: { id, ok, value, error, ready } }) => {
    if (ready) return listening();
    const w = waiting.get(id);
    waiting.delete(id);
    if (ok) w.resolve(value);
    else w.reject(new Error(error));
  };
  worker.onerror = (e) => {
    e.preventDefault();
    for (const w of waiting.values()) w.reject(new Error(`worker: ${e.message}`));
    waiting.clear();
  };
  const call = (cmd, args = {}) => new Promise((resolve, reject) => {
    const id = next++;
    waiting.set(id, { resolve, reject });
    worker.postMessage({ id, cmd, ...args });
  });
  await ready;
  return { call, close: async () => (await call("close"), worker.terminate()) };
}


/** The propagation times of each op over `WORKERS` workers sharing a fresh KV file, per `options`. */
async function measure(options, limitMs) {
  const dir = await Deno.makeTempDir();
  const all = await Promise.all(Array.from({ length: WORKERS }, spawnIsolate));
  try {
    for (const w of all) await w.call("init", { path: `${dir}/kv.sqlite`, ...options });
    const result = {};
    for (const kind of Object.keys(OPS)) {
      result[kind] = [];
      for (let run = 0; run < RUNS; run++) result[kind].push(await propagation(all, kind, run, limitMs));
    }
    return result;
  } finally {
    for (const w of all) await w.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const permissions = { sanitizeResources: false, sanitizeOps: false };

Deno.test({ name: "Deno workers over one KV file, no bus: a change reaches the others within memoryTtl, not before", ...permissions, async fn() {
  const memoryTtl = 400;
  const result = await measure({ namespace: "nobus", memoryTtl }, memoryTtl + 2000);
  for (const [kind, times] of Object.entries(result)) {
    console.log(`no bus, ${WORKERS} Deno workers, one KV file, memoryTtl ${memoryTtl} ms, ${kind}: ${figures(times)}`);
    ok(median(times) > memoryTtl / 4, `${kind} reached the others early (${figures(times)})`);
    ok(Math.max(...times) <= memoryTtl + 500, `${kind}: ${figures(times)}`);
  }
} });

Deno.test({ name: "Deno workers over one KV file, buses.broadcastChannel: a change reaches the others in under 100 ms", ...permissions, async fn() {
  const memoryTtl = 60_000;
  const result = await measure({ namespace: "bus", memoryTtl, bus: "broadcastChannel" }, 5000);
  for (const [kind, times] of Object.entries(result)) {
    console.log(`buses.broadcastChannel, ${WORKERS} Deno workers, one KV file, memoryTtl ${memoryTtl} ms, ${kind}: ${figures(times)}`);
    ok(median(times) < 100, `${kind}: ${figures(times)}`);
  }
} });

Deno.test({ name: "Deno workers over one KV file, buses.denoKV with its watch alone (pollMs 0): a change reaches the others in under 100 ms", ...permissions, async fn() {
  // The workers of one process see each other's writes through kv.watch (other processes do not).
  const memoryTtl = 60_000;
  const result = await measure({ namespace: "kvbus", memoryTtl, bus: "denoKV", pollMs: 0 }, 5000);
  for (const [kind, times] of Object.entries(result)) {
    console.log(`buses.denoKV watch alone, ${WORKERS} Deno workers, one KV file, memoryTtl ${memoryTtl} ms, ${kind}: ${figures(times)}`);
    ok(median(times) < 100, `${kind}: ${figures(times)}`);
  }
} });
