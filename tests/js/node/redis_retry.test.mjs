// stores.redis rides out a cluster failover: a command that failed at the connection level
// is sent again within `failoverMs`; an answer is not. The errors are the clients' own
// classes; the faults are injected into real clients on a real redis-server
// (faulty_redis_client.mjs). The real failover is in redis_cluster.test.mjs.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createConnection } from "node:net";
import { once } from "node:events";
import {
  ClientClosedError, ClientOfflineError, CommandTimeoutDuringMaintenanceError, ConnectionTimeoutError, DisconnectsClientError, MaxCommandRedirectionsError,
  ReconnectStrategyError, RootNodesUnavailableError, SimpleError, SocketClosedUnexpectedlyError, SocketTimeoutError,
  TimeoutError as NodeRedisTimeoutError, WatchError, createClient,
} from "redis";
import { Redis as IORedis, ReplyError } from "ioredis";
import clusterAllFailed from "ioredis/built/errors/ClusterAllFailedError.js"; // not re-exported by "ioredis"
import { EdgeCache, EdgeCacheError, stores } from "edgecache";
import { hashSlot, isConnectionFailure } from "../../../pkg/dist/testing.js";
import { freePort, startRedis } from "../support/redis.mjs";
import { faultyRedisClient } from "../support/faulty_redis_client.mjs";

/** The error a connection to a loopback port nobody listens on fails with (ECONNREFUSED). */
async function refusedError() {
  const socket = createConnection({ host: "127.0.0.1", port: await freePort() });
  const [error] = await once(socket, "error");
  return error;
}

test("isConnectionFailure: the clients' connection errors and the cluster's transient replies; never an answer", async () => {
  const retried = {
    SocketClosedUnexpectedlyError: new SocketClosedUnexpectedlyError(),
    DisconnectsClientError: new DisconnectsClientError(),
    ClientClosedError: new ClientClosedError(),
    ClientOfflineError: new ClientOfflineError(),
    ConnectionTimeoutError: new ConnectionTimeoutError(),
    SocketTimeoutError: new SocketTimeoutError(100),
    "TimeoutError (commandOptions.timeout)": new NodeRedisTimeoutError(),
    CommandTimeoutDuringMaintenanceError: new CommandTimeoutDuringMaintenanceError(100),
    ReconnectStrategyError: new ReconnectStrategyError(new Error("gave up"), new Error("refused")),
    RootNodesUnavailableError: new RootNodesUnavailableError(),
    MaxCommandRedirectionsError: new MaxCommandRedirectionsError(new SimpleError("MOVED 1 127.0.0.1:7001")),
    "node-redis CLUSTERDOWN": new SimpleError("CLUSTERDOWN The cluster is down"),
    "node-redis TRYAGAIN": new SimpleError("TRYAGAIN Multiple keys request during rehashing of slot"),
    "node-redis MOVED": new SimpleError("MOVED 3999 127.0.0.1:6381"),
    "node-redis ASK": new SimpleError("ASK 3999 127.0.0.1:6381"),
    "ioredis CLUSTERDOWN": new ReplyError("CLUSTERDOWN Hash slot not served"),
    "ioredis ClusterAllFailedError": new clusterAllFailed.default("Failed to refresh slots cache.", new Error("refused")),
    "ioredis closed connection": new Error("Connection is closed."),
    ECONNREFUSED: await refusedError(),
    ECONNRESET: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET", syscall: "read" }),
    EPIPE: Object.assign(new Error("write EPIPE"), { code: "EPIPE", syscall: "write" }),
  };
  for (const [name, error] of Object.entries(retried)) assert.equal(isConnectionFailure(error), true, name);
  const hostile = new Proxy(new Error("x"), { getPrototypeOf() { throw new Error("trap"); } });
  const answers = {
    WRONGTYPE: new SimpleError("WRONGTYPE Operation against a key holding the wrong kind of value"),
    OOM: new SimpleError("OOM command not allowed when used memory > 'maxmemory'."),
    NOAUTH: new SimpleError("NOAUTH Authentication required."),
    NOPERM: new SimpleError("NOPERM User default has no permissions to run the 'set' command"),
    "ioredis WRONGTYPE": new ReplyError("WRONGTYPE Operation against a key holding the wrong kind of value"),
    "a reply word in a plain Error": new Error("CLUSTERDOWN"),
    WatchError: new WatchError(),
    "a failed fetch": new TypeError("fetch failed"),
    "an AbortSignal.timeout() reason": new DOMException("The operation timed out.", "TimeoutError"),
    "ioredis message in a TypeError": new TypeError("Connection is closed."),
    "a code on a non-Error": { code: "ECONNRESET", message: "read ECONNRESET" },
    "a string": "ECONNRESET",
    undefined,
    "a hostile Proxy": hostile,
  };
  for (const [name, error] of Object.entries(answers)) assert.equal(isConnectionFailure(error), false, name);
});

