// The examples' servers as child processes: each started in a process group of its own
// (wrangler starts workerd and esbuild beside itself), waited on until its output says it
// listens, and killed as a group when stopped, when the test ends, or when this process
// dies however it dies.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";

const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
const running = new Set();

/**
 * Starts `command args` in its own process group and waits until its output (stdout and
 * stderr) matches `ready`. Rejects, with the output, when it exits first or does not get
 * ready within `timeout` ms (then its group is killed).
 * `stop()` sends SIGTERM to the group, SIGKILL after a grace period, and waits for the exit.
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd: string, env?: NodeJS.ProcessEnv, ready: RegExp, timeout?: number }} options the
 *   environment is `env` (default this process's) with NO_COLOR=1
 * @returns {Promise<{ match: RegExpMatchArray, output(): string, stop(): Promise<void> }>}
 */
export async function start(command, args, { cwd, env = process.env, ready, timeout = START_TIMEOUT_MS }) {
  const child = spawn(command, args, {
    cwd,
    env: { ...env, NO_COLOR: "1" },
    detached: true, // its own process group, so that stop() reaches the processes it starts
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exit = once(child, "exit").catch(() => {});
  child.once("error", () => {}); // reported through `exit` below
  const group = child.pid;
  const watchdog = group === undefined ? undefined : guard(group);
  let output = "";
  let onOutput = () => {};
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8");
    stream.on("data", (chunk) => {
      output = (output + chunk).slice(-20_000);
      onOutput();
    });
  }
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const handle = {
    output: () => output,
    async stop() {
      running.delete(handle);
      if (group === undefined) return;
      signal(group, "SIGTERM");
      const timer = setTimeout(() => signal(group, "SIGKILL"), STOP_GRACE_MS);
      await exit;
      clearTimeout(timer);
      signal(group, "SIGKILL"); // whatever the leader left behind in its group
      watchdog?.stdin.end();
    },
  };
  running.add(handle);
  try {
    handle.match = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${command} not ready after ${timeout} ms:\n${output}`)), timeout);
      onOutput = () => {
        const match = output.match(ready);
        if (match) {
          clearTimeout(timer);
          resolve(match);
        }
      };
      exit.then(() => {
        clearTimeout(timer);
        reject(new Error(`${command} ${args.join(" ")} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output}`));
      });
    });
  } catch (e) {
    await handle.stop();
    throw e;
  }
  return handle;
}

/** Stops every process started by {@link start} that is still running (for `after` hooks). */
export async function stopAll() {
  await Promise.all([...running].map((p) => p.stop()));
}

/** Sends `sig` to a process group; a group that is gone already is not an error. */
function signal(group, sig) {
  try {
    process.kill(-group, sig);
  } catch {
    // ESRCH: nothing left in the group
  }
}

/**
 * A shell that kills process group `group` once its stdin closes: when the group is
 * stopped, or when this process ends for any reason (exit, crash, a runner's SIGKILL).
 */
function guard(group) {
  const sh = spawn("sh", ["-c", `read _; kill -KILL -${group} 2>/dev/null`], { stdio: ["pipe", "ignore", "ignore"] });
  sh.unref();
  sh.stdin.unref?.();
  sh.stdin.on("error", () => {});
  return sh;
}

/** A port free on loopback right now (bound to port 0, then released). */
export async function freePort() {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  await once(server, "close");
  return port;
}

/**
 * Calls `read` until `done(value)` holds, for at most `timeout` ms: for background work of
 * a server (a store write handed to waitUntil) that the test cannot await directly.
 * @template T
 * @param {() => Promise<T>} read
 * @param {(value: T) => boolean} done
 * @returns {Promise<T>}
 */
export async function until(read, done, timeout = 5_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeout} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** GETs (or POSTs) `url` and returns `{ status, headers, body }` with the body parsed as JSON when it is JSON. */
export async function request(url, { method = "GET" } = {}) {
  const res = await fetch(url, { method });
  const text = await res.text();
  const json = (res.headers.get("content-type") ?? "").includes("application/json");
  return { status: res.status, headers: res.headers, body: json ? JSON.parse(text) : text };
}

/** The example's `/stats` body (its cache's counters), which must answer 200. */
export async function statsOf(server) {
  const { status, body } = await request(`${server.url}/stats`);
  if (status !== 200) throw new Error(`GET /stats answered ${status}`);
  return body;
}
