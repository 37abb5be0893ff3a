// EdgeCache in Node over the in-process store and the fault wrapper.
import { test } from "node:test";
import * as lib from "edgecache";
import { edgeCases } from "../cases/edge.mjs";

for (const [name, fn] of edgeCases) test(name, () => fn(lib));