describe("stores.redis over a client that loses its connection", () => {
  let server;
  let nodeRedis;
  let ioredis;
  before(async () => {
    server = await startRedis();
    nodeRedis = createClient({ url: server.url });
    nodeRedis.on("error", () => {});
    await nodeRedis.connect();
    ioredis = new IORedis(server.port, "127.0.0.1");
  });
  after(async () => {
    await nodeRedis?.close().catch(() => {});
    ioredis?.disconnect();
    await server?.stop();
  });

  const socketClosed = () => new SocketClosedUnexpectedlyError();
  const dropped = () => new DisconnectsClientError();

  test("a node-redis cluster client: each command is sent again until it gets through, and lands", async () => {
    const client = faultyRedisClient(nodeRedis, { cluster: true });
    const s = stores.redis(client);
    client.failNext(3, socketClosed);
    await s.set("retry:a", "1", { ttl: 60_000 });
    assert.equal(client.calls.set, 4);
    assert.equal(await nodeRedis.get("retry:a"), "1", "the SET reached the server");
    assert.ok((await nodeRedis.pTTL("retry:a")) > 50_000, "with its PX");
    client.failNext(2, dropped);
    assert.equal(await s.get("retry:a"), "1");
    assert.equal(client.calls.get, 3);
    client.failNext(1, socketClosed);
    await s.delete("retry:a");
    assert.equal(client.calls.del, 2);
    assert.equal(await nodeRedis.get("retry:a"), null, "the DEL reached the server");
  });

  test("getMany on a cluster: only the MGET of the slot that failed is sent again", async () => {
    const client = faultyRedisClient(nodeRedis, { cluster: true });
    const s = stores.redis(client);
    const keys = ["slot:a", "slot:b", "slot:c", "slot:d"];
    assert.equal(new Set(keys.map(hashSlot)).size, keys.length, "four slots");
    for (const k of keys) await nodeRedis.set(k, k);
    client.failKeys(["slot:c"], 2, socketClosed);
    assert.deepEqual(await s.getMany(keys), keys);
    assert.equal(client.calls.mGet, keys.length + 2);
    assert.deepEqual(client.log.filter((l) => l.fault !== null).map((l) => l.keys), [["slot:c"], ["slot:c"]]);
  });

  test("an answer is not retried: a WRONGTYPE rejects at once", async () => {
    const client = faultyRedisClient(nodeRedis, { cluster: true });
    const wrongType = new SimpleError("WRONGTYPE Operation against a key holding the wrong kind of value");
    client.failNext(1, () => wrongType);
    await assert.rejects(stores.redis(client).get("retry:b"), (e) => e === wrongType);
    assert.equal(client.calls.get, 1);
  });

  test("the bound: retries stop at failoverMs from the first attempt, and the last error rejects", async () => {
    const client = faultyRedisClient(nodeRedis, { cluster: true });
    const s = stores.redis(client, { failoverMs: 300 });
    client.down(socketClosed);
    const t0 = performance.now();
    await assert.rejects(s.set("retry:c", "1", {}), SocketClosedUnexpectedlyError);
    const elapsed = performance.now() - t0;
    client.down(null);
    // Pauses of 25, 50, 100 and the 125 ms left: at most five attempts, the last one at 300 ms.
    // A loaded machine runs late timers, so fewer, but always a first one and a retry; a
    // timer may fire a few ms early (Node counts from the event loop's cached time).
    assert.ok(client.calls.set >= 2 && client.calls.set <= 5, `${client.calls.set} attempts`);
    assert.ok(elapsed >= 280 && elapsed < 300 + 1000, `gave up after ${elapsed} ms`);
    assert.equal(await nodeRedis.get("retry:c"), null);
  });

  test("defaults: on for a node-redis cluster client; off for a single client, for ioredis (it retries itself) and with failoverMs: 0", async () => {
    const onCluster = faultyRedisClient(nodeRedis, { cluster: true });
    onCluster.failNext(1, socketClosed);
    await stores.redis(onCluster).set("retry:d", "1", {});
    assert.equal(onCluster.calls.set, 2);
    const offCases = {
      "a single node-redis client": [faultyRedisClient(nodeRedis), undefined, socketClosed],
      "failoverMs: 0": [faultyRedisClient(nodeRedis, { cluster: true }), { failoverMs: 0 }, socketClosed],
      "an ioredis Cluster": [faultyRedisClient(ioredis, { cluster: true }), undefined, () => new Error("Connection is closed.")],
    };
    for (const [name, [client, options, fault]] of Object.entries(offCases)) {
      client.failNext(1, fault);
      await assert.rejects(stores.redis(client, options).set("retry:d", "2", {}), undefined, name);
      assert.equal(client.calls.set, 1, name);
    }
    const asked = faultyRedisClient(ioredis, { cluster: true });
    asked.failNext(1, () => new Error("Connection is closed."));
    await stores.redis(asked, { failoverMs: 1000 }).set("retry:d", "3", {});
    assert.equal(asked.calls.set, 2, "an ioredis client retried when asked");
    assert.equal(await nodeRedis.get("retry:d"), "3");
  });

  test("a client its owner closed is not waited on", async () => {
    const client = faultyRedisClient(nodeRedis, { cluster: true });
    client.isOpen = false;
    client.failNext(1, () => new ClientClosedError());
    await assert.rejects(stores.redis(client).get("retry:e"), ClientClosedError);
    assert.equal(client.calls.get, 1);
  });

  test("EdgeCache over a cluster client that drops commands: no caller-visible error, no store error counted", async () => {
    const client = faultyRedisClient(nodeRedis, { cluster: true });
    const cache = new EdgeCache({ store: stores.redis(client), namespace: "retry", memory: false });
    client.failNext(2, dropped);
    await cache.set("k", { v: 1 });
    client.failNext(2, socketClosed);
    assert.deepEqual(await cache.get("k"), { v: 1 });
    const { store } = cache.stats();
    assert.equal(store.errors, 0, JSON.stringify(store));
  });

  test("failoverMs must be a finite number >= 0: E_CONFIG says how to fix it", () => {
    for (const failoverMs of [-1, Number.NaN, Number.POSITIVE_INFINITY, "5000", null]) {
      assert.throws(() => stores.redis(nodeRedis, { failoverMs }),
        (e) => e instanceof EdgeCacheError && e.code === "E_CONFIG" && /failoverMs must be a finite number of ms >= 0 .*e\.g\. the cache's timeout/.test(e.message),
        String(failoverMs));
    }
  });
});
