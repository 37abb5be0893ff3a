// Every runtime-neutral case list, for the runners of each runtime.
import { memoryCases } from "./memory.mjs";
import { ringCases } from "./ring.mjs";
import { readPathCases } from "./read_path.mjs";
import { loadCases } from "./loads_and_stale.mjs";
import { writeOrderCases } from "./write_order.mjs";
import { tagCases } from "./tags.mjs";
import { shardCases } from "./shards.mjs";
import { eventCases } from "./events_and_stats.mjs";
import { warmingCases } from "./warming.mjs";
import { writeBehindCases } from "./write_behind.mjs";
import { settleCases } from "./settles.mjs";
import { optionCases } from "./options_and_errors.mjs";
import { windowAlertCases } from "./windows_and_alerts.mjs";
import { monitoringCases } from "./monitoring.mjs";
import { apiCases } from "./api_extras.mjs";
import { busCases } from "./bus.mjs";

/** [name, fn(lib)] pairs that run unchanged in Node, Deno, workerd and Chromium. */
export const neutralCases = [...memoryCases, ...ringCases, ...readPathCases, ...loadCases, ...writeOrderCases, ...tagCases, ...shardCases, ...eventCases, ...warmingCases, ...writeBehindCases, ...settleCases, ...optionCases, ...windowAlertCases, ...monitoringCases, ...apiCases, ...busCases];
