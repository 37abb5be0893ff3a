// A real redis-server on loopback for tests: started on a free port with persistence off,
// waited on until it answers PING, and killed when the test process ends, however it ends.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";

const HOST = "127.0.0.1";
const START_TIMEOUT_MS = 10_000;

/**
 * Starts `redis-server` on a free loopback port, with `args` added to its command line
 * (e.g. the cluster options of redis_cluster.mjs).
 * `stop()` shuts it down (SIGTERM) and waits for the exit; `kill(signal)` sends a signal
 * (SIGKILL for a crash; SIGSTOP / SIGCONT freeze and thaw it) and waits for the exit when
 * the signal ends it; `restart()` starts it again on the same port once it is down.
 * @returns {Promise<{ port: number, url: string, stop(): Promise<void>, kill(signal: string): Promise<void>, restart(): Promise<void> }>}
 */
export async function startRedis({ args = [] } = {}) {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await serverOn(port, args);
    } catch (e) {
      if (attempt === 3) throw e; // another process took the port between probe and bind
    }
  }
}

async function serverOn(port, args) {
  let proc = await launch(port, args);
  let frozen = false;
  const exited = () => proc.child.exitCode !== null || proc.child.signalCode !== null;
  return {
    port,
    url: `redis://${HOST}:${port}`,
    async stop() {
      if (exited()) return;
      proc.child.kill("SIGTERM");
      if (frozen) proc.child.kill("SIGCONT"); // a stopped process handles SIGTERM once resumed
      await exitOf(proc);
    },
    async kill(signal) {
      if (exited()) return;
      proc.child.kill(signal);
      if (signal === "SIGSTOP" || signal === "SIGCONT") frozen = signal === "SIGSTOP";
      else await exitOf(proc);
    },
    async restart() {
      if (!exited()) throw new Error(`redis-server on port ${port} is still running; stop() or kill() it first`);
      proc = await launch(port, args);
      frozen = false;
    },
  };
}

/** Waits for the server process to end (holding the event loop open meanwhile). */
async function exitOf(proc) {
  proc.child.ref();
  await proc.exit;
}

/** Spawns redis-server with a watchdog, and waits until it answers PING. */
async function launch(port, args) {
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", HOST, "--save", "", "--appendonly", "no", ...args],
    { cwd: tmpdir(), stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8");
    stream.on("data", (chunk) => (output = (output + chunk).slice(-4000)));
  }
  const exit = once(child, "exit").catch(() => {});
  child.once("error", () => {}); // reported through `exit` / the PING timeout
  const watchdog = guard(child.pid);
  exit.then(() => watchdog.kill("SIGKILL"));
  child.unref();
  for (const stream of [child.stdout, child.stderr]) stream.unref?.();

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await pong(port))) {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
      throw new Error(`redis-server did not start on port ${port}:\n${output}`);
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`redis-server on port ${port} did not answer PING within ${START_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { child, exit };
}

/**
 * A shell that kills `pid` once its stdin closes, which happens when this process ends for
 * any reason (exit, crash, SIGKILL from a test runner's timeout).
 */
function guard(pid) {
  const sh = spawn("sh", ["-c", `read _; kill -KILL ${pid} 2>/dev/null`], { stdio: ["pipe", "ignore", "ignore"] });
  sh.unref();
  sh.stdin.unref?.();
  sh.stdin.on("error", () => {});
  return sh;
}

/** Whether a server on `port` answers PING with PONG. */
function pong(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    let reply = "";
    socket.setTimeout(1000, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk;
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
  });
}

/** A port free on loopback right now (bound to port 0, then released). */
export async function freePort() {
  const server = createServer();
  server.listen(0, HOST);
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  await once(server, "close");
  return port;
}
