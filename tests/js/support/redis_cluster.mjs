// A real Redis Cluster on loopback for tests: six redis-server processes (three primaries,
// one replica each) joined by `redis-cli --cluster create`, waited on until every node says
// `cluster_state:ok`. Each process dies with the test process however it ends (see
// redis.mjs); `stop()` ends them all and removes their files (as does the test process's exit).
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { hashSlot } from "../../../pkg/dist/testing.js";
import { freePort, startRedis } from "./redis.mjs";

const HOST = "127.0.0.1";
const run = promisify(execFile);
const READY_TIMEOUT_MS = 30_000;

/**
 * Starts a cluster of `primaries` × (1 + `replicas`) nodes. `nodeTimeout` is the cluster's
 * `cluster-node-timeout` (ms): how long a silent primary has before its replica takes over.
 * Each node's bus port is chosen free (`cluster-port`), not the default port + 10000, which
 * may lie above 65535 for a port the system handed out.
 * @returns {Promise<Cluster>}
 */
export async function startRedisCluster({ primaries = 3, replicas = 1, nodeTimeout = 1000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "edgecache-cluster-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true })); // when stop() was not reached
  const nodes = [];
  const cluster = new Cluster(nodes, dir);
  try {
    for (let i = 0; i < primaries * (1 + replicas); i++) nodes.push(await startNode(dir, i, nodeTimeout));
    const addresses = nodes.map((n) => `${HOST}:${n.port}`);
    await run("redis-cli", ["--cluster", "create", ...addresses, "--cluster-replicas", String(replicas), "--cluster-yes"], { timeout: READY_TIMEOUT_MS });
    await cluster.ready();
    return cluster;
  } catch (e) {
    await cluster.stop();
    throw e;
  }
}

/** One node on a free port and a free bus port (tried again if another process took either). */
async function startNode(dir, i, nodeTimeout) {
  for (let attempt = 1; ; attempt++) {
    const bus = await freePort();
    const home = join(dir, `node-${i}`);
    mkdirSync(home, { recursive: true });
    const args = [
      "--dir", home, // a full resync passes an RDB file through it
      "--logfile", join(home, "log"),
      "--cluster-enabled", "yes",
      "--cluster-config-file", join(dir, `nodes-${i}-${bus}.conf`),
      "--cluster-port", String(bus),
      "--cluster-node-timeout", String(nodeTimeout),
      // A replica is synced at once, not after the default 5 s wait for more replicas: one
      // that never synced with its primary is not promoted when the primary fails.
      "--repl-diskless-sync-delay", "0",
    ];
    try {
      return await startRedis({ args });
    } catch (e) {
      if (attempt === 3) throw e;
    }
  }
}

/** A key in hash slot `slot` ("ready:N" for the first N that lands there). */
function keyInSlot(slot) {
  for (let i = 0; i < 1_000_000; i++) if (hashSlot(`ready:${i}`) === slot) return `ready:${i}`;
  throw new Error(`no key ready:N for slot ${slot}`);
}

/** What a test sees of a running cluster. */
class Cluster {
  #dir;

  constructor(nodes, dir) {
    /** The nodes as started (redis.mjs servers: `port`, `kill(signal)`, `stop()`, ...). */
    this.nodes = nodes;
    this.#dir = dir;
  }

  /** The addresses a client starts from: `{ host, port }` of every node. */
  get rootNodes() {
    return this.nodes.map((n) => ({ host: HOST, port: n.port }));
  }

  /** A command's reply from the node on `port`, as redis-cli prints it unformatted. */
  async cli(port, ...args) {
    const { stdout } = await run("redis-cli", ["-h", HOST, "-p", String(port), ...args], { timeout: 5000 });
    return stdout.trim();
  }

  /**
   * The nodes as the node on `port` sees them (`CLUSTER NODES`): port, role ("master" /
   * "slave"), whether flagged failed (by a majority of primaries, not merely suspected by
   * this node), the primary's id for a replica, and slot ranges.
   */
  async view(port) {
    const lines = (await this.cli(port, "CLUSTER", "NODES")).split("\n");
    return lines.map((line) => {
      const [id, address, flags, primary, , , , , ...slots] = line.split(" ");
      return {
        id,
        port: Number(address.split("@")[0].split(":")[1]),
        role: flags.includes("master") ? "master" : "slave",
        failed: flags.split(",").includes("fail"),
        primary: primary === "-" ? null : primary,
        slots: slots.map((s) => s.split("-").map(Number)),
      };
    });
  }

  /** The started node that the cluster currently has serving `slot`. */
  async primaryOf(slot, askPort = this.nodes[0].port) {
    const owner = (await this.view(askPort)).find((n) => n.role === "master" && !n.failed
      && n.slots.some(([from, to = from]) => slot >= from && slot <= to));
    return this.nodes.find((n) => n.port === owner?.port);
  }

  /**
   * Waits until the nodes in `live` each say `cluster_state:ok`, know every slot as served,
   * agree on which primary serves which slots, and, for a replica, have synced with their
   * primary (the link is up) and acknowledge a write (SET, then WAIT on the primary). The
   * acknowledgement matters after a full resync: a primary streams no write to a replica
   * before the replica's first REPLCONF ACK, up to 1 s after the sync, so a primary killed
   * meanwhile leaves its replica without the writes since (Redis 7.0). The agreement matters
   * after a restart: a killed primary comes
   * back believing it still serves its slots (its node file says so) and says
   * `cluster_state:ok` as a primary, empty, until the others tell it about its replica's
   * promotion; a client that asked it for the slot map meanwhile reads misses from it and
   * writes to it what it drops when it turns replica.
   */
  async ready(live = this.nodes) {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    const servingOf = (view) => view.filter((n) => n.role === "master" && !n.failed && n.slots.length > 0)
      .map((n) => `${n.port}:${n.slots.join(",")}`).sort().join(" ");
    const state = (port) => Promise.all([this.cli(port, "CLUSTER", "INFO"), this.cli(port, "INFO", "replication"), this.view(port)])
      .then(([info, replication, view]) => ({ text: `${info}\n${replication}`, view, serving: servingOf(view) }), () => ({ text: "", view: [], serving: "" }));
    for (;;) {
      const states = await Promise.all(live.map((n) => state(n.port)));
      const infos = states.map((st) => st.text);
      const ok = infos.filter((i) => i.includes("cluster_state:ok") && i.includes("cluster_slots_ok:16384")
        && (i.includes("role:master") || i.includes("master_link_status:up")));
      if (ok.length === live.length && states.every((st) => st.serving === states[0].serving)
        && await this.#acknowledged(states[0].view, live)) return;
      if (Date.now() > deadline) throw new Error(`the cluster was not ready within ${READY_TIMEOUT_MS} ms:\n${states.map((st) => `serving ${st.serving}\n${st.text}`).join("\n---\n")}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Whether each serving primary's replicas among `live` acknowledge a write within 2 s. */
  async #acknowledged(view, live) {
    const ports = new Set(live.map((n) => n.port));
    const primaries = view.filter((n) => n.role === "master" && !n.failed && n.slots.length > 0);
    const answers = await Promise.all(primaries.map(async (p) => {
      const replicas = view.filter((n) => n.primary === p.id && !n.failed && ports.has(n.port)).length;
      if (replicas === 0) return true;
      const pending = run("redis-cli", ["-h", HOST, "-p", String(p.port)], { timeout: 5000 });
      pending.child.stdin.end(`SET ${keyInSlot(p.slots[0][0])} 1\nWAIT ${replicas} 2000\n`);
      const { stdout } = await pending;
      return Number(stdout.trim().split("\n").at(-1)) >= replicas;
    }));
    return answers.every(Boolean);
  }

  /**
   * Waits until every other node sees `victim` (a killed primary) as failed, serving no
   * slot, and says `cluster_state:ok`: its replica took over and the news spread.
   */
  async failedOver(victim) {
    const live = this.nodes.filter((n) => n !== victim);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const views = await Promise.all(live.map((n) => this.view(n.port).catch(() => [])));
      const done = views.every((view) => view.some((n) => n.port === victim.port && n.failed && n.slots.length === 0));
      if (done) return this.ready(live);
      if (Date.now() > deadline) throw new Error(`no replica took over from the node on port ${victim.port} within ${READY_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Ends every node (those still running) and removes their node files. */
  async stop() {
    await Promise.all(this.nodes.map((n) => n.stop()));
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
