// Several isolates over one store: four Node processes (or four worker threads), each with
// its own EdgeCache over one real redis-server. One deletes, sets or invalidates a tag; the
// time until every other isolate's `get` sees it is measured, without a bus (bounded by
// memoryTtl), with buses.redis (Redis pub/sub) between processes and with
// buses.broadcastChannel between worker threads. The figures are printed as test diagnostics.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { Worker } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { startRedis } from "../support/redis.mjs";
import { OPS, figures, median, propagation } from "../support/propagation.mjs";

const ISOLATE = fileURLToPath(new URL("../support/isolate.mjs", import.meta.url));
const PROCESSES = 4;
const RUNS = 5;

let server;
before(async () => {
  server = await startRedis();
});
after(async () => {
  await server?.stop();
});

/** An isolate (a forked process, or a worker thread with `threads`) and a call to it (one answer per request id). */
function spawnIsolate(index, threads) {
  const child = threads
    ? new Worker(ISOLATE, { workerData: { index } })
    : fork(ISOLATE, { env: { ...process.env, ISOLATE_INDEX: String(index) }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const send = threads ? (m) => child.postMessage(m) : (m) => child.send(m);
  const waiting = new Map();
  let next = 0;
  child.on("message", ({ id, ok, value, error }) => {
    const w = waiting.get(id);
    waiting.delete(id);
    if (ok) w.resolve(value);
    else w.reject(new Error(`isolate ${index}: ${error}`));
  });
  child.on("exit", (code) => {
    for (const w of waiting.values()) w.reject(new Error(`isolate ${index} exited (${code})`));
    waiting.clear();
  });
  const call = (cmd, args = {}) => new Promise((resolve, reject) => {
    const id = next++;
    waiting.set(id, { resolve, reject });
    send({ id, cmd, ...args });
  });
  const kill = () => (threads ? child.terminate() : child.kill());
  return { kill, call };
}

/**
 * `PROCESSES` isolates (processes, or worker threads with `threads`) with caches of `options`
 * over the server, one after the other (each bus subscribed).
 */
async function isolates(options, threads = false) {
  const all = [];
  for (let i = 0; i < PROCESSES; i++) {
    const isolate = spawnIsolate(i, threads);
    all.push(isolate);
    await isolate.call("init", { url: server.url, ...options });
  }
  return all;
}

async function closeAll(all) {
  await Promise.all(all.map(({ call, kill }) => call("close").catch(() => kill())));
}


test("without a bus, a delete, set or invalidation reaches the other processes' reads within memoryTtl, not before", async (t) => {
  const memoryTtl = 400;
  const all = await isolates({ namespace: "nobus", memoryTtl });
  try {
    for (const kind of Object.keys(OPS)) {
      const times = [];
      for (let run = 0; run < RUNS; run++) times.push(await propagation(all, kind, run, memoryTtl + 2000));
      t.diagnostic(`no bus, ${PROCESSES} processes, memoryTtl ${memoryTtl} ms, ${kind}: ${figures(times)}`);
      // The other processes keep serving their memory until its entry expires.
      assert.ok(median(times) > memoryTtl / 4, `${kind} reached the others early (${figures(times)}): is a bus on?`);
      assert.ok(Math.max(...times) <= memoryTtl + 500, `${kind}: ${figures(times)}`);
    }
  } finally {
    await closeAll(all);
  }
});

test("with buses.redis, a delete, set or invalidation reaches every other process's reads in under 100 ms", async (t) => {
  const memoryTtl = 60_000;
  const all = await isolates({ namespace: "bus", memoryTtl, bus: "redis" });
  try {
    for (const kind of Object.keys(OPS)) {
      const times = [];
      for (let run = 0; run < RUNS; run++) times.push(await propagation(all, kind, run, 5000));
      t.diagnostic(`buses.redis, ${PROCESSES} processes, memoryTtl ${memoryTtl} ms, ${kind}: ${figures(times)}`);
      assert.ok(median(times) < 100, `${kind}: ${figures(times)}`);
    }
  } finally {
    await closeAll(all);
  }
});

test("with buses.broadcastChannel, the same reaches every other worker thread's reads in under 100 ms", async (t) => {
  const memoryTtl = 60_000;
  const all = await isolates({ namespace: "threads", memoryTtl, bus: "broadcastChannel" }, true);
  try {
    for (const kind of Object.keys(OPS)) {
      const times = [];
      for (let run = 0; run < RUNS; run++) times.push(await propagation(all, kind, run, 5000));
      t.diagnostic(`buses.broadcastChannel, ${PROCESSES} worker threads, memoryTtl ${memoryTtl} ms, ${kind}: ${figures(times)}`);
      assert.ok(median(times) < 100, `${kind}: ${figures(times)}`);
    }
  } finally {
    await closeAll(all);
  }
});
