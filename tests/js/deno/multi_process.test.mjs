// Eight `deno run` processes over one Deno KV file, each with its own EdgeCache over
// stores.denoKV (support/deno_isolate.mjs, driven by JSON lines on stdin/stdout). Measured
// and printed: loader calls for one cold key asked by all eight at once, without a
// coordinator and with coordinators.denoKV (one); the time until a delete, set or tag
// invalidation in one process reaches every other's reads, without a bus (the memoryTtl
// bound) and with buses.denoKV (polled: kv.watch does not see other processes' writes to a
// local file). Every child is killed when the test ends, passed or failed.
import { equal, ok } from "../cases/check.mjs";
import { lines } from "../support/lines.mjs";
import { OPS, figures, median, propagation } from "../support/propagation.mjs";

const PROCESSES = 8;
const ISOLATE = new URL("../support/deno_isolate.mjs", import.meta.url);

/** A `deno run` child and a call to it (one answer per request id), once it listens. */
async function spawnProcess() {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", "--unstable-kv", ISOLATE.href],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  const waiting = new Map();
  let next = 0;
  let listening;
  const ready = new Promise((resolve) => (listening = resolve));
  const reading = (async () => {
    for await (const line of lines(child.stdout)) {
      const { id, ok, value, error, ready } = JSON.parse(line);
      if (ready) {
        listening();
        continue;
      }
      const w = waiting.get(id);
      waiting.delete(id);
      if (ok) w.resolve(value);
      else w.reject(new Error(error));
    }
    for (const w of waiting.values()) w.reject(new Error("the process ended"));
  })();
  const call = (cmd, args = {}) => new Promise((resolve, reject) => {
    const id = next++;
    waiting.set(id, { resolve, reject });
    writer.write(encoder.encode(`${JSON.stringify({ id, cmd, ...args })}\n`)).catch(reject);
  });
  const end = async () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
    await child.status;
    await writer.close().catch(() => {});
    await reading.catch(() => {});
  };
  await Promise.race([ready, child.status.then(() => Promise.reject(new Error("a process exited before it listened")))]);
  return { call, end };
}

/** `PROCESSES` processes over a fresh KV file for `fn(all, path)`; all killed at the end. */
async function withProcesses(fn) {
  const dir = await Deno.makeTempDir();
  const started = Array.from({ length: PROCESSES }, spawnProcess);
  try {
    const all = await Promise.all(started);
    await fn(all, `${dir}/kv.sqlite`);
    await Promise.all(all.map((p) => p.call("close")));
  } finally {
    await Promise.all(started.map((p) => p.then((it) => it.end(), () => {})));
    await Deno.remove(dir, { recursive: true });
  }
}

/** Loader calls when every process asks for the cold `key` at once. */
async function coldLoads(all, key) {
  const results = await Promise.all(all.map((p) => p.call("load", { key, loaderMs: 200 })));
  return { loads: results.filter((r) => r.loaded).length, values: new Set(results.map((r) => r.value)).size };
}

/** The propagation times of each change, `runs` runs each. */
async function propagations(all, runs, limitMs) {
  const result = {};
  for (const kind of Object.keys(OPS)) {
    result[kind] = [];
    for (let run = 0; run < runs; run++) result[kind].push(await propagation(all, kind, run, limitMs));
  }
  return result;
}

const say = (text) => console.log(`${PROCESSES} deno processes, one KV file, ${text}`);

Deno.test(`${PROCESSES} Deno processes over one KV file: loader calls for a cold key, and how a change reaches the others`, async (t) => {
  await withProcesses(async (all, path) => {
    const init = (options) => Promise.all(all.map((p) => p.call("init", { path, ...options })));

    await t.step("a cold key without a coordinator: each process loads it", async () => {
      await init({ namespace: "alone", memoryTtl: 60_000 });
      const { loads } = await coldLoads(all, "cold");
      say(`no coordinator: ${loads} loader calls for one cold key`);
      ok(loads > 1, `${loads} loader calls: single flight stops at the process`);
    });

    await t.step("a cold key with coordinators.denoKV: one loader call, one value", async () => {
      await init({ namespace: "lease", memoryTtl: 60_000, coordinator: true });
      const { loads, values } = await coldLoads(all, "cold");
      say(`coordinators.denoKV: ${loads} loader call(s) for one cold key`);
      equal(loads, 1, "one loader call");
      equal(values, 1, "every process got the winner's value");
    });

    await t.step("no bus: a change reaches the others within memoryTtl, not before", async () => {
      const memoryTtl = 300;
      await init({ namespace: "nobus", memoryTtl });
      for (const [kind, times] of Object.entries(await propagations(all, 3, memoryTtl + 2000))) {
        say(`no bus, memoryTtl ${memoryTtl} ms, ${kind}: ${figures(times)}`);
        ok(median(times) > memoryTtl / 4, `${kind} reached the others early (${figures(times)}): is a bus on?`);
        ok(Math.max(...times) <= memoryTtl + 500, `${kind}: ${figures(times)}`);
      }
    });

    for (const pollMs of [100, 20]) {
      await t.step(`buses.denoKV (pollMs ${pollMs}): a change reaches the others long before memoryTtl`, async () => {
        const memoryTtl = 60_000;
        await init({ namespace: `bus${pollMs}`, memoryTtl, bus: "denoKV", pollMs });
        for (const [kind, times] of Object.entries(await propagations(all, 5, 5000))) {
          say(`buses.denoKV pollMs ${pollMs}, memoryTtl ${memoryTtl} ms, ${kind}: ${figures(times)}`);
          // Only a message explains a change seen within 5 s when memory keeps entries 60 s.
          ok(Math.max(...times) < 5000, `${kind}: ${figures(times)}`);
          ok(median(times) < pollMs + 150, `${kind}: within a poll and the reads (${figures(times)})`);
        }
      });
    }
  });
});
