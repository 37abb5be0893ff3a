// One isolate of the Deno multi-isolate test: a Deno worker with its own EdgeCache over a
// Deno KV file the other workers open too, driven by the test over postMessage. Each request
// is { id, cmd, ... }; the answer { id, ok, value?, error? }. Times (`at`) are wall-clock ms.
// Its first message, { ready: true }, says it listens: one posted to it before is lost (the
// package's top-level await runs before the handler is set).
import { EdgeCache, buses, stores } from "edgecache";
import { cacheCommands } from "./isolate_commands.mjs";

let cache;
let kv;

const commands = {
  /** { path, namespace, memoryTtl, bus: "broadcastChannel" | undefined } */
  async init({ path, namespace, memoryTtl, bus }) {
    kv = await Deno.openKv(path);
    const options = { store: stores.denoKV(kv), namespace, memoryTtl, ttl: 60_000 };
    if (bus === "broadcastChannel") options.bus = buses.broadcastChannel(`edgecache-${namespace}`);
    cache = new EdgeCache(options);
  },
  ...cacheCommands(() => cache),
  async close() {
    await cache?.dispose();
    kv?.close();
  },
};

self.onmessage = async ({ data: { id, cmd, ...args } }) => {
  try {
    self.postMessage({ id, ok: true, value: await commands[cmd](args) });
  } catch (error) {
    self.postMessage({ id, ok: false, error: String(error?.stack ?? error) });
  }
};
self.postMessage({ ready: true });
