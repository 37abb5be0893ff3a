// Shared bench helpers: timing loops, medians, table printing.

/**
 * Times each of `fns` (loops of `ops` operations) in alternation, `rounds` times after a
 * warm-up, so drift in the machine's speed hits every contender alike. Returns the median
 * ops per second of each.
 */
export function opsPerSecond(fns, ops, rounds = 9) {
  for (const fn of fns) fn(ops);
  const rates = fns.map(() => []);
  for (let r = 0; r < rounds; r++) {
    fns.forEach((fn, i) => {
      const t0 = performance.now();
      fn(ops);
      rates[i].push(ops / ((performance.now() - t0) / 1000));
    });
  }
  return rates.map(median);
}

/** The median of a list of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Prints rows (arrays of cells) as an aligned text table under a title. */
export function table(title, header, rows) {
  const all = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(`\n${title}\n${line(all[0])}\n${widths.map((w) => "-".repeat(w)).join("  ")}`);
  for (const r of all.slice(1)) console.log(line(r));
}

/** Formats ops/s as millions with two decimals. */
export const mops = (x) => `${(x / 1e6).toFixed(2)} M/s`;
/** Formats a ratio with two decimals. */
export const ratio = (a, b) => (a / b).toFixed(2);
/** Formats a fraction as a percentage with two decimals. */
export const pct = (x) => `${(100 * x).toFixed(2)}`;
