// EdgeCache in Node over the in-process store and the fault wrapper, and every class with
// hostile options (the runtime-neutral cases; shards, warm and write-behind have their own).
import { test } from "node:test";
import * as lib from "edgecache";
import { readPathCases } from "../cases/read_path.mjs";
import { loadCases } from "../cases/loads_and_stale.mjs";
import { writeOrderCases } from "../cases/write_order.mjs";
import { tagCases } from "../cases/tags.mjs";
import { eventCases } from "../cases/events_and_stats.mjs";
import { settleCases } from "../cases/settles.mjs";
import { optionCases } from "../cases/options_and_errors.mjs";
import { windowAlertCases } from "../cases/windows_and_alerts.mjs";
import { apiCases } from "../cases/api_extras.mjs";
import { busCases } from "../cases/bus.mjs";

for (const [name, fn] of [...readPathCases, ...loadCases, ...writeOrderCases, ...tagCases, ...eventCases, ...settleCases, ...optionCases, ...windowAlertCases, ...apiCases, ...busCases]) test(name, () => fn(lib));
