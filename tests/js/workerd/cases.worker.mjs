// A Worker that runs the runtime-neutral cases inside workerd and reports each result.
import * as lib from "edgecache";
import { memoryCases } from "../cases/memory.mjs";
import { ringCases } from "../cases/ring.mjs";

export default {
  async fetch() {
    const results = [];
    for (const [name, fn] of [...memoryCases, ...ringCases]) {
      try {
        await fn(lib);
        results.push({ name, ok: true });
      } catch (e) {
        results.push({ name, ok: false, error: String(e?.stack ?? e) });
      }
    }
    return Response.json({ userAgent: navigator.userAgent, results });
  },
};
