// One isolate of the cross-isolate single-flight test (tests/js/node/lease_redis.test.mjs):
// a Node process with its own EdgeCache over a shared redis-server. It prints "ready" once
// connected, waits for a "go" line on stdin, then calls getOrSet for one cold key and prints
// `{ ms, loaded }` as JSON: how long the call took and whether this process's loader ran.
// Usage: node lease_isolate.mjs URL KEY LOADER_MS lease|none [LEASE_MS]
import { createInterface } from "node:readline";
import { createClient } from "redis";
import { EdgeCache, coordinators, stores } from "edgecache";

const [url, key, loaderMs, mode, leaseMs] = process.argv.slice(2);
const client = createClient({ url });
await client.connect();
const coordinator = mode === "lease" ? coordinators.redis(client, leaseMs === undefined ? {} : { leaseMs: Number(leaseMs) }) : undefined;
const cache = new EdgeCache({ store: stores.redis(client), namespace: "isolates", coordinator });
const lines = createInterface({ input: process.stdin });
console.log("ready");
for await (const line of lines) {
  if (line !== "go") continue;
  let loaded = false;
  const t0 = performance.now();
  await cache.getOrSet(key, async () => {
    loaded = true;
    await client.incr(`loads:${key}`);
    await new Promise((resolve) => setTimeout(resolve, Number(loaderMs)));
    return { by: process.pid };
  });
  console.log(JSON.stringify({ ms: performance.now() - t0, loaded }));
  await cache.flush();
  break;
}
lines.close();
await client.quit();
