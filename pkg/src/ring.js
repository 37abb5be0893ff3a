import { RingEngine } from "../dist/edgecache.js";
import { fail, failDisposed, typeName } from "./errors.js";
import { loneSurrogateAt, toKey } from "./keys.js";
import { checkWellFormed, plainNode, plainNodes, plainOptions } from "./plain_options.js";
import { wasmBuffer } from "./ready.js";

const encoder = new TextEncoder();

/**
 * A ketama consistent-hash ring (libmemcached compatible): which node owns a key.
 *
 * The Rust engine holds the continuum; a lookup writes the key's UTF-8 bytes into a buffer
 * in wasm memory (a view kept here), calls the engine with their length and gets back the
 * owner's index, mapped to its id through `#ids` (refreshed after `add` and `remove`);
 * `nodes` reads the owners' indices from a second shared buffer. No string or JsValue
 * crosses the boundary.
 */
export class HashRing {
  #engine;
  /** index -> node id, in the order the nodes were added */
  #ids;
  /** Views of the engine's buffers in wasm memory: key bytes, owner indices. */
  #key;
  #owners;

  /**
   * @param {Array<string | { id: string, weight?: number }>} nodes "host:port" ids, or
   *   objects with an id and a whole-number weight ≥ 1 (default 1)
   * @param {{ pointsPerNode?: number, mode?: "ketama" | "spy" }} [options] pointsPerNode:
   *   multiple of 4 from 4 to 10000 (default 160); mode: point-key spelling, "ketama"
   *   (libmemcached, pylibmc; default) or "spy" (spymemcached)
   */
  constructor(nodes, options) {
    const copied = plainNodes(nodes);
    if (Array.isArray(copied)) copied.forEach((node) => checkId(node, "E_CONFIG"));
    this.#engine = new RingEngine(copied, plainOptions(options, "HashRing"));
    this.#ids = this.#engine.ids();
    this.#relayout();
  }

  /** The node that owns `key`; throws `E_EMPTY_RING` when the ring has no nodes. */
  node(key) {
    if (this.#engine === null) failDisposed("HashRing.node");
    const index = this.#engine.node(this.#encode(toKey(key)));
    if (index === undefined) {
      fail("E_EMPTY_RING", "HashRing: node(key) on an empty ring; add a node first, e.g. ring.add(\"10.0.1.1:11211\")");
    }
    return this.#ids[index];
  }

  /**
   * Up to `n` distinct owners of `key` in ring order, starting with `node(key)`: the nodes
   * to hold replicas. Returns `min(n, size)` ids (none on an empty ring).
   */
  nodes(key, n) {
    if (this.#engine === null) failDisposed("HashRing.nodes");
    const k = toKey(key);
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
      fail("E_ARGUMENT", `HashRing: nodes(key, n) needs n as a whole number ≥ 0 (how many owners), got ${typeof n === "number" ? n : typeName(n)}`);
    }
    const want = Math.min(n, this.#ids.length);
    if (want === 0) return [];
    const count = this.#engine.nodes(this.#encode(k), want);
    // The call may have grown wasm memory; the ring has nodes, so an empty view is detached.
    if (this.#owners.length === 0) this.#relayout();
    const out = new Array(count);
    for (let i = 0; i < count; i++) out[i] = this.#ids[this.#owners[i]];
    return out;
  }

  /**
   * Adds a node (an id or `{ id, weight }`). Throws `E_ARGUMENT`, changing nothing, for an
   * invalid node or one already on the ring. With equal weights only keys moving to the new
   * node change owner.
   */
  add(node) {
    if (this.#engine === null) failDisposed("HashRing.add");
    const copied = plainNode(node);
    if (this.#engine === null) failDisposed("HashRing.add"); // by a getter of the node
    checkId(copied, "E_ARGUMENT");
    this.#engine.add(copied);
    this.#ids = this.#engine.ids();
    this.#relayout();
  }

  /** Removes node `id`; whether it was on the ring. */
  remove(id) {
    if (this.#engine === null) failDisposed("HashRing.remove");
    if (typeof id !== "string") {
      fail("E_ARGUMENT", `HashRing: remove(id) needs the node id string, got ${typeName(id)}`);
    }
    // Never on the ring (see checkId); the engine would see it as another id.
    if (loneSurrogateAt(id) >= 0) return false;
    const removed = this.#engine.remove(id);
    if (removed) {
      this.#ids = this.#engine.ids();
      this.#relayout();
    }
    return removed;
  }

  /**
   * Frees the engine's wasm memory now, rather than whenever the garbage collector gets
   * to it. Later calls throw `E_DISPOSED` (`size` is 0); disposing again does nothing.
   */
  dispose() {
    if (this.#engine === null) return;
    this.#engine.free();
    this.#engine = null;
    this.#ids = [];
  }

  /** The number of nodes. */
  get size() {
    return this.#ids.length;
  }

  /** Writes `key` as UTF-8 into the engine's key buffer; returns the byte length. */
  #encode(key) {
    // Growing wasm memory (any engine may, and so may `nodes`) detaches the views; they
    // then have length 0. The engine reads the key before it allocates anything.
    if (this.#key.length === 0) this.#relayout();
    const view = this.#key;
    const n = key.length;
    let i = 0;
    for (; i < n; i++) {
      const c = key.charCodeAt(i);
      if (c > 0x7f) break;
      view[i] = c;
    }
    if (i === n) return n;
    // toKey bounds keys to 4096 code units; the buffer holds 3 bytes for each.
    return i + encoder.encodeInto(key.slice(i), view.subarray(i)).written;
  }

  #relayout() {
    const buffer = wasmBuffer();
    const e = this.#engine;
    this.#key = new Uint8Array(buffer, e.keyPtr(), e.keyLen());
    this.#owners = new Uint32Array(buffer, e.ownersPtr(), e.ownersLen());
  }
}

if (Symbol.dispose !== undefined) HashRing.prototype[Symbol.dispose] = HashRing.prototype.dispose;

/**
 * Refuses a node id with half of a surrogate pair: the engine sees every such id as the
 * same text (U+FFFD), so two of them would be one node with two names.
 */
function checkId(node, code) {
  const id = typeof node === "string" ? node : node?.id;
  if (typeof id === "string") checkWellFormed(id, code, "HashRing: node id");
}
