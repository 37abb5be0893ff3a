// One API, told alike: every method, property and option that pkg/index.d.ts declares for
// EdgeCache, MemoryCache and HashRing is in the README's section of that class, and every
// member the README's tables name is declared. (DESIGN.md's differences are listed in the
// README's "Where this deviates from DESIGN.md".)
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const ROOT = new URL("../../../", import.meta.url);
const types = readFileSync(new URL("pkg/index.d.ts", ROOT), "utf8");
const readme = readFileSync(new URL("README.md", ROOT), "utf8");

/** The body of `export declare class name` or `export interface name`, doc comments removed. */
function declaration(kind, name) {
  const start = types.search(new RegExp(`^export ${kind} ${name}\\b`, "m"));
  assert.ok(start >= 0, `${kind} ${name} in index.d.ts`);
  const body = types.slice(types.indexOf("{", start) + 1, types.indexOf("\n}", start));
  return body.replace(/\/\*\*[\s\S]*?\*\//g, "");
}

/** Member names declared at the top level of a class or interface body. */
function members(body) {
  const names = new Set();
  for (const line of body.split("\n")) {
    const m = line.match(/^  (?:readonly |get |static )?(\w+)\??(?:<[^(]*>)?[(:]/);
    if (m && m[1] !== "constructor") names.add(m[1]);
  }
  return names;
}

/** The README's text from heading `### name` to the next heading of that level or above. */
function section(name) {
  const start = readme.indexOf(`\n### ${name}\n`);
  assert.ok(start >= 0, `README section ${name}`);
  const end = readme.slice(start + 1).search(/\n##+ /);
  return readme.slice(start, end < 0 ? undefined : start + 1 + end);
}

/** Names in the first column of the section's tables: `get(key)` / `size` / `a` / `b`. */
function tableNames(text) {
  const names = new Set();
  for (const row of text.split("\n").filter((l) => l.startsWith("| `"))) {
    const cell = row.split(" | ")[0];
    if (cell.startsWith("| `new ")) continue; // the constructor: its options are checked on their own
    for (const [, name] of cell.matchAll(/`(\w+)/g)) names.add(name);
  }
  return names;
}

const difference = (a, b) => [...a].filter((x) => !b.has(x)).sort();

test("EdgeCache: every method and option in index.d.ts is in the README's tables, and back", () => {
  const declared = new Set([...members(declaration("declare class", "EdgeCache")), ...members(declaration("interface", "EdgeCacheOptions"))]);
  const documented = tableNames(section("EdgeCache"));
  assert.ok(declared.size > 10, `${declared.size} declared`);
  assert.deepEqual(difference(declared, documented), [], "declared, not in the README");
  assert.deepEqual(difference(documented, declared), [], "in the README, not declared");
});

test("MemoryCache: every member and option in index.d.ts is in the README's table, and back", () => {
  const declared = new Set([...members(declaration("declare class", "MemoryCache")), ...members(declaration("interface", "MemoryOptions"))]);
  const documented = tableNames(section("MemoryCache"));
  const table = section("MemoryCache");
  for (const option of members(declaration("interface", "MemoryOptions"))) {
    assert.ok(table.includes(`${option}?`) || table.includes(`\`${option}\``), `option ${option} in the README`);
    documented.add(option);
  }
  assert.ok(declared.size > 10, `${declared.size} declared`);
  assert.deepEqual(difference(declared, documented), [], "declared, not in the README");
  assert.deepEqual(difference(documented, declared), [], "in the README, not declared");
});

test("HashRing: every member in index.d.ts is named in the README's section", () => {
  const text = section("HashRing");
  for (const name of members(declaration("declare class", "HashRing"))) {
    assert.ok(text.includes(`.${name}(`) || text.includes(`.${name};`) || text.includes(`ring.${name}`) || text.includes(`\`${name}\``), name);
  }
});
