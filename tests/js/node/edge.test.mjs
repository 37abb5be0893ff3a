// EdgeCache in Node over the in-process store and the fault wrapper, and every class with
// hostile options.
import { test } from "node:test";
import * as lib from "edgecache";
import { edgeCases } from "../cases/edge.mjs";
import { raceCases } from "../cases/edge_races.mjs";
import { hostileCases } from "../cases/hostile_options.mjs";
import { consistencyCases } from "../cases/edge_consistency.mjs";
import { accountingCases } from "../cases/edge_accounting.mjs";
import { settleCases } from "../cases/edge_settles.mjs";
import { wrongDataCases } from "../cases/wrong_data.mjs";
import { valueCases } from "../cases/edge_values.mjs";

for (const [name, fn] of [...edgeCases, ...raceCases, ...consistencyCases, ...accountingCases, ...hostileCases, ...settleCases, ...wrongDataCases, ...valueCases]) test(name, () => fn(lib));
