// The Upstash REST shape: @upstash/redis (HTTP, one JSON command per request) against
// @humanwhocodes/upstash-redis-server, a local stand-in of Upstash's REST API (POST / and
// /pipeline with a bearer token) over a real redis-server on loopback. The shared
// real-store cases run through stores.redis on it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { serve } from "@hono/node-server";
import { createApp } from "@humanwhocodes/upstash-redis-server";
import { Redis } from "@upstash/redis";
import * as lib from "edgecache";
import { storeCases } from "../cases/edge_store.mjs";
import { startRedis } from "../support/redis.mjs";

const TOKEN = "edgecache-test-token";
let server;
let http;
let url;
before(async () => {
  server = await startRedis();
  http = serve({ fetch: createApp({ token: TOKEN, redisUrl: server.url }).fetch, port: 0, hostname: "127.0.0.1" });
  await once(http, "listening");
  url = `http://127.0.0.1:${http.address().port}`;
  real.raw = real();
  real.limits = real.raw.limits;
});
after(async () => {
  // The stand-in's own ioredis connection has no close; QUIT through it ends it for good.
  await fetch(url, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(["QUIT"]) }).catch(() => {});
  http?.closeAllConnections?.();
  http?.close();
  await server?.stop();
});

/**
 * A client of the stand-in. It answers in plain JSON: `responseEncoding: false` stops the
 * client asking for (and decoding) the base64 replies that Upstash itself sends.
 */
const client = (options = {}) => new Redis({ url, token: TOKEN, automaticDeserialization: false, responseEncoding: false, ...options });

/** A fresh adapter over a fresh client of the one stand-in. */
const real = () => lib.stores.redis(client());

test("stores.redis over @upstash/redis: strings exactly, PX ttls, MGET, DEL", async () => {
  const s = real();
  const value = JSON.stringify({ text: "héllo ✓ 𝄞", n: 1.5, s: "\"quoted\"" });
  await s.set("up:a", value, { ttl: 5000.2 });
  await s.set("up:plain", "123", {});
  assert.equal(await s.get("up:a"), value);
  assert.equal(await s.get("up:plain"), "123", "a numeric-looking string stays a string");
  assert.deepEqual(await s.getMany(["up:a", "up:none", "up:plain"]), [value, null, "123"]);
  const direct = client();
  const left = await direct.pttl("up:a");
  assert.ok(left > 4000 && left <= 5001, `PTTL ${left}`);
  await s.delete("up:a");
  assert.equal(await s.get("up:a"), null);
});

test("a client that JSON-parses replies is refused (E_CONFIG)", () => {
  assert.throws(() => lib.stores.redis(client({ automaticDeserialization: true })), (e) => e.code === "E_CONFIG" && /automaticDeserialization: false/.test(e.message));
});

for (const [name, fn] of storeCases) test(name, () => fn(lib, real));
