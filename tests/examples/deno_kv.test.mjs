// examples/deno-kv run with the command of its `deno task start` (the deno of
// node_modules, a Deno KV file in a temporary directory), restarted to show Deno KV
// answering once the memory tier is gone.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { request, start, statsOf, stopAll, until } from "./support/processes.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const EXAMPLE = join(ROOT, "examples/deno-kv");
const DENO = join(ROOT, "node_modules/.bin/deno");

const scratch = mkdtempSync(join(tmpdir(), "edgecache-example-deno-"));
after(async () => {
  await stopAll();
  rmSync(scratch, { recursive: true, force: true });
});

/** The example as `deno task start` runs it, listening on a free port, its KV file at `kvPath`. */
async function app(kvPath) {
  const task = JSON.parse(readFileSync(join(EXAMPLE, "deno.json"), "utf8")).tasks.start;
  const [deno, ...args] = task.split(" ");
  assert.equal(deno, "deno");
  const server = await start(DENO, args, {
    cwd: EXAMPLE,
    env: { ...process.env, PORT: "0", KV_PATH: kvPath },
    ready: /listening on (http:\/\/127\.0\.0\.1:\d+)\//,
  });
  return { url: server.match[1], stop: server.stop };
}


test("Deno.serve app: memory hit, Deno KV hit after a restart, one load for concurrent misses, invalidation", async () => {
  const kvPath = join(scratch, "cache.sqlite3");
  let server = await app(kvPath);
  const paris = await request(`${server.url}/forecast/paris`);
  assert.equal(paris.status, 200);
  assert.deepEqual(paris.body, { city: "paris", tomorrow: "sunny", high: 21 });
  let stats = await until(() => statsOf(server), (s) => s.store.writes >= 1);
  assert.deepEqual([stats.loads, stats.memory.misses, stats.store.misses], [1, 1, 1]);

  assert.deepEqual((await request(`${server.url}/forecast/paris`)).body, paris.body);
  stats = await statsOf(server);
  assert.deepEqual([stats.memory.hits, stats.loads], [1, 1], "the second read is a memory hit");

  const many = await Promise.all(Array.from({ length: 10 }, () => request(`${server.url}/forecast/oslo`)));
  assert.ok(many.every((r) => r.body.city === "oslo"));
  assert.equal((await statsOf(server)).loads, 2, "ten concurrent misses, one load");
  await server.stop();

  server = await app(kvPath); // a new process: empty memory, the same KV file
  assert.deepEqual((await request(`${server.url}/forecast/paris`)).body, paris.body);
  stats = await statsOf(server);
  assert.deepEqual([stats.store.hits, stats.memory.misses, stats.loads], [1, 1, 0], "Deno KV answers, no load");
  assert.match(stats.report, /^edgecache forecasts, last 60 s: 1 reads/);

  assert.equal((await request(`${server.url}/invalidate?tag=city:paris`, { method: "POST" })).status, 204);
  assert.deepEqual((await request(`${server.url}/forecast/paris`)).body, paris.body);
  assert.equal((await statsOf(server)).loads, 1, "an invalidated tag loads again");
  await server.stop();
});
