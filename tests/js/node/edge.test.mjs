// EdgeCache in Node over the in-process store and the fault wrapper.
import { test } from "node:test";
import * as lib from "edgecache";
import { edgeCases } from "../cases/edge.mjs";
import { raceCases } from "../cases/edge_races.mjs";

for (const [name, fn] of [...edgeCases, ...raceCases]) test(name, () => fn(lib));
