// Options copied into plain data before they reach wasm. The Rust side reads an options
// object through JavaScript calls (Object.entries, Object.getPrototypeOf, Array.isArray);
// a getter or proxy that throws during one of them unwinds through the wasm frames without
// restoring wasm's stack pointer, and enough of those exhaust the stack and trap the
// instance for every later call. Copying here runs the caller's code in JavaScript, where a
// throw is an ordinary E_CONFIG.
import { EdgeCacheError, describe, fail, typeName } from "./errors.js";
import { loneSurrogateAt } from "./keys.js";

/** Stands in for an object that is not a plain one (a store client, a Date, a Map). */
class Opaque {}
const OPAQUE = Object.freeze(new Opaque());
/** Stands in for an array (the engines never read inside one in an options object). */
const OPAQUE_ARRAY = Object.freeze([]);
/** Stands in for a function: the engines only check that it is one. */
const OPAQUE_FUNCTION = Object.freeze(function opaque() {});

/**
 * `options` as wasm reads it, copied: its own enumerable fields, and one level more inside
 * fields that are plain objects (`memory: { maxEntries }`); other objects, arrays and
 * functions become stand-ins of the same kind. Throws `E_CONFIG` naming `owner` when
 * reading them throws.
 * @param {unknown} options
 * @param {string} owner the class whose options these are, e.g. "MemoryCache"
 */
export function plainOptions(options, owner) {
  return guarded(owner, () => fields(options, 1));
}

/**
 * A HashRing node list copied the same way: an array of ids or `{ id, weight }` objects
 * (anything else becomes a stand-in for the engine to report).
 * @param {unknown} nodes
 */
export function plainNodes(nodes) {
  return guarded("HashRing", () => (Array.isArray(nodes) ? Array.from(nodes, (node) => fields(node, 0)) : copy(nodes, 0)));
}

/** One HashRing node copied the same way (for `add`: a bad one is an `E_ARGUMENT`). */
export function plainNode(node) {
  return guarded("HashRing.add", () => fields(node, 0), "E_ARGUMENT");
}

/**
 * A caller's object read once: its own enumerable fields copied into a plain object, so
 * that getters and Proxy traps run here, once, and what is checked is what is used.
 * Throws `code` for anything but a non-array object (`expected` says what to pass), and
 * when reading it throws.
 * @param {unknown} value
 * @param {string} code E_CONFIG (constructor options) or E_ARGUMENT (a call's)
 * @param {string} what what is read, e.g. "getOrSet: options"
 * @param {string} expected what to pass instead, e.g. "an object such as { ttl: 60000 }"
 */
export function readOnce(value, code, what, expected) {
  let copy = null;
  try {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) copy = { ...value };
  } catch (error) {
    throw new EdgeCacheError(code, `${what}: reading it threw (${describe(error)}); pass ${expected} whose fields hold values`, { cause: error });
  }
  if (copy === null) fail(code, `${what} must be ${expected}, got ${typeName(value)}`);
  return copy;
}

/**
 * Refuses (with `code`) a name that has half of a UTF-16 surrogate pair: outside the isolate
 * (UTF-8 store keys, wasm strings) it becomes U+FFFD, so two such names would be one.
 * @param {string} name
 * @param {string} code
 * @param {string} what e.g. "EdgeCache: option namespace"
 */
export function checkWellFormed(name, code, what) {
  const at = loneSurrogateAt(name);
  if (at >= 0) {
    fail(code, `${what} ${JSON.stringify(name)} has half of a UTF-16 surrogate pair at index ${at}, which cannot be told apart from other such text outside the isolate: pass well-formed text`);
  }
}

function guarded(owner, read, code = "E_CONFIG") {
  try {
    return read();
  } catch (error) {
    throw new EdgeCacheError(
      code,
      `${owner}: reading the options threw (${describe(error)}); pass plain objects whose fields hold values`,
      { cause: error },
    );
  }
}

/** An object's own enumerable fields (whatever its prototype), each copied `depth` levels deep. */
function fields(value, depth) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return copy(value, 0);
  const out = {};
  for (const [name, field] of Object.entries(value)) out[name] = copy(field, depth);
  return out;
}

function copy(value, depth) {
  if (typeof value === "function") return OPAQUE_FUNCTION;
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return OPAQUE_ARRAY;
  const prototype = Object.getPrototypeOf(value);
  if (depth === 0 || (prototype !== Object.prototype && prototype !== null)) return OPAQUE;
  return fields(value, depth - 1);
}
