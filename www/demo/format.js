// How the demo writes numbers (shared with its test, which reads them back off the page).

/** A count as digits. */
export function count(n) {
  return String(n);
}

/** A rate 0..1 as a percentage with one decimal. */
export function percent(rate) {
  return `${(rate * 100).toFixed(1)} %`;
}

/** Milliseconds: three decimals below 1 ms, one below 100 ms, whole above. */
export function ms(value) {
  if (value < 1) return `${value.toFixed(3)} ms`;
  if (value < 100) return `${value.toFixed(1)} ms`;
  return `${Math.round(value)} ms`;
}

/** A duration for people: milliseconds, or seconds from 1 s. */
export function duration(value) {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : ms(value);
}

/** Formats `value` as the stats table does for `kind` ("count", "percent", "ms"). */
export function format(kind, value) {
  if (typeof value === "boolean") return value ? "open" : "closed";
  return { count, percent, ms }[kind](value);
}

/** `obj`'s value at the dotted `path` ("loader.latency.p50"), or undefined. */
export function at(obj, path) {
  return path.split(".").reduce((o, part) => (o === undefined || o === null ? undefined : o[part]), obj);
}
