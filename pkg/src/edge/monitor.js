// Alerts: the engine judges the rules on its sliding window (EdgeEngine.evaluateAlerts) and
// says between which times they are not due again (the slice of the window it judged in);
// the package asks it again once the clock is outside them, on a read, write, delete, load
// or invalidation it is doing anyway (no timer), and sends each rule that changed state as
// an `alert` event.
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

/**
 * What each cache call does on the way, at `now` (cheap when nothing is due): judges the
 * alert rules, and polls a pull bus (bus.js), when due.
 */
export function monitor(c, now) {
  if (now >= c.alertsUntil || now < c.alertsFrom) judge(c, now);
  if (now >= c.busPollAt) c.bus.poll(now);
}

/**
 * `[from, until]`: the times between which `engine`'s alert rules are not due: never
 * (-Infinity, Infinity) without rules, else due at once.
 */
export function alertsNotDue(engine) {
  // Judged at -Infinity, nothing is counted yet: rules come back due at once.
  const [from, until] = engine.evaluateAlerts(-Infinity, undefined);
  return [from, until];
}

/**
 * Judges the alert rules at `now`, due or not (for `stats()`: what it lists is current),
 * and sends an `alert` event per rule that changed state.
 */
export function judge(c, now) {
  c.engine.applyReports(c.reports.take());
  const out = c.engine.evaluateAlerts(now, c.memory?.usage);
  [c.alertsFrom, c.alertsUntil] = out;
  const window = c.engine.windowLength();
  for (let i = 2; i + 3 < out.length; i += 4) {
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
