// The store adapters in Node: the memory store on a manual clock, checkStore on
// user-supplied stores, the redis adapter against a real redis-server through node-redis
// and ioredis, and the argument checks of every factory.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createConnection } from "node:net";
import { createClient } from "redis";
import { Redis as IORedis } from "ioredis";
import { EdgeCacheError, stores } from "edgecache";
import { DEFAULT_LIMITS, checkStore } from "../../../pkg/dist/testing.js";
import { startRedis } from "../support/redis.mjs";

const isConfig = (pattern) => (e) => e instanceof EdgeCacheError && e.code === "E_CONFIG" && pattern.test(e.message);

describe("stores.memory", () => {
  const clock = () => {
    let t = 1_000;
    return { now: () => t, advance: (ms) => (t += ms) };
  };

  test("get / set / delete / getMany, strings in and out", async () => {
    const s = stores.memory();
    assert.equal(s.name, "memory");
    assert.equal(s.limits.minTtl, 0);
    assert.ok(Number.isFinite(s.limits.maxKeyBytes) && Number.isFinite(s.limits.maxValueBytes));
    assert.equal(await s.get("a"), null);
    await s.set("a", "1", {});
    await s.set("b", "", {});
    assert.equal(await s.get("a"), "1");
    assert.equal(await s.get("b"), "");
    assert.deepEqual(await s.getMany(["a", "x", "b", "a"]), ["1", null, "", "1"]);
    await s.delete("a");
    await s.delete("a");
    assert.equal(await s.get("a"), null);
  });

  test("an entry lives while now < setAt + ttl, on the injected clock", async () => {
    const c = clock();
    const s = stores.memory({ now: c.now });
    await s.set("k", "v", { ttl: 100 });
    await s.set("forever", "v", {});
    c.advance(99);
    assert.equal(await s.get("k"), "v");
    assert.deepEqual(await s.getMany(["k", "forever"]), ["v", "v"]);
    c.advance(1);
    assert.equal(await s.get("k"), null);
    assert.deepEqual(await s.getMany(["k", "forever"]), [null, "v"]);
    await s.set("k", "again", { ttl: 0.5 });
    assert.equal(await s.get("k"), "again", "a fractional ttl rounds up to 1 ms");
    c.advance(1);
    assert.equal(await s.get("k"), null);
    c.advance(1e12);
    assert.equal(await s.get("forever"), "v");
  });

  test("expired entries are swept as the map grows, live ones kept", async () => {
    const c = clock();
    const s = stores.memory({ now: c.now });
    for (let i = 0; i < 1000; i++) await s.set(`old${i}`, "v", { ttl: 10 });
    c.advance(10);
    for (let i = 0; i < 1000; i++) await s.set(`new${i}`, "v", { ttl: 10 });
    const values = await s.getMany(Array.from({ length: 1000 }, (_, i) => `new${i}`));
    assert.ok(values.every((v) => v === "v"));
  });

  test("bad ttl: E_ARGUMENT; bad options: E_CONFIG", async () => {
    const s = stores.memory();
    for (const ttl of [0, -1, NaN, Infinity, "10"]) {
      await assert.rejects(s.set("k", "v", { ttl }), (e) => e instanceof EdgeCacheError && e.code === "E_ARGUMENT" && /ttl/.test(e.message));
    }
    assert.equal(await s.get("k"), null, "a refused set stores nothing");
    assert.throws(() => stores.memory({ now: 5 }), isConfig(/now must be a function/));
    assert.throws(() => stores.memory({ clock: Date.now }), isConfig(/unknown option "clock"/));
    assert.throws(() => stores.memory("fast"), isConfig(/options must be an object/));
  });
});

