// The bus: deletes, sets, tag invalidations and clears of one cache reach the memory of the
// others at once (not after memoryTtl); its own, other namespaces' and unparsable messages
// are ignored; a failing or hanging bus is an `error` event, never a failed or slow call;
// BroadcastChannel where the runtime has it. Runtime-neutral cases [name, fn(lib)].
import { equal, ok, seeded, throwsCode } from "./check.mjs";
import { never, pause, setup, tick } from "./edge_support.mjs";

/** An in-process bus hub: each `bus()` is one isolate's end; delivery is asynchronous, as over a network. */
function hub() {
  const listeners = new Set();
  const sent = [];
  const bus = () => ({
    publish(message) {
      sent.push(message);
      for (const listener of [...listeners]) queueMicrotask(() => listener(message));
    },
    subscribe(onMessage) {
      listeners.add(onMessage);
      return () => listeners.delete(onMessage);
    },
  });
  return { bus, sent, listeners };
}

/** Two caches over one store with long memory TTLs (only a message can make them drop an entry), on one hub. */
function pair(lib, more = {}) {
  const h = hub();
  const { make, clock, base } = setup(lib, { ttl: 600_000, memoryTtl: 300_000, ...more });
  const a = make({ bus: h.bus() });
  const b = make({ bus: h.bus() });
  return { a, b, h, make, clock, base };
}

/** `cache`'s messages are out and delivered. */
async function delivered(cache) {
  await cache.flush();
  await tick();
}

/** `bus` with publish failing, rejecting or hanging at random (`seed`); `tries` counts them. */
function faultyBus(bus, seed) {
  const random = seeded(seed);
  const faults = { tries: 0, failed: 0 };
  return {
    faults,
    bus: {
      publish(message) {
        faults.tries++;
        const roll = random.int(4);
        if (roll === 0) return bus.publish(message);
        faults.failed++;
        if (roll === 1) throw new Error("publish threw");
        if (roll === 2) return Promise.reject(new Error("publish rejected"));
        return never();
      },
      subscribe: (onMessage, onError) => bus.subscribe(onMessage, onError),
    },
  };
}

/**
 * A Durable Object namespace binding for `EdgeCacheBus` outside workerd: one object per
 * name, its `fetch` given a real Request, as the binding does. `evict(name)` stands for the
 * platform evicting it (a new object, a new epoch); `broken` makes every fetch `broken()`.
 */
function busObjects(lib) {
  const objects = new Map();
  const ns = {
    broken: null,
    idFromName: (name) => name,
    get: (id) => ({
      fetch: (url, init) => {
        if (ns.broken !== null) return ns.broken();
        if (!objects.has(id)) objects.set(id, new lib.EdgeCacheBus());
        return objects.get(id).fetch(new Request(url, init));
      },
    }),
    evict: (name) => objects.delete(name),
  };
  return ns;
}

/** Two caches over one store on one pull bus (polled every second of the cache's clock). */
function pulled(lib, more = {}) {
  const ns = busObjects(lib);
  const { make, clock } = setup(lib, { ttl: 600_000, memoryTtl: 300_000, ...more });
  const events = [];
  const onEvent = (e) => e.type === "error" && events.push(e);
  const a = make({ bus: lib.buses.durableObject(ns, { pollMs: 1000 }) });
  const b = make({ bus: lib.buses.durableObject(ns, { pollMs: 1000 }), onEvent });
  return { a, b, ns, clock, events };
}

/**
 * A delete, set, invalidation and clear in `a` reach `b`'s memory (long memoryTtl: only a
 * message explains it) once `delivered(a)` resolves. Shared with the tests of real buses.
 */
