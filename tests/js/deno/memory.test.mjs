// MemoryCache in Deno, through the package's "deno" export.
import * as lib from "edgecache";
import { memoryCases } from "../cases/memory.mjs";
import { ringCases } from "../cases/ring.mjs";

for (const [name, fn] of [...memoryCases, ...ringCases]) Deno.test(name, () => fn(lib));

Deno.test("the deno entry was the one resolved", async () => {
  const url = import.meta.resolve("edgecache");
  if (!url.endsWith("/deno.js")) throw new Error(`resolved ${url}`);
});
