// buses.denoKV over a real Deno KV file, in one process: the shared bus case (changes reach
// another cache's memory), every message of a burst from several publishers delivered once
// and in order through polling alone (what another process sees: kv.watch does not report
// another process's writes to a local file), a message larger than a Deno KV value, lost
// and failing reads reported as error events (tier "bus") with no failed call, dispose
// ending the watch and the polling (Deno's sanitizers check that nothing is left running),
// and the E_CONFIG checks. Across processes: multi_process.test.mjs.
import * as lib from "edgecache";
import { changesReach } from "../cases/bus.mjs";
import { equal, ok, throwsCode } from "../cases/check.mjs";

const { EdgeCache, buses, stores } = lib;

/** Polls until `check()` holds (at most 5 s); whether it did. */
async function eventually(check) {
  for (let i = 0; i < 500; i++) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}

/** A Deno KV file in a fresh temporary folder, and its removal. */
async function kvFile() {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/kv.sqlite`;
  const handles = [];
  return {
    open: async () => {
      const kv = await Deno.openKv(path);
      handles.push(kv);
      return kv;
    },
    close: async () => {
      for (const kv of handles) kv.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** `kv` as another process sees it: no watch (it would not see this one's writes). */
const unwatched = (kv) => ({ get: (...a) => kv.get(...a), list: (...a) => kv.list(...a), atomic: () => kv.atomic() });

/** `bus` counting what it publishes (`counts.sent`) and what its subscriber receives (`counts.got`). */
function counted(bus) {
  const counts = { sent: 0, got: [] };
  return {
    counts,
    bus: {
      publish: async (message) => {
        await bus.publish(message);
        counts.sent++;
      },
      subscribe: (onMessage, onError) => bus.subscribe((m) => (counts.got.push(m), onMessage(m)), onError),
    },
  };
}

Deno.test("buses.denoKV: a delete, set, invalidation or clear reaches another cache's memory, watched and polled", async () => {
  const file = await kvFile();
  try {
    for (const [name, own] of [["watched", (kv) => kv], ["polled", unwatched]]) {
      const [ka, kb] = [await file.open(), await file.open()];
      const options = { store: stores.denoKV(ka), ttl: 600_000, memoryTtl: 300_000, namespace: name };
      const ends = [ka, kb].map((kv) => counted(buses.denoKV(own(kv), { prefix: ["bus", name], pollMs: 20 })));
      const a = new EdgeCache({ ...options, bus: ends[0].bus });
      const b = new EdgeCache({ ...options, bus: ends[1].bus });
      // delivered: every message sent so far reached both subscribers (their own too).
      const delivered = async (cache) => {
        await cache.flush();
        const sent = ends[0].counts.sent + ends[1].counts.sent;
        ok(await eventually(() => ends.every((e) => e.counts.got.length === sent)), `${name}: every message read by both`);
      };
      await changesReach({ a, b }, delivered);
      await a.dispose();
      await b.dispose();
    }
  } finally {
    await file.close();
  }
});

Deno.test("buses.denoKV: a burst from four publishers reaches every subscriber once and in order, by polling alone", async () => {
  const file = await kvFile();
  try {
    const publishers = await Promise.all(Array.from({ length: 4 }, async () => buses.denoKV(unwatched(await file.open()))));
    const got = [[], []];
    const stops = await Promise.all(got.map(async (into) => buses.denoKV(unwatched(await file.open()), { pollMs: 5 }).subscribe((m) => into.push(m))));
    await new Promise((resolve) => setTimeout(resolve, 30)); // each subscriber's first read is done
    const sent = publishers.flatMap((bus, p) => Array.from({ length: 25 }, (_, i) => `${p}:${i}`));
    await Promise.all(publishers.map((bus, p) => (async () => {
      for (let i = 0; i < 25; i++) await bus.publish(`${p}:${i}`);
    })()));
    ok(await eventually(() => got.every((g) => g.length >= sent.length)), `received ${got.map((g) => g.length)} of ${sent.length}`);
    await new Promise((resolve) => setTimeout(resolve, 30));
    for (const g of got) {
      equal([...g].sort(), [...sent].sort(), "each message once");
      equal(g, got[0], "in one order for every subscriber");
      for (let p = 0; p < 4; p++) equal(g.filter((m) => m.startsWith(`${p}:`)), sent.filter((m) => m.startsWith(`${p}:`)), "each publisher's in its order");
    }
    await Promise.all(stops.map((stop) => stop()));
  } finally {
    await file.close();
  }
});

Deno.test("buses.denoKV: a message over Deno KV's 64 KiB value limit travels in chunks", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const bus = buses.denoKV(kv, { prefix: ["big"] });
    const got = [];
    const stop = bus.subscribe((m) => got.push(m));
    const big = JSON.stringify({ ops: Array.from({ length: 4000 }, (_, i) => ["d", `ключ-${i}-${"é".repeat(20)}`]) });
    ok(big.length > 2 * 16_384, `${big.length} characters, two bytes each in Deno KV`);
    await bus.publish(big);
    ok(await eventually(() => got.length === 1));
    equal(got[0] === big, true, "intact");
    await stop();
  } finally {
    kv.close();
  }
});

Deno.test("buses.denoKV: messages gone before they were read, a failing watch and a failing kv are error events, never failed calls", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    // Lost: the subscriber was stalled past expireInMs (entries deleted here, as Deno KV would).
    const errors = [];
    const stop = buses.denoKV(unwatched(kv), { pollMs: 50 }).subscribe(() => {}, (e) => errors.push(e));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const publisher = buses.denoKV(kv);
    for (let i = 0; i < 3; i++) await publisher.publish(`m${i}`);
    for await (const entry of kv.list({ prefix: ["edgecache", "bus", "log"] })) await kv.delete(entry.key);
    ok(await eventually(() => errors.length > 0));
    ok(/3 message\(s\) expired/.test(errors[0].message), String(errors[0]));
    await stop();

    // A watch that fails: reported; the polling goes on and delivers.
    const events = [];
    const broken = { ...unwatched(kv), watch: () => new ReadableStream({ start: (c) => c.error(new Error("watch broke")) }) };
    const options = { store: stores.denoKV(kv), ttl: 600_000, memoryTtl: 300_000, onEvent: (e) => e.type === "error" && events.push(e) };
    const a = new EdgeCache({ ...options, bus: buses.denoKV(kv) });
    const b = new EdgeCache({ ...options, bus: buses.denoKV(broken, { pollMs: 10 }) });
    ok(await eventually(() => events.some((e) => e.tier === "bus" && e.error?.message === "watch broke")), "the watch's failure reported");
    await a.set("k", "v0");
    equal(await b.get("k"), "v0");
    await a.delete("k");
    ok(await eventually(async () => (await b.get("k")) === undefined), "polled");
    // A watch that ends with pollMs 0: nothing else reads, memoryTtl is the bound again.
    const ended = { ...unwatched(kv), watch: () => new ReadableStream({ start: (c) => c.close() }) };
    const c = new EdgeCache({ ...options, bus: buses.denoKV(ended, { pollMs: 0 }) });
    ok(await eventually(() => events.some((e) => /kv\.watch ended; these caches go by memoryTtl/.test(e.error?.message))), "the end reported");

    // A kv that fails: one event per streak of failed reads; the cache's calls answer.
    let failing = true;
    const flaky = { ...unwatched(kv), get: (...args) => (failing ? Promise.reject(new Error("kv down")) : kv.get(...args)) };
    const before = events.length;
    const d = new EdgeCache({ ...options, bus: buses.denoKV(flaky, { pollMs: 5 }) });
    await new Promise((resolve) => setTimeout(resolve, 60));
    equal(events.slice(before).filter((e) => e.error?.message === "kv down").length, 1, "one event for the streak");
    await d.set("j", 1);
    equal(await d.get("j"), 1, "calls answer");
    failing = false;
    for (const cache of [a, b, c, d]) await cache.dispose();
  } finally {
    kv.close();
  }
});

Deno.test("buses.denoKV: dispose ends the watch and the polling", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    let reads = 0;
    const counting = { ...unwatched(kv), get: (...args) => (reads++, kv.get(...args)), watch: (...args) => kv.watch(...args) };
    const cache = new EdgeCache({ store: stores.denoKV(kv), bus: buses.denoKV(counting, { pollMs: 5 }) });
    ok(await eventually(() => reads >= 3), "polling");
    await cache.dispose();
    const after = reads;
    await new Promise((resolve) => setTimeout(resolve, 40));
    equal(reads, after, "no read after dispose");
  } finally {
    kv.close();
  }
});

Deno.test("buses.denoKV: what it cannot use is E_CONFIG saying what to pass", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const E = lib.EdgeCacheError;
    throwsCode(() => buses.denoKV({}), "E_CONFIG", E, "no kv");
    throwsCode(() => buses.denoKV(kv, { prefix: "bus" }), "E_CONFIG", E, "a prefix that is no array");
    throwsCode(() => buses.denoKV(kv, { prefix: ["x".repeat(2030)] }), "E_CONFIG", E, "a prefix too long for the log's keys");
    throwsCode(() => buses.denoKV(kv, { pollMs: -1 }), "E_CONFIG", E, "pollMs < 0");
    throwsCode(() => buses.denoKV(kv, { pollMs: 1.5 }), "E_CONFIG", E, "pollMs not whole");
    throwsCode(() => buses.denoKV(kv, { expireInMs: 0 }), "E_CONFIG", E, "expireInMs 0");
    throwsCode(() => buses.denoKV(kv, { pollMs: 60_000 }), "E_CONFIG", E, "pollMs not shorter than expireInMs");
    throwsCode(() => buses.denoKV(unwatched(kv), { pollMs: 0 }), "E_CONFIG", E, "pollMs 0 without a watch");
    throwsCode(() => buses.denoKV(kv, { channel: "x" }), "E_CONFIG", E, "an unknown option");
    try {
      buses.denoKV(unwatched(kv), { pollMs: 0 });
    } catch (error) {
      ok(/give pollMs a number of milliseconds/.test(error.message), error.message);
    }
  } finally {
    kv.close();
  }
});
