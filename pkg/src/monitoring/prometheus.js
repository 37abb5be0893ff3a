// Prometheus text exposition (format 0.0.4) of a stats() snapshot: EdgeCache.metrics().
import { fail, typeName } from "../errors.js";
import { METRICS, TIERS } from "./catalog.js";

/** Units whose Prometheus name ends with the base unit's name. */
const SUFFIX = { s: "_seconds", By: "_bytes", 1: "_ratio" };

/**
 * The engine's latency buckets are quarter-octaves; the histograms keep every 8th bound
 * (every two octaves: 0.01, 0.04, 0.16 ... ms), each one of the engine's, so that every
 * cumulative count is exact, in 16 buckets rather than 121.
 */
const BUCKET_STEP = 8;

/**
 * `stats` (an EdgeCache.stats() snapshot) as Prometheus text: `edgecache_*` families with
 * HELP and TYPE, each sample labelled `namespace`; counters are lifetime (`_total`), times
 * in seconds. `bounds` are the engine's latency bucket bounds in ms (`latencyBounds()`),
 * needed when the snapshot's latencies carry buckets (`edgecache_latency_seconds`).
 */
export function prometheusText(stats, { namespace, bounds }) {
  const lines = [];
  for (const m of METRICS) {
    const points = m.points(stats);
    if (points.length === 0) continue;
    const name = `edgecache_${m.name.replaceAll(".", "_")}${SUFFIX[m.unit] ?? ""}${m.kind === "counter" ? "_total" : ""}`;
    head(lines, name, m.kind, m.help);
    for (const [labels, value] of points) lines.push(sample(name, { namespace, ...labels }, value));
  }
  latencyHistograms(lines, stats, namespace, bounds);
  return lines.join("\n") + "\n";
}

/** `edgecache_latency_seconds{tier}` of the tiers whose latency has buckets. */
function latencyHistograms(lines, stats, namespace, bounds) {
  const tiers = TIERS.filter((tier) => stats[tier].latency.buckets !== undefined);
  if (tiers.length === 0) return;
  if (!Array.isArray(bounds)) {
    fail("E_ARGUMENT", `prometheusText: bounds must be the engine's latency bucket bounds in ms (latencyBounds()), got ${typeName(bounds)}`);
  }
  const name = "edgecache_latency_seconds";
  head(lines, name, "histogram", "Latency of memory reads, store calls and loads, by tier.");
  for (const tier of tiers) {
    const { buckets, sum, count } = stats[tier].latency;
    const labels = { namespace, tier };
    let below = 0;
    bounds.forEach((ms, i) => {
      below += buckets[i] ?? 0; // trailing empty buckets are trimmed
      if (i % BUCKET_STEP === 0) lines.push(sample(`${name}_bucket`, { ...labels, le: String(Number((ms / 1000).toPrecision(12))) }, below));
    });
    lines.push(sample(`${name}_bucket`, { ...labels, le: "+Inf" }, count));
    lines.push(sample(`${name}_sum`, labels, sum / 1000));
    lines.push(sample(`${name}_count`, labels, count));
  }
}

/** HELP and TYPE of a family (the catalogue's help texts are one line, without backslashes). */
function head(lines, name, type, help) {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
}

/** One sample line; label values escaped as the format asks (backslash, quote, newline). */
function sample(name, labels, value) {
  const pairs = Object.entries(labels).map(([label, v]) => `${label}="${v.replace(/[\\"\n]/g, (ch) => (ch === "\n" ? "\\n" : `\\${ch}`))}"`);
  return `${name}{${pairs.join(",")}} ${value}`; // Go's ParseFloat reads JavaScript's numbers
}