describe("checkStore", () => {
  test("a user store gets defaults for what it does not declare, and keeps its own this", async () => {
    const map = new Map();
    class MyStore {
      limits = { maxKeyBytes: 200 };
      async get(key) {
        return map.get(key);
      }
      async set(key, value) {
        map.set(key, value);
      }
      async delete(key) {
        map.delete(key);
      }
    }
    const s = checkStore(new MyStore(), "EdgeCache: option store");
    assert.equal(s.name, "custom");
    assert.deepEqual(s.limits, { ...DEFAULT_LIMITS, maxKeyBytes: 200 });
    assert.deepEqual(DEFAULT_LIMITS, { maxKeyBytes: 1024, maxValueBytes: 25 * 1024 * 1024, minTtl: 0 });
    assert.equal(s.getMany, undefined);
    assert.equal(await s.get("k"), null, "undefined becomes null");
    await s.set("k", "v", { ttl: 5 });
    assert.equal(await s.get("k"), "v");
    await s.delete("k");
    assert.equal(await s.get("k"), null);
  });

  test("the built-in adapters pass unchanged limits and names", () => {
    const s = checkStore(stores.memory(), "w");
    assert.equal(s.name, "memory");
    assert.deepEqual(s.limits, stores.memory().limits);
    assert.equal(typeof s.getMany, "function");
  });

  test("missing or malformed parts throw E_CONFIG naming them", () => {
    const ok = { get: async () => null, set: async () => {}, delete: async () => {} };
    assert.throws(() => checkStore(undefined, "EdgeCache: option store"), isConfig(/^EdgeCache: option store: expected a store with get\/set\/delete .*got undefined$/));
    assert.throws(() => checkStore({ get() {} }, "w"), isConfig(/^w: the store has no set\/delete function/));
    assert.throws(() => checkStore({ ...ok, getMany: [] }, "w"), isConfig(/getMany must be a function/));
    assert.throws(() => checkStore({ ...ok, name: 7 }, "w"), isConfig(/name must be a string/));
    assert.throws(() => checkStore({ ...ok, limits: 5 }, "w"), isConfig(/limits must be an object/));
    assert.throws(() => checkStore({ ...ok, limits: { maxKeys: 5 } }, "w"), isConfig(/unknown store limit "maxKeys"/));
    assert.throws(() => checkStore({ ...ok, limits: { maxKeyBytes: 0 } }, "w"), isConfig(/maxKeyBytes must be a whole number/));
    assert.throws(() => checkStore({ ...ok, limits: { maxValueBytes: 1.5 } }, "w"), isConfig(/maxValueBytes must be a whole number/));
    assert.throws(() => checkStore({ ...ok, limits: { minTtl: -1 } }, "w"), isConfig(/minTtl must be a finite number/));
    assert.equal(checkStore({ ...ok, limits: { maxValueBytes: Infinity } }, "w").limits.maxValueBytes, Infinity);
  });

  test("reads that are not strings reject with E_STORE; a throwing store rejects", async () => {
    const s = checkStore({
      get: async (key) => (key === "n" ? 42 : { a: 1 }),
      set: () => {
        throw new Error("boom");
      },
      delete: async () => {},
      getMany: async (keys) => keys.slice(1),
    }, "w");
    await assert.rejects(s.get("n"), (e) => e.code === "E_STORE" && /got number/.test(e.message));
    await assert.rejects(s.get("o"), (e) => e.code === "E_STORE" && /got object/.test(e.message));
    await assert.rejects(s.set("k", "v", {}), /boom/);
    await assert.rejects(s.getMany(["a", "b"]), (e) => e.code === "E_STORE" && /array of 2 values, got 1 values/.test(e.message));
  });
});

