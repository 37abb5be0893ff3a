// How a value becomes a record's body and back: JSON by default, or the caller's
// `serializer` ({ serialize, deserialize }) for types JSON cannot carry. Every tier answers
// with what deserialize(serialize(value)) gives, so a read has the same shape whether this
// isolate's memory, another isolate's or the store answered it.
import { EdgeCacheError, describe, fail, typeName } from "../errors.js";
import { toJson } from "../values.js";

const FIX = "store values JSON can carry (objects, arrays, strings, numbers, booleans, null), or pass a serializer option";
const SHAPE = "an object { serialize(value): string, deserialize(text): value }";

/**
 * The default: JSON. A body it cannot parse is damaged (the header checked its length), so
 * the record is deleted; a caller's serializer may share the namespace with writers of
 * another format, so what it cannot read is left in place.
 */
const JSON_SERIALIZER = Object.freeze({
  serialize: (k, value) => toJson(value, `value for "${k}"`, FIX),
  read: (body) => JSON.parse(body),
  deletesUnreadable: true,
});

/**
 * The `serializer` option checked (each method read once, so a class instance's methods
 * work too): `serialize(k, value)` gives a string or throws E_VALUE; `read(body)` gives the
 * value, or undefined for a body it cannot read (a throw, undefined, or a promise).
 */
export function serializerOf(option) {
  if (option === undefined) return JSON_SERIALIZER;
  if (option === null || typeof option !== "object") fail("E_CONFIG", `EdgeCache: option serializer must be ${SHAPE}, got ${typeName(option)}`);
  const { serialize, deserialize } = option;
  if (typeof serialize !== "function" || typeof deserialize !== "function") {
    fail("E_CONFIG", `EdgeCache: option serializer must be ${SHAPE}; serialize is ${typeName(serialize)}, deserialize is ${typeName(deserialize)}`);
  }
  return {
    serialize(k, value) {
      let body;
      try {
        body = serialize.call(option, value);
      } catch (error) {
        throw new EdgeCacheError("E_VALUE", `value for "${k}": serializer.serialize threw (${describe(error)})`, { cause: error });
      }
      if (typeof body !== "string") fail("E_VALUE", `value for "${k}": serializer.serialize returned ${typeName(body)}; it must return a string`);
      return body;
    },
    read: (body) => deserialize.call(option, body),
    deletesUnreadable: false,
  };
}

/**
 * The value a record's `body` holds, or undefined when the serializer cannot read it: it
 * throws, gives undefined, or gives a promise (a cache answers with values, and a promise
 * that rejects with no one awaiting it would end a Node process).
 */
export function readBody(c, body) {
  let value;
  try {
    value = c.serializer.read(body);
  } catch {
    return undefined;
  }
  return isThenable(value) ? undefined : value;
}

/**
 * `value` as it is stored (`body`) and as every tier returns it (`stored`: read back from
 * the body, or `value` itself when that reads back as the very same plain data, so that
 * memory hands out the caller's object). Throws E_VALUE when it has no stored form or does
 * not read back.
 */
export function storedForm(c, k, value) {
  const body = c.serializer.serialize(k, value);
  let stored;
  try {
    stored = c.serializer.read(body);
  } catch (error) {
    throw new EdgeCacheError("E_VALUE", `value for "${k}": its stored form does not read back (${describe(error)}); check the serializer's deserialize`, { cause: error });
  }
  if (stored === undefined || isThenable(stored)) {
    fail("E_VALUE", `value for "${k}": its stored form reads back as ${typeName(stored)}, not a value; check the serializer's deserialize (it must return the value itself)`);
  }
  return { body, stored: readsBackAsItself(value, stored) ? value : stored };
}

/**
 * Whether `value` is a promise (or a thenable), which is then refused: its rejection is
 * handled here, since no caller will ever await it.
 */
function isThenable(value) {
  try {
    if (value === null || (typeof value !== "object" && typeof value !== "function") || typeof value.then !== "function") return false;
    value.then(undefined, () => {});
  } catch {
    // a `then` that throws: refused all the same
  }
  return true;
}

/** Whether `back` is the same plain data as `value` (a Date, a class instance, a dropped field: not). */
function readsBackAsItself(value, back) {
  try {
    return samePlainData(value, back, 0);
  } catch {
    return false; // a getter or Proxy trap that throws: keep what was read back
  }
}

/** Deeper than this, data is taken to differ (the copy read back is kept). */
const MAX_DEPTH = 64;

/**
 * Same primitives, or objects of the same plain kind (Object.prototype or Array.prototype
 * on both sides, extensible) whose own properties (symbols and non-enumerable ones
 * included) are the same enumerable data properties, recursively; an array's `length` too.
 */
function samePlainData(value, back, depth) {
  if (Object.is(value, back)) return true;
  if (value === null || back === null || typeof value !== "object" || typeof back !== "object" || depth > MAX_DEPTH) return false;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.getPrototypeOf(back) || (prototype !== Object.prototype && prototype !== Array.prototype)) return false;
  if (!Object.isExtensible(value)) return false; // frozen or sealed: the copy read back is not
  const keys = Reflect.ownKeys(value);
  if (keys.length !== Reflect.ownKeys(back).length) return false;
  const array = prototype === Array.prototype;
  for (const key of keys) {
    const own = Object.getOwnPropertyDescriptor(value, key);
    if (array && key === "length") {
      if (own.value !== back.length) return false;
      continue;
    }
    if (!own.enumerable || !("value" in own) || !Object.hasOwn(back, key)) return false;
    if (!samePlainData(own.value, back[key], depth + 1)) return false;
  }
  return true;
}
