// Alerts: the engine judges the rules on its sliding window (EdgeEngine.evaluateAlerts) and
// says when they are next due (when the window next moves); the package asks it then, on a
// read or write it is doing anyway (no timer), and sends each rule that changed state as an
// `alert` event.
import { AlertRule, AlertState } from "../../dist/edgecache.js";
import { emit } from "./reporting.js";

/** Each engine rule as the `alerts` option names it, with its tier for latency rules. */
const RULES = {
  [AlertRule.MinHitRate]: { rule: "minHitRate" },
  [AlertRule.MaxMemoryLatency]: { rule: "maxLatency", tier: "memory" },
  [AlertRule.MaxStoreLatency]: { rule: "maxLatency", tier: "store" },
  [AlertRule.MaxLoaderLatency]: { rule: "maxLatency", tier: "loader" },
  [AlertRule.MaxMemoryUsage]: { rule: "maxMemoryUsage" },
  [AlertRule.MaxErrorRate]: { rule: "maxErrorRate" },
};

/** Judges the alert rules at `now` if they are due (cheap when they are not). */
export function monitor(c, now) {
  if (now >= c.alertsDue) judge(c, now);
}

/** Judges the alert rules at `now` and sends an `alert` event per rule that changed state. */
export function judge(c, now) {
  c.engine.applyReports(c.reports.take());
  const out = c.engine.evaluateAlerts(now, c.memory?.usage);
  c.alertsDue = out[0];
  const window = c.engine.windowLength();
  for (let i = 1; i + 3 < out.length; i += 4) {
    const state = out[i + 1] === AlertState.Firing ? "firing" : "resolved";
    emit(c, { type: "alert", ...RULES[out[i]], state, value: out[i + 2], threshold: out[i + 3], window });
  }
}

/** The firing alerts: `{ rule, tier?, value, threshold, since }` each. */
export function firingAlerts(c) {
  const n = c.engine.firingAlerts();
  const firing = [];
  for (let i = 0; i + 3 < n.length; i += 4) {
    firing.push({ ...RULES[n[i]], value: n[i + 1], threshold: n[i + 2], since: n[i + 3] });
  }
  return firing;
}