describe("stores.redis against a real redis-server", () => {
  let server;
  const clients = {};
  before(async () => {
    server = await startRedis();
    clients["node-redis"] = await createClient({ url: server.url }).connect();
    clients.ioredis = new IORedis(server.port, "127.0.0.1", { lazyConnect: true });
    await clients.ioredis.connect();
  });
  after(async () => {
    await clients["node-redis"]?.close();
    clients.ioredis?.disconnect();
    await server?.stop();
  });
  /** PTTL read with node-redis, whichever client wrote. */
  const pttl = (key) => clients["node-redis"].pTTL(key);

  for (const flavor of ["node-redis", "ioredis"]) {
    describe(flavor, () => {
      const p = `${flavor}:`;
      let s;
      before(() => {
        s = stores.redis(clients[flavor]);
      });

      test("get / set / delete round-trip strings exactly", async () => {
        assert.equal(s.name, "redis");
        assert.deepEqual(s.limits.minTtl, 0);
        const value = JSON.stringify({ v: 1, text: "héllo ✓ 𝄞", n: 1.5, s: "\"quoted\"" });
        assert.equal(await s.get(`${p}a`), null);
        await s.set(`${p}a`, value, {});
        assert.equal(await s.get(`${p}a`), value);
        assert.equal(await clients["node-redis"].get(`${p}a`), value, "stored as is");
        await s.set(`${p}json-string`, "\"just a JSON string\"", {});
        assert.equal(await s.get(`${p}json-string`), "\"just a JSON string\"");
        await s.delete(`${p}a`);
        assert.equal(await s.get(`${p}a`), null);
        await s.delete(`${p}a`);
      });

      test("ttl becomes PX in whole ms; without ttl the key persists", async () => {
        await s.set(`${p}ttl`, "v", { ttl: 5000.2 });
        const left = await pttl(`${p}ttl`);
        assert.ok(left > 4000 && left <= 5001, `PTTL ${left} should be just under 5001 ms`);
        await s.set(`${p}none`, "v", {});
        assert.equal(await pttl(`${p}none`), -1, "no expiry");
        await s.set(`${p}ttl`, "v", {});
        assert.equal(await pttl(`${p}ttl`), -1, "a set without ttl clears the old expiry");
      });

      test("a short PX really expires the key", async () => {
        await s.set(`${p}short`, "v", { ttl: 30 });
        assert.equal(await s.get(`${p}short`), "v");
        const deadline = Date.now() + 2000;
        while ((await s.get(`${p}short`)) !== null) {
          assert.ok(Date.now() < deadline, "the key should expire within 2 s");
          await new Promise((r) => setTimeout(r, 10));
        }
      });

      test("getMany is one MGET, in order, with misses; empty asks nothing", async () => {
        const keys = Array.from({ length: 30 }, (_, i) => `${p}m${i}`);
        for (const [i, key] of keys.entries()) if (i % 4 !== 0) await s.set(key, `v${i}`, {});
        const values = await s.getMany([...keys, keys[1]]);
        assert.deepEqual(values, [...keys.map((_, i) => (i % 4 === 0 ? null : `v${i}`)), "v1"]);
        assert.deepEqual(await s.getMany([]), []);
      });

      test("a bad ttl is refused with E_ARGUMENT and nothing is written", async () => {
        await assert.rejects(s.set(`${p}bad`, "v", { ttl: -5 }), (e) => e.code === "E_ARGUMENT");
        assert.equal(await s.get(`${p}bad`), null);
      });
    });
  }

  describe("@upstash/redis shape", () => {
    /**
     * An object with @upstash/redis's signatures (set(key, value, { px }), mget(...keys),
     * del(...keys), and `opts`), sending the commands Upstash's client sends, to the real
     * server. The real client was not installed here; see the report of the stores work.
     */
    function upstashShaped({ automaticDeserialization } = {}) {
      const c = clients["node-redis"];
      const sent = [];
      const send = (cmd) => {
        sent.push(cmd);
        return c.sendCommand(cmd);
      };
      const parse = (v) => {
        if (automaticDeserialization === false) return v;
        try {
          return JSON.parse(v);
        } catch {
          return v;
        }
      };
      return {
        sent,
        ...(automaticDeserialization === undefined ? {} : { opts: { automaticDeserialization } }),
        get: async (key) => parse(await send(["get", key])),
        set: (key, value, opts) => {
          if (opts !== undefined && typeof opts.px !== "number") throw new TypeError("upstash: set options are { px: number }");
          return send(["set", key, value, ...(opts ? ["px", String(opts.px)] : [])]);
        },
        del: (...keys) => send(["del", ...keys]),
        mget: async (...keys) => {
          if (keys.some((k) => typeof k !== "string")) throw new TypeError("upstash: mget(...keys)");
          return (await send(["mget", ...keys])).map(parse);
        },
      };
    }

    test("detected without flavor; PX, MGET and DEL sent the Upstash way", async () => {
      const client = upstashShaped({ automaticDeserialization: false });
      const s = stores.redis(client);
      const record = JSON.stringify({ v: 1, n: 12345678901234567890n.toString() });
      await s.set("up:a", record, { ttl: 1500.5 });
      await s.set("up:b", "123", {});
      assert.equal(await s.get("up:a"), record);
      assert.deepEqual(await s.getMany(["up:a", "up:b", "up:none"]), [record, "123", null]);
      const left = await pttl("up:a");
      assert.ok(left > 1000 && left <= 1501, `PTTL ${left}`);
      await s.delete("up:a");
      assert.equal(await s.get("up:a"), null);
      assert.deepEqual(client.sent.map((c) => c[0]), ["set", "set", "get", "mget", "del", "get"]);
      assert.deepEqual(client.sent[0].slice(3), ["px", "1501"]);
    });

    test("a client that JSON-parses replies is refused up front, or its reads reject with E_STORE", async () => {
      assert.throws(() => stores.redis(upstashShaped({ automaticDeserialization: true })),
        isConfig(/automaticDeserialization: false/));
      const s = stores.redis(upstashShaped());
      await s.set("up:obj", "{\"a\":1}", {});
      await assert.rejects(s.get("up:obj"), (e) => e.code === "E_STORE" && /returned object instead of a string/.test(e.message));
      await assert.rejects(s.getMany(["up:obj"]), (e) => e.code === "E_STORE");
    });
  });

  test("flavor overrides detection and is checked against the client", () => {
    assert.throws(() => stores.redis(clients["node-redis"], { flavor: "ioredis" }), isConfig(/expected a ioredis client with get\/set\/del\/mget, got an object without mget/));
    assert.throws(() => stores.redis(clients.ioredis, { flavor: "memcached" }), isConfig(/flavor must be one of "node-redis", "ioredis", "upstash"/));
    assert.equal(stores.redis(clients.ioredis, { flavor: "ioredis" }).name, "redis");
  });
});