export async function changesReach({ a, b }, delivered) {
  await a.set("k", "v0", { tags: ["t"] });
  await a.set("j", "j0");
  await delivered(a);
  equal(await b.get("k"), "v0");
  equal(await b.get("j"), "j0");
  await a.set("k", "v1", { tags: ["t"] });
  await delivered(a);
  equal(await b.get("k"), "v1", "a set: dropped from memory, read again from the store");
  await a.delete("k");
  await delivered(a);
  equal(await b.get("k"), undefined, "a delete");
  await a.set("k", "v2", { tags: ["t"] });
  await delivered(a);
  equal(await b.get("k"), "v2");
  await a.invalidateTags(["t"]);
  await delivered(a);
  equal(await b.get("k"), undefined, "an invalidation");
  equal(await b.get("j"), "j0", "untagged entries stay");
  await a.clear();
  await delivered(a);
  equal(await b.get("j"), undefined, "a clear");
}

export const busCases = [
  ["bus: a delete, set, invalidation or clear in one cache reaches another's memory at once", async (lib) => {
    await changesReach(pair(lib), delivered);
  }],

  ["bus: without it the same changes wait for memoryTtl", async (lib) => {
    const { make, clock } = setup(lib, { ttl: 600_000, memoryTtl: 300_000 });
    const [a, b] = [make(), make()];
    await a.set("k", "v0");
    equal(await b.get("k"), "v0");
    await a.delete("k");
    equal(await b.get("k"), "v0", "b's memory still has it");
    clock.t += 300_000;
    equal(await b.get("k"), undefined);
  }],

  ["bus: a write queued behind is told once it is in the store, so another isolate does not read the old copy again", async (lib) => {
    const { a, b } = pair(lib, { writeMode: "behind", writeBehind: { maxDelay: 600_000 } });
    await a.set("k", "old");
    await delivered(a);
    equal(await b.get("k"), "old");
    await a.set("k", "new");
    await a.delete("j");
    await tick();
    equal(await b.get("k"), "old", "queued, not in the store: b keeps its copy");
    await delivered(a); // the batch goes out, then the message
    equal(await b.get("k"), "new", "told once it landed: read again from the store");
  }],

  ["bus: messages are small, name the namespace and the sender, and carry no value", async (lib) => {
    const { a, h } = pair(lib);
    const big = "x".repeat(10_000);
    await a.set(["user", 1], big, { tags: ["t"] });
    await delivered(a);
    await a.invalidateTags(["t", "u"]);
    await delivered(a);
    equal(h.sent.length, 2, "the changes of one microtask (two tags) go in one message");
    const [first, second] = h.sent.map((m) => JSON.parse(m));
    ok(h.sent.every((m) => m.length < 200 && !m.includes("xxx")), h.sent.join("\n"));
    equal(first.ns, "ec", "the default namespace");
    equal(typeof first.from, "string");
    equal(second.from, first.from, "one id per cache");
    equal(JSON.stringify(first.ops), JSON.stringify([["s", "user:1"]]), "the set");
    equal(second.ops.length, 2);
    equal(second.ops[0][0], "t");
    equal(second.ops[1][1], "u");
    ok(Number.isSafeInteger(second.ops[0][2]) && second.ops[0][2] > 0, "the tag's generation");
  }],

  ["bus: many changes at once go in several messages of at most 16 Ki characters, all applied", async (lib) => {
    const { a, b, h } = pair(lib);
    const keys = Array.from({ length: 400 }, (_, i) => `${"k".repeat(100)}${i}`);
    await Promise.all(keys.map((k) => a.set(k, 1)));
    await delivered(a);
    for (const k of keys) equal(await b.get(k), 1);
    h.sent.length = 0;
    await Promise.all(keys.map((k) => a.delete(k)));
    await delivered(a);
    ok(h.sent.length >= 3 && h.sent.length <= 6, `${h.sent.length} messages`);
    ok(h.sent.every((m) => m.length <= 16 * 1024), h.sent.map((m) => m.length).join(", "));
    equal(h.sent.flatMap((m) => JSON.parse(m).ops.map((op) => op[1])).join(), keys.join(), "every delete, in order");
    for (const k of keys) equal(await b.get(k), undefined);
  }],

  ["bus: a cache ignores its own messages, other namespaces' and unparsable ones (reported once)", async (lib) => {
    const h = hub();
    const { make } = setup(lib, { ttl: 600_000, memoryTtl: 300_000 });
    const events = [];
    const a = make({ bus: h.bus(), onEvent: (e) => e.type === "error" && events.push(e) });
    const other = make({ bus: h.bus(), namespace: "other" });
    const { publish } = h.bus();
    await a.set("k", "v0");
    await other.set("k", "elsewhere");
    await delivered(other);
    equal(await a.get("k"), "v0", "kept: another namespace's message");
    await a.set("k", "v1");
    await delivered(a);
    equal(a.stats().memory.hits >= 1, true);
    const hits = a.stats().memory.hits;
    equal(await a.get("k"), "v1");
    equal(a.stats().memory.hits, hits + 1, "its own message did not drop its entry");
    for (const junk of ["not json", "{}", JSON.stringify({ edgecache: 1, ns: "ec", from: "x", ops: [["d", ""]] }), JSON.stringify({ edgecache: 1, ns: "ec", from: "x", ops: [["d", 5]] }), JSON.stringify({ edgecache: 2, ns: "ec", from: "x", ops: [["d", "k"]] }), 42]) {
      publish(junk);
    }
    await tick();
    equal(await a.get("k"), "v1", "nothing dropped");
    equal(events.filter((e) => e.tier === "bus").length, 1, "reported once");
    equal(events[0].reason, "unparsable message");
  }],

  ["bus: another isolate's invalidation raises the tag to its generation, so what it writes next is current here", async (lib) => {
    // b's clock runs a second ahead of a's: raised to b's own time, the tag would make a's
    // next entries misses in b for memoryTtl.
    const h = hub();
    const clock = { t: 1_000_000 };
    const store = lib.stores.memory({ now: () => clock.t });
    const options = { store, ttl: 600_000, memoryTtl: 300_000 };
    const a = new lib.EdgeCache({ ...options, now: () => clock.t, bus: h.bus() });
    const b = new lib.EdgeCache({ ...options, now: () => clock.t + 1000, bus: h.bus() });
    await a.set("k", "v0", { tags: ["t"] });
    equal(await b.get("k"), "v0");
    await a.invalidateTags(["t"]);
    await delivered(a);
    equal(await b.get("k"), undefined, "invalidated here");
    await a.set("k", "v1", { tags: ["t"] });
    await delivered(a);
    equal(await b.get("k"), "v1", "written after the invalidation: current");
  }],

  ["bus: a load running here when another isolate invalidates its tag is served, not cached", async (lib) => {
    const { a, b } = pair(lib);
    let release;
    const loading = b.getOrSet("k", () => new Promise((r) => (release = r)), { tags: ["t"] });
    await tick();
    await a.invalidateTags(["t"]);
    await delivered(a);
    release("old");
    equal(await loading, "old", "the caller gets it");
    await b.flush();
    equal(await b.get("k"), undefined, "loaded from data older than the invalidation: not kept");
    equal(await a.get("k"), undefined, "nor stored");
  }],

  ["bus: a failing or hanging publish is an error event (tier bus), never a failed or slow call", async (lib) => {
    const h = hub();
    const { make, clock } = setup(lib, { ttl: 600_000, memoryTtl: 300_000, timeout: 30 });
    const events = [];
    const { bus, faults } = faultyBus(h.bus(), 7);
    const a = make({ bus, onEvent: (e) => e.type === "error" && events.push(e) });
    const b = make({ bus: h.bus() });
    for (let i = 0; i < 20; i++) {
      const key = `k${i}`;
      await a.set(key, "v0");
      equal(await b.get(key), "v0");
      await a.set(key, "v1"); // never awaits the publish: a hung one would hang this
      if (i % 2 === 0) await a.delete(key);
      await tick();
    }
    await a.flush(); // publishes given up after the timeout
    ok(faults.failed > 0 && faults.failed < faults.tries, `seeded faults: ${JSON.stringify(faults)}`);
    const busErrors = events.filter((e) => e.tier === "bus");
    equal(busErrors.length, faults.failed, "each failed publish reported");
    ok(busErrors.some((e) => /longer than 30 ms/.test(String(e.error?.message))), "a hung one times out");
    clock.t += 300_000;
    for (let i = 0; i < 20; i++) equal(await b.get(`k${i}`), i % 2 === 0 ? undefined : "v1", "memoryTtl still bounds it");
  }],

  ["bus: a subscribe that throws or reports an error is an error event; dispose unsubscribes", async (lib) => {
    const { make } = setup(lib);
    const events = [];
    const onEvent = (e) => e.type === "error" && events.push(e);
    let report;
    let unsubscribed = 0;
    const cache = make({ onEvent, bus: { publish() {}, subscribe: (_, onError) => ((report = onError), () => unsubscribed++) } });
    report(new Error("connection lost"));
    equal(events.length, 1);
    equal(events[0].tier, "bus");
    equal(events[0].error.message, "connection lost");
    await cache.set("k", 1);
    equal(await cache.get("k"), 1);
    await cache.dispose();
    equal(unsubscribed, 1);
    const broken = make({ onEvent, bus: { publish() {}, subscribe() { throw new Error("no subscriber"); } } });
    await broken.set("k", 2);
    equal(await broken.get("k"), 2);
    equal(events.at(-1).reason, "subscribe threw");
  }],

  ["bus: a bus that is not { publish, subscribe } is E_CONFIG", (lib) => {
    for (const bus of [{}, { publish() {} }, 5, "redis"]) {
      throwsCode(() => new lib.EdgeCache({ bus }), "E_CONFIG", lib.EdgeCacheError, `bus: ${String(bus)}`);
    }
    throwsCode(() => lib.buses.broadcastChannel(""), "E_CONFIG", lib.EdgeCacheError, "a channel name");
    throwsCode(() => lib.buses.redis({}), "E_CONFIG", lib.EdgeCacheError, "a redis client");
  }],

  ["pull bus (buses.durableObject): a change reaches another cache when it polls, every pollMs of its clock", async (lib) => {
    const { a, b, clock } = pulled(lib);
    await a.set("k", "v0");
    equal(await b.get("k"), "v0");
    await b.flush(); // its first poll (where the bus is in its sequence) is done
    equal(await b.get("k"), "v0", "read again: the first poll delivered a's recent set");
    await a.set("k", "v1");
    await a.delete("j");
    await a.flush();
    equal(await b.get("k"), "v0", "not due: b has not asked");
    clock.t += 1000;
    equal(await b.get("k"), "v0", "due: this call asks, in the background");
    await b.flush();
    equal(await b.get("k"), "v1", "the message applied: read again from the store");
    await a.invalidateTags(["t"]);
    await a.set("t1", "x", { tags: ["t"] });
    equal(await b.get("t1"), "x");
    await a.invalidateTags(["t"]);
    await a.flush();
    clock.t += 1000;
    await b.get("other");
    await b.flush();
    equal(await b.get("t1"), undefined, "an invalidation too");
  }],

  ["pull bus: a change that reaches the object while an isolate's first poll is on its way reaches that isolate (its first reads may have found the old copy)", async (lib) => {
    const ns = busObjects(lib);
    let hold = null;
    const held = { idFromName: ns.idFromName, get: (id) => ({ fetch: async (url, init) => (await hold, ns.get(id).fetch(url, init)) }) };
    const { make } = setup(lib, { ttl: 600_000, memoryTtl: 300_000 });
    const a = make({ bus: lib.buses.durableObject(ns, { pollMs: 1000 }) });
    const b = make({ bus: lib.buses.durableObject(held, { pollMs: 1000 }) });
    await a.set("k", "v0");
    await a.flush();
    let release;
    hold = new Promise((resolve) => (release = resolve));
    equal(await b.get("k"), "v0", "b's first call: its first poll goes out (held back), it reads the store");
    await a.set("k", "v1");
    await a.flush(); // a's message is in the object before b's first poll
    release();
    await b.flush();
    equal(await b.get("k"), "v1", "the set reached b: read again from the store");
  }],

  ["pull bus: one buses.durableObject(...) given to two caches (two namespaces) keeps a cursor for each: neither skips the other's messages", async (lib) => {
    const ns = busObjects(lib);
    const { make, clock } = setup(lib, { ttl: 600_000, memoryTtl: 300_000 });
    const shared = lib.buses.durableObject(ns, { pollMs: 1000 });
    const [x1, y1] = [make({ namespace: "x", bus: shared }), make({ namespace: "y", bus: shared })];
    const [x2, y2] = [make({ namespace: "x", bus: lib.buses.durableObject(ns) }), make({ namespace: "y", bus: lib.buses.durableObject(ns) })];
    await x2.set("k", 0);
    await y2.set("k", 0);
    await Promise.all([x2.flush(), y2.flush()]);
    equal(await x1.get("k"), 0);
    equal(await y1.get("k"), 0);
    await Promise.all([x1.flush(), y1.flush()]); // the first polls
    equal(await x1.get("k"), 0);
    equal(await y1.get("k"), 0);
    await x2.set("k", 1);
    await y2.set("k", 1);
    await Promise.all([x2.flush(), y2.flush()]);
    clock.t += 1000;
    await x1.get("other");
    await x1.flush(); // x1 polls first
    await y1.get("other");
    await y1.flush();
    equal(await x1.get("k"), 1);
    equal(await y1.get("k"), 1, "y1's poll was not skipped past its message by x1's");
  }],

  ["pull bus: messages the object no longer holds (evicted: a new epoch) empty the memory tier, an error event says so", async (lib) => {
    const { a, b, ns, clock, events } = pulled(lib);
    await a.set("k", "v0");
    equal(await b.get("k"), "v0");
    await b.flush();
    ns.evict("edgecache"); // the set below goes to a new object; b's cursor is the old one's
    await a.set("k", "v1");
    await a.flush();
    clock.t += 1000;
    await b.get("k");
    await b.flush();
    equal(events.map((e) => [e.tier, e.reason]).join(), "bus,messages lost");
    equal(await b.get("k"), "v1", "memory emptied: read again from the store");
    clock.t += 1000;
    await b.get("k");
    await b.flush();
    equal(events.length, 1, "on the new epoch from then on");
  }],

  ["pull bus: a poll that fails or hangs is an error event, never a failed or slow call; the next one follows", async (lib) => {
    const { a, b, ns, clock, events } = pulled(lib, { timeout: 30 });
    await a.set("k", "v0");
    equal(await b.get("k"), "v0");
    await b.flush();
    ns.broken = () => Promise.reject(new Error("object unreachable"));
    clock.t += 1000;
    equal(await b.get("k"), "v0");
    await b.flush();
    ns.broken = never;
    clock.t += 1000;
    equal(await b.get("k"), "v0", "a hanging poll does not slow the call");
    await b.flush(); // given up after the timeout
    equal(events.map((e) => e.reason).join(), "poll failed,poll failed");
    ok(/object unreachable/.test(events[0].error.message) && /longer than 30 ms/.test(events[1].error.message), events.map((e) => e.error.message).join("; "));
    ns.broken = null;
    await a.set("k", "v1");
    await a.flush();
    await pause(35); // the hung poll's bound (real time) has passed
    clock.t += 1000;
    await b.get("k");
    await b.flush();
    equal(await b.get("k"), "v1", "the bus works again");
  }],

  ["pull bus: a poll given up on that answers late, from an object evicted since, does not move the cursor back (no second \"messages lost\")", async (lib) => {
    let object = new lib.EdgeCacheBus();
    let gate = null;
    const ns = { idFromName: (name) => name, get: () => ({ fetch: async (url, init) => {
      const [to, held] = [object, gate];
      await held;
      return to.fetch(new Request(url, init));
    } }) };
    const { make, clock } = setup(lib, { timeout: 30 });
    const events = [];
    const b = make({ bus: lib.buses.durableObject(ns, { pollMs: 1000 }), onEvent: (e) => e.type === "error" && events.push(e.reason) });
    await b.get("x");
    await b.flush(); // the first poll: the cursor is on the first incarnation
    let release;
    gate = new Promise((resolve) => (release = resolve));
    clock.t += 1000;
    await b.get("x"); // a poll that hangs
    gate = null;
    await b.flush(); // given up after the timeout
    object = new lib.EdgeCacheBus(); // evicted: a new incarnation
    await pause(35); // the hung poll's bound (real time) has passed
    clock.t += 1000;
    await b.get("x");
    await b.flush(); // messages lost: right
    release(); // the hung poll answers, from the first incarnation
    await pause(5);
    clock.t += 1000;
    await b.get("x");
    await b.flush();
    equal(events.join(), "poll failed,messages lost");
  }],

  ["pull bus: EdgeCacheBus keeps at most 4 Mi characters of messages: a poll's answer stays a few MiB, a poller further behind has lost some", async (lib) => {
    const object = new lib.EdgeCacheBus();
    const ask = async (body) => (await object.fetch(new Request("https://bus.test/", { method: "POST", body: JSON.stringify(body) }))).text();
    const { epoch } = JSON.parse(await ask({ op: "since", epoch: null, seq: 0 }));
    const message = "m".repeat(16 * 1024);
    for (let i = 0; i < 300; i++) await ask({ op: "publish", message }); // 4.7 Mi characters
    const behind = JSON.parse(await ask({ op: "since", epoch, seq: 0 }));
    equal(behind.lost, true, "the oldest messages are gone");
    const answer = await ask({ op: "since", epoch, seq: 300 - 256 });
    equal(JSON.parse(answer).messages.length, 256, "the last 4 Mi characters are kept");
    ok(answer.length < 4.1 * 2 ** 20, `the answer: ${answer.length} characters`);
  }],

  ["pull bus: bad options and a pull bus without pollMs are E_CONFIG", (lib) => {
    const ns = busObjects(lib);
    for (const options of [{ pollMs: 0 }, { pollMs: "1s" }, { pollMs: 300_001 }, { name: "" }, { color: 1 }]) {
      throwsCode(() => lib.buses.durableObject(ns, options), "E_CONFIG", lib.EdgeCacheError, JSON.stringify(options));
    }
    throwsCode(() => lib.buses.durableObject({}), "E_CONFIG", lib.EdgeCacheError, "not a namespace");
    throwsCode(() => new lib.EdgeCache({ bus: { publish() {}, poll: async () => [] } }), "E_CONFIG", lib.EdgeCacheError, "no pollMs");
  }],

  ["bus: buses.broadcastChannel carries a delete between two caches of one isolate (where BroadcastChannel exists)", async (lib) => {
    if (typeof BroadcastChannel !== "function") {
      throwsCode(() => lib.buses.broadcastChannel("edgecache-case"), "E_CONFIG", lib.EdgeCacheError, "no BroadcastChannel here");
      return;
    }
    const name = `edgecache-case-${Math.random()}`;
    const { make } = setup(lib, { ttl: 600_000, memoryTtl: 300_000 });
    const a = make({ bus: lib.buses.broadcastChannel(name) });
    const b = make({ bus: lib.buses.broadcastChannel(name) });
    try {
      await a.set("k", "v0");
      equal(await b.get("k"), "v0");
      await a.delete("k");
      await a.flush();
      let seen;
      for (let i = 0; i < 200 && (seen = await b.get("k")) !== undefined; i++) await pause(5);
      equal(seen, undefined, "the delete reached b within a second");
    } finally {
      await a.dispose();
      await b.dispose();
    }
  }],
];
