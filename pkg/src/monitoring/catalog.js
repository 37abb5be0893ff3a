// What the exporters publish of a stats() snapshot: one list, so that the Prometheus text
// and the OpenTelemetry instruments name and label the same numbers alike. A part the
// snapshot lacks (shards, writeBehind, memory.tier, memory.usage, alerts) publishes nothing.

/**
 * A number the exporters publish: `name` (dotted: "edgecache_" + name with "_" for
 * Prometheus, "edgecache." + name for OpenTelemetry), `kind` ("counter": lifetime,
 * monotonic; "gauge": now), `unit` (UCUM as OpenTelemetry spells it, "" for a 0/1 state;
 * "s", "By" and "1" become Prometheus' _seconds, _bytes and _ratio), `help`, and `points(stats)`: its
 * `[labels, value]` pairs (the exporter adds the `namespace` label).
 */
export const METRICS = [
  counter("reads", "{read}", "Reads answered by a tier: result hit (fresh), stale (served past expiry) or miss.", (s) =>
    ["memory", "store"].flatMap((tier) => [
      [{ tier, result: "hit" }, s[tier].hits],
      [{ tier, result: "stale" }, s[tier].staleServed],
      [{ tier, result: "miss" }, s[tier].misses],
    ]),
  ),
  counter("memory.backfills", "{entry}", "Store hits copied into the memory tier.", (s) => [[{}, s.memory.backfills]]),
  counter("memory.evictions", "{entry}", "Entries leaving the memory tier, by reason: capacity, expired, explicit (deleted) or replaced.", (s) =>
    s.memory.tier === undefined ? [] : Object.entries(s.memory.tier.evictionsByReason).map(([reason, n]) => [{ reason }, n]),
  ),
  counter("memory.rejected", "{entry}", "Values the memory tier refused: larger than maxBytes, or not admitted by its policy.", (s) =>
    s.memory.tier === undefined ? [] : [[{}, s.memory.tier.rejected]],
  ),
  counter("store.errors", "{call}", "Store trouble, by reason: error (a read failed), timeout (a call abandoned after `timeout`), corrupt (an unreadable record, deleted).", (s) => [
    [{ reason: "error" }, s.store.errors],
    [{ reason: "timeout" }, s.store.timeouts],
    [{ reason: "corrupt" }, s.store.corrupt],
  ]),
  counter("store.writes", "{write}", "Records written to the store.", (s) => [[{}, s.store.writes]]),
  counter("store.write_errors", "{write}", "Store writes and deletes that failed.", (s) => [[{}, s.store.writeErrors]]),
  counter("loads", "{load}", "Loader calls.", (s) => [[{}, s.loader.loads]]),
  counter("load_errors", "{load}", "Loader calls that failed (threw, returned undefined or timed out).", (s) => [[{}, s.loader.errors]]),
  counter("refreshes", "{load}", "Background refreshes started (stale-while-revalidate, early refresh).", (s) => [[{}, s.loader.refreshes]]),
  counter("stale_if_error", "{read}", "Stale values served because loading failed (staleIfError).", (s) => [[{}, s.loader.staleIfError]]),
  gauge("loads.in_flight", "{load}", "Loads running now.", (s) => [[{}, s.loader.inFlight]]),
  gauge("memory.entries", "{entry}", "Entries held by the memory tier.", (s) => (s.memory.tier === undefined ? [] : [[{}, s.memory.tier.size]])),
  gauge("memory.size", "By", "Bytes held by the memory tier (the values' stored form).", (s) =>
    s.memory.tier === undefined ? [] : [[{}, s.memory.tier.bytes]],
  ),
  gauge("memory.usage", "1", "How full the memory tier is: the larger of entries/maxEntries and bytes/maxBytes.", (s) =>
    s.memory.usage === undefined ? [] : [[{}, s.memory.usage]],
  ),
  ...perShard([
    counter("shard.reads", "{read}", "Reads sent to a shard.", (shard) => [[{}, shard.reads]]),
    counter("shard.hits", "{read}", "Reads a shard answered with a record.", (shard) => [[{}, shard.hits]]),
    counter("shard.errors", "{call}", "Failed calls to a shard, by reason: error or timeout (reads).", (shard) => [
      [{ reason: "error" }, shard.errors],
      [{ reason: "timeout" }, shard.timeouts],
    ]),
    counter("shard.repairs", "{write}", "Records a replica had written back to this primary (read-repair).", (shard) => [[{}, shard.repairs]]),
    counter("shard.skipped", "{call}", "Calls not sent to a shard because its circuit breaker was open.", (shard) => [[{}, shard.skippedWhileOpen]]),
    gauge("shard.open", "", "1 while a shard's circuit breaker is open, else 0.", (shard) => [[{}, shard.open ? 1 : 0]]),
  ]),
  ...ofWriteBehind([
    counter("write_behind.written", "{write}", "Write-behind writes that reached the store.", (q) => [[{}, q.written]]),
    counter("write_behind.batches", "{batch}", "Batches the write-behind queue sent.", (q) => [[{}, q.batches]]),
    counter("write_behind.retries", "{write}", "Write-behind writes retried after a failure.", (q) => [[{}, q.retries]]),
    counter("write_behind.dead_letters", "{write}", "Write-behind writes given up on after their retries.", (q) => [[{}, q.deadLetters]]),
    gauge("write_behind.depth", "{key}", "Keys with a write held by the write-behind queue (queued or in flight).", (q) => [[{}, q.depth]]),
    gauge("write_behind.oldest_age", "s", "Age of the oldest write not yet in the store (0 when none).", (q) => [[{}, q.oldestAgeMs / 1000]]),
  ]),
  gauge("alert.firing", "", "1 for each alert rule firing now (rule, and tier for maxLatency); firing rules only, like Prometheus' ALERTS.", (s) =>
    (s.alerts ?? []).map((a) => [a.tier === undefined ? { rule: a.rule } : { rule: a.rule, tier: a.tier }, 1]),
  ),
];

/** The tiers whose latency the exporters publish (a histogram, or percentile gauges). */
export const TIERS = ["memory", "store", "loader"];

function counter(name, unit, help, points) {
  return { name, kind: "counter", unit, help, points };
}

function gauge(name, unit, help, points) {
  return { name, kind: "gauge", unit, help, points };
}

/** `metrics` of one shard (points of a shard's stats), published with a `shard` label for each. */
function perShard(metrics) {
  return metrics.map((m) => ({
    ...m,
    points: (s) =>
      Object.entries(s.shards ?? {}).flatMap(([shard, stats]) => m.points(stats).map(([labels, value]) => [{ shard, ...labels }, value])),
  }));
}

/** `metrics` of the write-behind queue (points of its stats), published when the cache has one. */
function ofWriteBehind(metrics) {
  return metrics.map((m) => ({ ...m, points: (s) => (s.writeBehind === undefined ? [] : m.points(s.writeBehind)) }));
}
