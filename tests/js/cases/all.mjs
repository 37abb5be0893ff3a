// Every runtime-neutral case list, for the runners of each runtime.
import { accountingCases } from "./edge_accounting.mjs";
import { consistencyCases } from "./edge_consistency.mjs";
import { edgeCases } from "./edge.mjs";
import { valueCases } from "./edge_values.mjs";
import { hostileCases } from "./hostile_options.mjs";
import { raceCases } from "./edge_races.mjs";
import { memoryCases } from "./memory.mjs";
import { ringCases } from "./ring.mjs";
import { settleCases } from "./edge_settles.mjs";
import { shardCases } from "./shards.mjs";
import { warmCases } from "./warm.mjs";
import { writeBehindCases } from "./write_behind.mjs";
import { wrongDataCases } from "./wrong_data.mjs";

/** [name, fn(lib)] pairs that run unchanged in Node, Deno, workerd and Chromium. */
export const neutralCases = [...memoryCases, ...ringCases, ...edgeCases, ...raceCases, ...consistencyCases, ...accountingCases, ...hostileCases, ...shardCases, ...warmCases, ...writeBehindCases, ...settleCases, ...wrongDataCases, ...valueCases];
