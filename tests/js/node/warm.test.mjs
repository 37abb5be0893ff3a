// EdgeCache.warm in Node (the runtime-neutral cases).
import { test } from "node:test";
import * as lib from "edgecache";
import { warmCases } from "../cases/warm.mjs";

for (const [name, fn] of warmCases) test(name, () => fn(lib));
