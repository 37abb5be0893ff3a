// The propagation measure of the multi-isolate tests (Node processes and worker threads over
// Redis, Deno workers and processes over Deno KV): isolates answering the commands of
// isolate_commands.mjs through `isolate.call(cmd, args)`.
import { equal, ok } from "../cases/check.mjs";

/** The changes measured: how the first isolate makes each, and what the others read after. */
export const OPS = {
  delete: { run: (w, key) => w.call("delete", { key }), after: undefined },
  set: { run: (w, key) => w.call("set", { key, value: "v1" }), after: "v1" },
  invalidateTags: { run: (w, _key, tag) => w.call("invalidate", { tag }), after: undefined },
};

/**
 * One run: every isolate reads `key` (tagged) into memory, the others start polling it,
 * the first changes it; the time (ms) until the last of the others saw the change.
 */
export async function propagation([writer, ...readers], kind, run, limitMs) {
  const key = `${kind}-${run}`;
  const tag = `tag-${kind}-${run}`;
  for (const isolate of [writer, ...readers]) equal(await isolate.call("prime", { key, tag, value: "v0" }), "v0");
  const watches = readers.map((r) => r.call("watch", { key, was: "v0", limitMs }));
  await new Promise((resolve) => setTimeout(resolve, 20)); // the pollers are running
  const { at } = await OPS[kind].run(writer, key, tag);
  const seen = await Promise.all(watches);
  for (const s of seen) {
    ok(s.at !== null, `${kind}: an isolate still read the old value after ${limitMs} ms`);
    equal(s.value, OPS[kind].after, `${kind}: what the other isolates read`);
  }
  return Math.max(...seen.map((s) => s.at - at));
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const figures = (ms) => `median ${median(ms).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms over ${ms.length} runs`;
