// A Node service whose "database" is slow: six recommendation queries per user, the way a
// personalised API grows. EdgeCache puts this process's memory and Redis in front of it;
// several processes share Redis, so what one loaded the others read from there.
// Routes:
//   GET  /recommendations/:user    the user's recommendations, through the cache
//   POST /users/:user/changed      the user's data changed: invalidate the tag user:<id>
//   GET  /stats                    what each tier answered since this process started
import { createServer } from "node:http";
import { createClient } from "redis";
import { EdgeCache, stores } from "edgecache";

const DB_DELAY_MS = Number(process.env.DB_DELAY_MS ?? 300); // per query
let dbCalls = 0; // queries this process sent to the database

/** The database: six slow queries, one round trip each. */
async function recommendations(user) {
  const query = async (name) => {
    dbCalls++;
    await new Promise((resolve) => setTimeout(resolve, DB_DELAY_MS));
    return `${name} for ${user}`;
  };
  const names = ["history", "similar", "trending", "friends", "deals", "recent"];
  return { user, items: await Promise.all(names.map(query)) };
}

const redis = await createClient({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" }).connect();
const cache = new EdgeCache({ store: stores.redis(redis), namespace: "recs", ttl: 600_000 });

async function handle(req, send) {
  const url = new URL(req.url, "http://localhost");
  const recs = url.pathname.match(/^\/recommendations\/(\w+)$/);
  const changed = url.pathname.match(/^\/users\/(\w+)\/changed$/);
  if (recs && req.method === "GET") {
    const user = recs[1];
    const value = await cache.getOrSet(["recs", user], () => recommendations(user), { tags: [`user:${user}`] });
    return send(200, value);
  }
  if (changed && req.method === "POST") {
    await cache.invalidateTags([`user:${changed[1]}`]);
    return send(204);
  }
  if (url.pathname === "/stats") {
    const { memory, store, loader, hitRate } = cache.stats();
    return send(200, {
      dbCalls,
      hitRate,
      memory: { hits: memory.hits, misses: memory.misses },
      store: { hits: store.hits, misses: store.misses, writes: store.writes },
      loader: { loads: loader.loads },
      report: String(cache.report()),
    });
  }
  send(404, { routes: ["GET /recommendations/:user", "POST /users/:user/changed", "GET /stats"] });
}

const server = createServer((req, res) => {
  const started = performance.now();
  const send = (status, body) => {
    const headers = { "server-timing": `total;dur=${(performance.now() - started).toFixed(1)}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    res.writeHead(status, headers);
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  handle(req, send).catch((error) => send(500, { error: String(error) }));
});
server.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}/`);
});

// On Ctrl-C or SIGTERM: stop taking requests, let the cache's store writes land, disconnect.
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, async () => {
    server.close();
    await cache.dispose();
    await redis.quit();
  });
}
