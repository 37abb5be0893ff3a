// Write-behind vs write-through: the write latency the caller sees and the store calls for
// 10 000 sets over 1000 keys (Zipf(1): many repeats), 64 writers at once, store 5 ms/call.
import { EdgeCache } from "edgecache";
import { ratio, table } from "./harness.mjs";
import { slowStore, zipfTrace } from "./tiered.mjs";

const WRITES = 10_000;
const WRITERS = 64;

async function run(writeMode) {
  const store = slowStore();
  const options = { store, memory: { maxEntries: 1000 }, ttl: 600_000, writeMode };
  if (writeMode === "behind") options.writeBehind = { maxBatch: 100, maxDelay: 20, maxQueue: 10_000 };
  const cache = new EdgeCache(options);
  const trace = zipfTrace(1000, WRITES, 1, 7);
  const latencies = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < trace.length) {
        const i = next++;
        const s = performance.now();
        await cache.set(trace[i], { i });
        latencies.push(performance.now() - s);
      }
    }),
  );
  const answered = performance.now() - t0;
  await cache.flush();
  const landed = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  const calls = store.calls.get + store.calls.set + store.calls.delete + store.calls.getMany;
  return { latencies, answered, landed, calls, keys: store.size() };
}

/** Prints the table: per-set latency, time until all answered / all in the store, store calls. */
export async function writeBehindBench() {
  const rows = [];
  const results = {};
  for (const mode of ["through", "behind"]) {
    const r = await run(mode);
    results[mode] = r;
    const q = (p) => r.latencies[Math.floor(p * (r.latencies.length - 1))];
    rows.push([`write-${mode}`, q(0.5).toFixed(3), q(0.99).toFixed(3), r.answered.toFixed(0), r.landed.toFixed(0), r.calls, r.keys]);
  }
  const [t, b] = [results.through, results.behind];
  const q = (r, p) => r.latencies[Math.floor(p * (r.latencies.length - 1))];
  rows.push(["behind / through", ratio(q(b, 0.5), q(t, 0.5)), ratio(q(b, 0.99), q(t, 0.99)), ratio(b.answered, t.answered), ratio(b.landed, t.landed), ratio(b.calls, t.calls), ""]);
  table(
    `Write-behind vs write-through: ${WRITES} sets over 1000 keys (Zipf 1), ${WRITERS} writers, store 5 ms/call`,
    ["mode", "set p50 ms", "set p99 ms", "all answered ms", "all in store ms", "store calls", "keys stored"],
    rows,
  );
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await writeBehindBench();
