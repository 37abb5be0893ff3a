// The package in Deno through its "deno" export: the runtime-neutral cases, and EdgeCache
// over a real Deno KV.
import * as lib from "edgecache";
import { neutralCases } from "../cases/all.mjs";
import { storeCases } from "../cases/edge_store.mjs";

for (const [name, fn] of neutralCases) Deno.test(name, () => fn(lib));

const kv = await Deno.openKv(":memory:");
const real = () => lib.stores.denoKV(kv);
real.raw = real();
real.limits = real.raw.limits;
for (const [name, fn] of storeCases) {
  Deno.test({ name: `Deno KV: ${name}`, fn: () => fn(lib, real), sanitizeResources: false, sanitizeOps: false });
}

Deno.test("the deno entry was the one resolved", () => {
  const url = import.meta.resolve("edgecache");
  if (!url.endsWith("/deno.js")) throw new Error(`resolved ${url}`);
});
