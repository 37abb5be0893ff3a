// MemoryCache in Deno, through the package's "deno" export.
import * as lib from "edgecache";
import { memoryCases } from "../cases/memory.mjs";

for (const [name, fn] of memoryCases) Deno.test(name, () => fn(lib));

Deno.test("the deno entry was the one resolved", async () => {
  const url = import.meta.resolve("edgecache");
  if (!url.endsWith("/deno.js")) throw new Error(`resolved ${url}`);
});
