// The README's Worker snippets (`<!-- worker: name -->` blocks) run in workerd as a user
// deploys them: bundled as wrangler does, with a real KV namespace bound as CACHE. Each is
// asked for a user's recommendations twice and must answer with JSON both times.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { startWorker } from "./harness.mjs";

const ROOT = new URL("../../../", import.meta.url);
const readme = readFileSync(new URL("README.md", ROOT), "utf8");
const workers = [...readme.matchAll(/<!-- worker: ([\w-]+) -->\n```js\n([\s\S]*?)```/g)].map(([, name, code]) => ({ name, code }));
const scratch = new URL(".tmp/readme-workers/", ROOT);

test("the README has a Worker snippet", () => {
  assert.ok(workers.length >= 1);
});

for (const { name, code } of workers) {
  test(`README worker: ${name}`, async () => {
    mkdirSync(scratch, { recursive: true });
    const file = new URL(`${name}.mjs`, scratch);
    writeFileSync(file, code);
    const worker = await startWorker(file, { kvNamespaces: ["CACHE"] });
    try {
      for (let i = 0; i < 2; i++) {
        const res = await worker.mf.dispatchFetch("http://localhost/?user=42");
        assert.equal(res.status, 200, await res.clone().text());
        assert.equal((await res.json()).userId, "42");
      }
      const missing = await worker.mf.dispatchFetch("http://localhost/");
      assert.equal(missing.status, 400);
      await missing.text();
    } finally {
      await worker.dispose();
      rmSync(file, { force: true });
    }
  });
}
