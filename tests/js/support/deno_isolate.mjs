// One isolate of the Deno multi-isolate tests: a Deno worker (multi_isolate.test.mjs), driven
// over postMessage, or a `deno run` process (multi_process.test.mjs), driven by JSON lines on
// stdin and answering on stdout; each with its own EdgeCache over a Deno KV file the others
// open too. Each request is { id, cmd, ... }; the answer { id, ok, value?, error? }. Times
// (`at`) are wall-clock ms. Its first message, { ready: true }, says it listens: one posted
// to a worker before is lost (the package's top-level await runs before the handler is set).
import { EdgeCache, buses, coordinators, stores } from "edgecache";
import { cacheCommands } from "./isolate_commands.mjs";
import { lines } from "./lines.mjs";

let cache;
let kv;

const commands = {
  /**
   * A new cache (the former one disposed) over the KV file `path`, opened once:
   * { path, namespace, memoryTtl, bus: "broadcastChannel" | "denoKV" | undefined, pollMs, coordinator: boolean }
   */
  async init({ path, namespace, memoryTtl, bus, pollMs, coordinator }) {
    await cache?.dispose();
    kv ??= await Deno.openKv(path);
    // Error events go to stderr: the test's output says why a figure is off.
    const onEvent = (e) => e.type === "error" && console.error(`isolate ${namespace}: error event, tier ${e.tier}, ${e.op ?? e.reason}: ${e.error}`);
    const options = { store: stores.denoKV(kv), namespace, memoryTtl, ttl: 60_000, onEvent };
    if (bus === "broadcastChannel") options.bus = buses.broadcastChannel(`edgecache-${namespace}`);
    if (bus === "denoKV") options.bus = buses.denoKV(kv, { prefix: ["bus", namespace], pollMs });
    if (coordinator) options.coordinator = coordinators.denoKV(kv);
    cache = new EdgeCache(options);
  },
  ...cacheCommands(() => cache),
  async close() {
    await cache?.dispose();
    kv?.close();
  },
};

async function answer({ id, cmd, ...args }) {
  try {
    return { id, ok: true, value: await commands[cmd](args) };
  } catch (error) {
    return { id, ok: false, error: String(error?.stack ?? error) };
  }
}

if (typeof self.postMessage === "function") {
  self.onmessage = async ({ data }) => self.postMessage(await answer(data));
  self.postMessage({ ready: true });
} else {
  const encoder = new TextEncoder();
  const say = (message) => Deno.stdout.write(encoder.encode(`${JSON.stringify(message)}\n`));
  await say({ ready: true });
  for await (const line of lines(Deno.stdin.readable)) {
    const request = JSON.parse(line);
    answer(request).then(say);
    if (request.cmd === "close") break;
  }
}

