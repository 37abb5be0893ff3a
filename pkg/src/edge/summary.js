// `EdgeCache.report()`: the monitor's summary for people, over the sliding window (the
// lifetime without one): hit rate per tier, latency percentiles per tier, memory use, store
// and loader errors, firing alerts; as an object whose `toString()` is a few lines of text.
import { stats } from "./reporting.js";

/** The summary of `c` now. */
export function report(c) {
  const s = stats(c);
  const over = s.window ?? s;
  const latency = (t) => ({ p50: t.latency.p50, p95: t.latency.p95, p99: t.latency.p99, samples: t.latency.count });
  const summary = {
    namespace: c.namespace,
    window: s.window?.length ?? null,
    reads: over.reads,
    hitRate: { overall: over.hitRate, memory: over.memory.hitRate, store: over.store.hitRate },
    latency: { memory: latency(over.memory), store: latency(over.store), loader: latency(over.loader) },
    memory: s.memory.tier === undefined ? null : { entries: s.memory.tier.size, bytes: s.memory.tier.bytes, usage: s.memory.usage },
    errors: {
      rate: over.errorRate,
      store: over.store.errors,
      timeouts: over.store.timeouts,
      writes: over.store.writeErrors,
      loader: over.loader.errors,
    },
    alerts: s.alerts,
  };
  Object.defineProperty(summary, "toString", { value: () => text(summary) });
  return summary;
}

/** The summary as lines of text. */
function text(r) {
  const span = r.window === null ? "since start" : `last ${seconds(r.window)}`;
  const tier = (name) => {
    const l = r.latency[name];
    return l.samples === 0 ? `${name} -` : `${name} p50 ${ms(l.p50)} p95 ${ms(l.p95)} p99 ${ms(l.p99)}`;
  };
  const lines = [
    `edgecache ${r.namespace}, ${span}: ${r.reads} reads`,
    `  hit rate  ${pct(r.hitRate.overall)} (memory ${pct(r.hitRate.memory)}, store ${pct(r.hitRate.store)})`,
    `  latency   ${tier("memory")} | ${tier("store")} | ${tier("loader")}`,
  ];
  if (r.memory !== null) {
    lines.push(`  memory    ${r.memory.entries} entries, ${r.memory.bytes} bytes, ${pct(r.memory.usage)} of its bound`);
  }
  const e = r.errors;
  lines.push(`  errors    ${pct(e.rate)} of calls: store ${e.store} failed reads, ${e.timeouts} timeouts, ${e.writes} failed writes; loader ${e.loader}`);
  const alerts = r.alerts.map((a) => `${a.rule}${a.tier === undefined ? "" : ` (${a.tier})`} at ${a.value} against ${a.threshold}`);
  lines.push(`  alerts    ${alerts.length === 0 ? "none firing" : `firing: ${alerts.join("; ")}`}`);
  return lines.join("\n");
}

function pct(x) {
  return `${(x * 100).toFixed(1)} %`;
}

function ms(x) {
  return x < 1 ? `${x} ms` : `${Math.round(x * 10) / 10} ms`;
}

function seconds(msTotal) {
  return msTotal % 1000 === 0 ? `${msTotal / 1000} s` : `${msTotal} ms`;
}
