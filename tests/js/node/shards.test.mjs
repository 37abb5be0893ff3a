// Sharded EdgeCache in Node over in-process stores (the runtime-neutral cases).
import { test } from "node:test";
import * as lib from "edgecache";
import { shardCases } from "../cases/shards.mjs";

for (const [name, fn] of shardCases) test(name, () => fn(lib));
