// How a value becomes a record's body and back: JSON by default, or the caller's
// `serializer` ({ serialize, deserialize }) for types JSON cannot carry. Every tier answers
// with what deserialize(serialize(value)) gives, so a read has the same shape whether this
// isolate's memory, another isolate's or the store answered it.
import { EdgeCacheError, describe, fail, typeName } from "../errors.js";
import { toJson } from "../values.js";

const FIX = "store values JSON can carry (objects, arrays, strings, numbers, booleans, null), or pass a serializer option";
const SHAPE = "an object { serialize(value): string, deserialize(text): value }";

/** The default: JSON. */
const JSON_SERIALIZER = Object.freeze({
  serialize: (k, value) => toJson(value, `value for "${k}"`, FIX),
  deserialize: (body) => JSON.parse(body),
});

/**
 * The `serializer` option checked (each method read once, so a class instance's methods
 * work too): `serialize(k, value)` gives a string or throws E_VALUE; `deserialize(body)`
 * gives the value or throws (a record it cannot read is corrupt).
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
    deserialize: (body) => deserialize.call(option, body),
  };
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
    stored = c.serializer.deserialize(body);
  } catch (error) {
    throw new EdgeCacheError("E_VALUE", `value for "${k}": its stored form does not read back (${describe(error)}); check the serializer's deserialize`, { cause: error });
  }
  if (stored === undefined) fail("E_VALUE", `value for "${k}": its stored form reads back as undefined; check the serializer's deserialize`);
  return { body, stored: readsBackAsItself(value, stored) ? value : stored };
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

function samePlainData(value, back, depth) {
  if (Object.is(value, back)) return true;
  if (value === null || back === null || typeof value !== "object" || typeof back !== "object" || depth > MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    if (!Array.isArray(back) || value.length !== back.length) return false;
    for (let i = 0; i < value.length; i++) if (!samePlainData(value[i], back[i], depth + 1)) return false;
    return true;
  }
  const prototype = Object.getPrototypeOf(value);
  if ((prototype !== Object.prototype && prototype !== null) || Array.isArray(back)) return false;
  const keys = Object.keys(value);
  if (keys.length !== Object.keys(back).length) return false;
  for (const key of keys) if (!Object.hasOwn(back, key) || !samePlainData(value[key], back[key], depth + 1)) return false;
  return true;
}
