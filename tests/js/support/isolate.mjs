// One isolate of the multi-isolate tests: a Node process (child_process.fork) or a worker
// thread (its own V8 isolate) with its own EdgeCache over the shared redis-server, driven by
// its parent over IPC or its port. Each request is { id, cmd, ... }; the answer
// { id, ok, value?, error? }. Times (`at`) are wall-clock ms (performance.timeOrigin +
// performance.now(): comparable between the processes and threads of one machine).
import { parentPort, workerData } from "node:worker_threads";
import { createClient } from "redis";
import { EdgeCache, buses, stores } from "edgecache";
import { cacheCommands } from "./isolate_commands.mjs";

/** This isolate's place in the start order (0, 1, ...). */
const INDEX = Number(parentPort === null ? process.env.ISOLATE_INDEX : workerData.index);

let cache;
const clients = [];

const commands = {
  /** { url, namespace, memoryTtl, bus: "redis" | "broadcastChannel" | undefined } */
  async init({ url, namespace, memoryTtl, bus }) {
    const client = createClient({ url });
    client.on("error", () => {});
    await client.connect();
    clients.push(client);
    const options = { store: stores.redis(client), namespace, memoryTtl, ttl: 60_000 };
    if (bus === "redis") options.bus = buses.redis(client);
    if (bus === "broadcastChannel") options.bus = buses.broadcastChannel("edgecache-isolates");
    cache = new EdgeCache(options);
    if (bus === "redis") await subscribed(client);
  },
  ...cacheCommands(() => cache),
  async close() {
    await cache?.dispose();
    for (const c of clients) await c.close();
  },
};

/**
 * Resolves once this isolate's bus subscriber joined the channel: the isolates start one
 * after the other, so it is the (ISOLATE_INDEX + 1)th.
 */
async function subscribed(client) {
  const wanted = INDEX + 1;
  for (let i = 0; i < 1000; i++) {
    const { edgecache: subscribers } = await client.pubSubNumSub("edgecache");
    if (subscribers >= wanted) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error("the bus's subscriber never joined the channel");
}

const port = parentPort ?? {
  on: (type, listener) => process.on(type, listener),
  postMessage: (message) => process.send(message),
  close: () => process.disconnect(),
};
port.on("message", async ({ id, cmd, ...args }) => {
  try {
    const value = await commands[cmd](args);
    port.postMessage({ id, ok: true, value });
    if (cmd === "close") port.close();
  } catch (error) {
    port.postMessage({ id, ok: false, error: String(error?.stack ?? error) });
  }
});
