// Memory tier speed from JavaScript: edgecache's MemoryCache beside lru-cache, same
// capacity, same keys, TTL on in both, one process.
import { mops, opsPerSecond, ratio, table } from "./harness.mjs";
import { CAPACITY, workloadsFor } from "./workloads.mjs";

/** Starts the line of a subprocess's output that carries its rows as JSON. */
export const ROWS_MARK = "rows: ";

/** Measures every workload for both contenders; prints and returns the rows. */
export function memorySpeed() {
  const { contenders, workloads } = workloadsFor();
  const rows = [];
  for (const [name, workload] of Object.entries(workloads)) {
    const loops = [workload(contenders.edgecache()), workload(contenders["lru-cache"]())];
    const [ours, peer] = opsPerSecond(loops, 1_000_000);
    rows.push([name, mops(ours), mops(peer), ratio(ours, peer)]);
  }
  table(
    `Memory tier from JavaScript (${CAPACITY} entries, ttl on, alternating, median of 9 x 1M ops)`,
    ["operation", "edgecache", "lru-cache", "ratio"],
    rows,
  );
  return rows;
}
