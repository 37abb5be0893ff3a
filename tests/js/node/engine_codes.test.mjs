// Every code and name the package uses comes from the engine: the enums wasm-bindgen
// exports (Report, ReadPlan, Tier, HeaderStatus, WriteOutcome, TagCheck, Lookup, EvictReason) hold every member pkg/src names,
// and each report lands in the stats field of its name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { EdgeCache, stores } from "edgecache"; // initialises the wasm module
import { engine, wasmBuffer } from "../../../pkg/dist/testing.js"; // the package's instances

const SRC = new URL("../../../pkg/src/", import.meta.url);
const ENUMS = ["Report", "ReadPlan", "Tier", "HeaderStatus", "WriteOutcome", "TagCheck", "Lookup", "EvictReason"];

function sources(dir = SRC) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(new URL(`${e.name}/`, dir)) : e.name.endsWith(".js") ? [[e.name, readFileSync(new URL(e.name, dir), "utf8")]] : [],
  );
}

test("every enum member pkg/src names is exported by the engine", () => {
  let uses = 0;
  for (const [file, text] of sources()) {
    for (const name of ENUMS) {
      for (const [, member] of text.matchAll(new RegExp(`\\b${name}\\.(\\w+)`, "g"))) {
        uses++;
        assert.equal(typeof engine[name]?.[member], "number", `${file}: ${name}.${member}`);
      }
    }
  }
  assert.ok(uses > 30, `found ${uses} uses`);
});

test("no file of pkg/src keeps its own table of engine codes", () => {
  for (const [file, text] of sources()) {
    assert.doesNotMatch(text, /const (Count|Tier|Fresh|Report|ReadPlan|HEADER_\w+|STAT_NAMES)\s*=/, file);
  }
});

test("each report lands in the stats field of its name", () => {
  const fields = {
    MemoryHit: "memory.hits", MemoryMiss: "memory.misses", MemoryStale: "memory.staleServed", Backfill: "memory.backfills",
    StoreHit: "store.hits", StoreMiss: "store.misses", StoreStale: "store.staleServed", StoreError: "store.errors",
    StoreTimeout: "store.timeouts", StoreCorrupt: "store.corrupt", StoreWrite: "store.writes", StoreWriteError: "store.writeErrors",
    Load: "loader.loads", LoadError: "loader.errors", Refresh: "loader.refreshes", StaleIfError: "loader.staleIfError",
    MemoryLatency: "memory.latency.count", StoreLatency: "store.latency.count", LoaderLatency: "loader.latency.count", Read: "reads",
  };
  assert.deepEqual(Object.keys(engine.Report).filter((k) => Number.isNaN(Number(k))).sort(), Object.keys(fields).sort());
  const e = new engine.EdgeEngine({});
  const names = engine.EdgeEngine.statNames();
  const buffer = () => new Float64Array(wasmBuffer(), e.reportsPtr(), e.reportsLen());
  for (const [member, field] of Object.entries(fields)) {
    const before = e.stats(0, 0)[names.indexOf(field)];
    buffer().set([engine.Report[member], 3, 0]);
    assert.equal(e.stats(0, 1)[names.indexOf(field)], before + 1, `${member} -> ${field}`);
  }
  // A slot naming no report is skipped; the buffer is applied in triples up to its length.
  buffer().set([99, 1, 0, -1, 1, 0, 0.5, 1, 0]);
  const total = (s) => s.reduce((a, b) => a + b, 0);
  const before = total(e.stats(0, 0));
  assert.equal(total(e.stats(0, 3)), before);
  e.free();
});

test("stats() of an EdgeCache has exactly the engine's names, nested", async () => {
  const cache = new EdgeCache({ store: stores.memory() });
  const s = cache.stats();
  const e = new engine.EdgeEngine({});
  for (const name of engine.EdgeEngine.statNames()) {
    const value = name.split(".").reduce((at, part) => at?.[part], s);
    assert.equal(typeof value, "number", name);
  }
  e.free();
  await cache.dispose();
});
