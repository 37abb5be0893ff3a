// Readers for the project's copies of the cache traces (tests/fixtures/traces),
// decompressed in memory: nothing is written beside them.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { decompress } from "fzstd";

/** The traces folder of the repository (tests/fixtures/traces). */
export const TRACES = new URL("../fixtures/traces/", import.meta.url);

function read(name) {
  try {
    return readFileSync(new URL(name, TRACES));
  } catch (e) {
    throw new Error(`trace ${name} not found in tests/fixtures/traces (${e.code})`);
  }
}

/** cloudPhysicsIO (oracleGeneral): `{ id, size }` per request, ids as decimal strings. */
export function cloudPhysics() {
  const buf = decompress(read("cloudPhysicsIO.oracleGeneral.bin.zst"));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out = [];
  for (let off = 0; off + 24 <= buf.byteLength; off += 24) {
    out.push({ id: view.getBigUint64(off + 4, true).toString(), size: view.getUint32(off + 12, true) });
  }
  return out;
}

/** An ARC trace (OLTP, P3): block numbers as strings, each line expanded into `count` blocks. */
export function arcTrace(name) {
  const text = new TextDecoder().decode(decompress(read(name)));
  const out = [];
  for (const line of text.split("\n")) {
    const [start, count] = line.trim().split(/\s+/).map(Number);
    if (!Number.isFinite(start) || !Number.isFinite(count)) continue;
    for (let i = 0; i < count; i++) out.push(String(start + i));
  }
  return out;
}

/** The LIRS gli trace: one key per line; empty and `*` lines skipped. */
export function gli() {
  const text = gunzipSync(read("gli.trace.gz")).toString("utf8");
  return text.split("\n").map((l) => l.trim()).filter((l) => l !== "" && l !== "*");
}
