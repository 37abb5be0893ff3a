// The README's recipes are runnable: each `<!-- recipe: name -->` code block is written to
// a scratch module inside the checkout (so "edgecache" resolves), run with Node, and must
// print the line its `// prints:` comment promises.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = new URL("../../../", import.meta.url);
const readme = readFileSync(new URL("README.md", ROOT), "utf8");
const recipes = [...readme.matchAll(/<!-- recipe: ([\w-]+) -->\n```js\n([\s\S]*?)```/g)].map(([, name, code]) => ({
  name,
  code,
  expected: code.match(/^\/\/ prints: (.*)$/m)?.[1],
}));
const scratch = new URL(".tmp/recipes/", ROOT);

test("the README has the four recipes", () => {
  assert.deepEqual(recipes.map((r) => r.name), ["cache-aside", "write-through", "write-behind", "warming"]);
});

for (const { name, code, expected } of recipes) {
  test(`README recipe: ${name}`, () => {
    assert.ok(expected, "the recipe says what it prints");
    mkdirSync(scratch, { recursive: true });
    const file = new URL(`${name}.mjs`, scratch);
    writeFileSync(file, code);
    try {
      const out = execFileSync(process.execPath, [fileURLToPath(file)], { cwd: fileURLToPath(ROOT), timeout: 30_000 });
      assert.equal(String(out).trim(), expected);
    } finally {
      rmSync(file, { force: true });
    }
  });
}
