// The memory tier's figures of this run in one table: speed as edgecache / lru-cache in
// each runtime, bytes per entry, size and start-up.
import { table } from "./harness.mjs";

/**
 * @param {Record<string, string[][]>} speed per runtime, rows [operation, ours, peer, ratio]
 * @param {string[][]} perEntry rows [cache, wasm, heap, total] (empty without --expose-gc)
 * @param {string[][]} size rows [what, value] of the size and Node start-up table
 * @param {number} workerdStart ms from import to first get in workerd
 */
export function memorySummary(speed, perEntry, size, workerdStart) {
  const runtimes = Object.keys(speed);
  const ratioOf = (runtime, operation) => speed[runtime].find((r) => r[0] === operation)?.[3] ?? "-";
  const rows = speed[runtimes[0]].map(([operation]) => [
    `${operation}: edgecache / lru-cache`,
    runtimes.map((r) => `${r} ${ratioOf(r, operation)}`).join(", "),
  ]);
  for (const [cache, wasm, heap, total] of perEntry) {
    rows.push([`bytes per entry, ${cache}`, wasm === "-" ? `${heap} JS heap` : `${wasm} wasm + ${heap} JS heap = ${total}`]);
  }
  rows.push(...size, ["workerd: import to first get", `${workerdStart.toFixed(2)} ms`]);
  table("Memory tier summary (this run)", ["figure", "value"], rows);
}
