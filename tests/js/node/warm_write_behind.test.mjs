// EdgeCache.warm and write-behind in Node (the runtime-neutral cases).
import { test } from "node:test";
import * as lib from "edgecache";
import { warmingCases } from "../cases/warming.mjs";
import { writeBehindCases } from "../cases/write_behind.mjs";

for (const [name, fn] of [...warmingCases, ...writeBehindCases]) test(name, () => fn(lib));
