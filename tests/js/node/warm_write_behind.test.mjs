// EdgeCache.warm and write-behind in Node (the runtime-neutral cases).
import { test } from "node:test";
import * as lib from "edgecache";
import { warmCases } from "../cases/warm.mjs";
import { writeBehindCases } from "../cases/write_behind.mjs";

for (const [name, fn] of [...warmCases, ...writeBehindCases]) test(name, () => fn(lib));
