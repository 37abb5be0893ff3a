// The memory-tier speed table in Deno and in workerd (Miniflare), edgecache beside
// lru-cache, plus workerd start-up: import of the package to first get.
import { execFileSync } from "node:child_process";
import { startWorker } from "../tests/js/workerd/harness.mjs";
import { median, mops, ratio, table } from "./harness.mjs";
import { ROWS_MARK } from "./memory.mjs";

const ROOT = new URL("..", import.meta.url);

/** Runs the speed table in Deno (the same bench module, Deno's own timers); returns its rows. */
export function denoSpeed() {
  const out = execFileSync("node_modules/.bin/deno", ["run", "--allow-read", "--allow-env", "bench/memory_entry.mjs"], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1" },
  });
  const lines = String(out).trimEnd().split("\n");
  const rows = JSON.parse(lines.pop().slice(ROWS_MARK.length));
  console.log(lines.join("\n").replace("Memory tier from JavaScript", "Deno: memory tier"));
  return rows;
}

/**
 * workerd freezes its clocks while a request runs, so each measurement is one request
 * timed from outside: a large operation count makes the request overhead negligible.
 * Returns the rows.
 */
export async function workerdSpeed() {
  const worker = await startWorker(new URL("./speed.worker.mjs", import.meta.url));
  const time = async (query) => {
    const t0 = performance.now();
    const res = await worker.mf.dispatchFetch(`http://bench.test/?${query}`);
    await res.text();
    return performance.now() - t0;
  };
  const ops = 2_000_000;
  const rows = [];
  try {
    const names = JSON.parse(await (await worker.mf.dispatchFetch("http://bench.test/names")).text());
    for (const name of names) {
      const rates = { edgecache: [], "lru-cache": [] };
      for (let round = 0; round < 5; round++) {
        for (const who of Object.keys(rates)) {
          const ms = await time(`who=${encodeURIComponent(who)}&workload=${encodeURIComponent(name)}&ops=${ops}`);
          rates[who].push(ops / (ms / 1000));
        }
      }
      const [ours, peer] = [median(rates.edgecache), median(rates["lru-cache"])];
      rows.push([name, mops(ours), mops(peer), ratio(ours, peer)]);
    }
  } finally {
    await worker.dispose();
  }
  table(`workerd (Miniflare): memory tier, ${ops / 1e6}M ops per request, median of 5`, ["operation", "edgecache", "lru-cache", "ratio"], rows);
  return rows;
}

/**
 * First request to a fresh worker that imports edgecache and calls get, minus one that
 * does not; returns that difference in ms.
 */
export async function workerdStartup(runs = 5) {
  const first = async (file) => {
    const worker = await startWorker(new URL(file, import.meta.url));
    try {
      const t0 = performance.now();
      await (await worker.mf.dispatchFetch("http://bench.test/")).text();
      return performance.now() - t0;
    } finally {
      await worker.dispose();
    }
  };
  const withPkg = [];
  const without = [];
  for (let i = 0; i < runs; i++) {
    withPkg.push(await first("./startup.worker.mjs"));
    without.push(await first("./baseline.worker.mjs"));
  }
  const delta = median(withPkg) - median(without);
  table("workerd start-up (first request to a fresh isolate)", ["what", "value"], [
    ["import edgecache + new MemoryCache + get", `${median(withPkg).toFixed(2)} ms`],
    ["same worker without edgecache", `${median(without).toFixed(2)} ms`],
    ["difference: import to first get", `${delta.toFixed(2)} ms`],
  ]);
  return delta;
}
