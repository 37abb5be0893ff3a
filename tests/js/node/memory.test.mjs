// MemoryCache in Node, through the package's "node" export.
import { test } from "node:test";
import * as lib from "edgecache";
import { memoryCases } from "../cases/memory.mjs";

for (const [name, fn] of memoryCases) test(name, () => fn(lib));
