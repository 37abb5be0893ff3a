// A latency rule on real durations (Node's clock advances while a loader runs; workerd's does
// not without I/O, so this one runs here): a loader that spins for a few ms breaks a p95
// limit on the loader tier, one that returns at once resolves it. The rules are judged on the
// injected clock, which the test moves from slice to slice.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EdgeCache } from "../../../pkg/dist/node.js";

/** A loader that takes `ms` of real time without sleeping. */
const spinning = (ms, value) => () => {
  const end = performance.now() + ms;
  while (performance.now() < end);
  return value;
};

test("a loader latency rule fires once on slow loads and resolves once they are fast again", async () => {
  const clock = { t: 0 };
  const alerts = [];
  const cache = new EdgeCache({
    now: () => clock.t,
    stats: { window: 12_000 },
    alerts: { maxLatency: { loader: 2, percentile: 0.95 }, minSamples: 20 },
    onEvent: (e) => e.type === "alert" && alerts.push(e),
  });
  let n = 0;
  const loads = async (count, loader) => {
    for (let i = 0; i < count; i++) await cache.getOrSet(`k${n++}`, loader);
    clock.t += 1000; // the next slice: the rules are due on the next read
  };
  for (let s = 0; s < 3; s++) await loads(10, () => 1);
  assert.deepEqual(alerts, [], "fast loads");
  for (let s = 0; s < 3; s++) await loads(10, spinning(4, 1));
  await cache.get("k0");
  assert.deepEqual(alerts.map((a) => [a.rule, a.tier, a.state, a.threshold]), [["maxLatency", "loader", "firing", 2]]);
  assert.ok(alerts[0].value > 2, `p95 ${alerts[0].value} ms`);
  assert.deepEqual(cache.stats().alerts.map((a) => [a.rule, a.tier]), [["maxLatency", "loader"]]);
  for (let s = 0; s < 15; s++) await loads(10, () => 1); // the slow ones leave the 12 s window
  await cache.get("k0");
  assert.deepEqual(alerts.map((a) => a.state), ["firing", "resolved"]);
  await cache.dispose();
});