/** Sends PING on a raw socket: "+PONG", "refused" or "timeout". */
function ping(port, timeout = 1000) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    const done = (answer) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeout, () => done("timeout"));
    socket.on("error", () => done("refused"));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => done(String(chunk).trim()));
  });
}

test("startRedis: a real server that can be frozen, killed and restarted on its port", async () => {
  const server = await startRedis();
  try {
    assert.equal(server.url, `redis://127.0.0.1:${server.port}`);
    assert.equal(await ping(server.port), "+PONG");
    await server.kill("SIGSTOP");
    assert.equal(await ping(server.port, 200), "timeout");
    await server.kill("SIGCONT");
    assert.equal(await ping(server.port), "+PONG");
    await server.kill("SIGKILL");
    assert.equal(await ping(server.port), "refused");
    await assert.rejects(server.restart().then(() => server.restart()), /still running/);
    assert.equal(await ping(server.port), "+PONG");
  } finally {
    await server.stop();
  }
  assert.equal(await ping(server.port), "refused");
});

test("every factory refuses what it cannot use, with E_CONFIG saying what it expected", () => {
  const kv = { get() {}, put() {}, delete() {} };
  assert.throws(() => stores.cloudflareKV(undefined),
    isConfig(/^stores\.cloudflareKV\(namespace\): expected a Workers KV namespace binding \(env\.MY_KV\) with get\/put\/delete, got undefined$/));
  assert.throws(() => stores.cloudflareKV({ get() {} }), isConfig(/got an object without put\/delete$/));
  assert.equal(stores.cloudflareKV(kv).name, "cloudflare-kv");

  assert.throws(() => stores.denoKV(null), isConfig(/^stores\.denoKV\(kv\): expected a Deno\.Kv from Deno\.openKv\(\) with get\/set\/delete\/getMany, got null$/));
  const denoLike = { get() {}, set() {}, delete() {}, getMany() {} };
  assert.throws(() => stores.denoKV(denoLike, { prefix: "edgecache" }), isConfig(/prefix must be an array/));
  assert.throws(() => stores.denoKV(denoLike, { prefix: [{}] }), isConfig(/prefix parts must be strings, numbers/));
  assert.throws(() => stores.denoKV(denoLike, { prefix: ["x".repeat(2000)] }), isConfig(/use a shorter prefix/));
  assert.throws(() => stores.denoKV(denoLike, { prefixes: [] }), isConfig(/unknown option "prefixes"/));

  assert.throws(() => stores.redis(undefined), isConfig(/expected a node-redis, ioredis or @upstash\/redis client with get\/set\/del, got undefined/));
  assert.throws(() => stores.redis({ get() {}, set() {}, del() {} }), isConfig(/cannot tell which Redis client .*pass \{ flavor/));

  const cache = { match() {}, put() {}, delete() {} };
  assert.throws(() => stores.cacheApi(undefined), isConfig(/^stores\.cacheApi\(cache\): expected a Cache .* with match\/put\/delete, got undefined$/));
  for (const baseUrl of ["edgecache/", "ftp://x.test/", "https://x.test/c", "https://x.test/?a=1/", 7]) {
    assert.throws(() => stores.cacheApi(cache, { baseUrl }), isConfig(/baseUrl must be an absolute http\(s\) URL ending in "\/"/), String(baseUrl));
  }
  assert.equal(stores.cacheApi(cache, { baseUrl: "http://127.0.0.1:8787/c/" }).name, "cache-api");
  assert.ok(Object.isFrozen(stores));
});

test("the Deno KV key limit leaves room for the encoded prefix, counting NULs twice", () => {
  const denoLike = { get() {}, set() {}, delete() {}, getMany() {} };
  const max = (prefix) => stores.denoKV(denoLike, prefix === undefined ? undefined : { prefix }).limits.maxKeyBytes;
  assert.equal(max(), Math.floor((2048 - 11 - 2) / 2)); // "edgecache": type byte, 9 bytes, terminator
  assert.equal(max([]), 1023);
  assert.equal(max(["a\u0000b"]), Math.floor((2048 - 6 - 2) / 2));
  assert.equal(max(["é", 1, true]), Math.floor((2048 - 4 - 9 - 1 - 2) / 2));
});

test("cloudflareKV getMany falls back to single reads only when KV refuses a bulk read as too large", async () => {
  const values = new Map([["a", "A"], ["b", "B"]]);
  const namespace = (bulkError) => {
    const calls = { bulk: 0, single: 0 };
    return {
      calls,
      get: async (key) => {
        if (Array.isArray(key)) {
          calls.bulk++;
          throw new Error(bulkError);
        }
        calls.single++;
        return values.get(key) ?? null;
      },
      put: async () => {},
      delete: async () => {},
    };
  };
  const tooLarge = namespace("KV GET_BULK failed: 413 Total size of request exceeds the limit of 25MB");
  assert.deepEqual(await stores.cloudflareKV(tooLarge).getMany(["a", "x", "b"]), ["A", null, "B"]);
  assert.deepEqual(tooLarge.calls, { bulk: 1, single: 3 });
  const down = namespace("KV GET_BULK failed: 503 Service Unavailable");
  await assert.rejects(stores.cloudflareKV(down).getMany(["a", "b"]), /503/);
  assert.deepEqual(down.calls, { bulk: 1, single: 0 }, "an outage is not multiplied into single reads");
});
