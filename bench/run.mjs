// `make bench`: every benchmark, side by side with the peers, in one run.
import { execFileSync } from "node:child_process";
import { edgeHitBench } from "./edge_hit.mjs";
import { hitRatios } from "./hit_ratio.mjs";
import { memorySpeed } from "./memory.mjs";
import { memorySummary } from "./summary.mjs";
import { memoryUse } from "./memory_use.mjs";
import { ringBench } from "./ring.mjs";
import { denoSpeed, workerdSpeed, workerdStartup } from "./runtimes.mjs";
import { startup } from "./startup.mjs";
import { tieredBench } from "./tiered.mjs";
import { writeBehindBench } from "./write_behind.mjs";

console.log(`edgecache bench — Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
const speed = { Node: memorySpeed(), Deno: denoSpeed(), workerd: await workerdSpeed() };
const perEntry = memoryUse();
hitRatios(["lru", "tinylfu"]);
const size = startup();
const workerdStart = await workerdStartup();
memorySummary(speed, perEntry, size, workerdStart);
await ringBench();
console.log(`\n${execFileSync("cargo", ["bench", "--quiet", "--bench", "ring_native"], { encoding: "utf8" }).trim()}`);
await edgeHitBench();
await tieredBench();
await writeBehindBench();
