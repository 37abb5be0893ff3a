// Deno KV: a `Deno.Kv` from `Deno.openKv()`.
import { fail, typeName } from "../errors.js";
import { checkOptions, expectMethods } from "./args.js";
import { checkWellFormed } from "../plain_options.js";
import { ttlMs } from "./ttl.js";

/** Deno KV's limit on an encoded key, in bytes. */
export const KEY_LIMIT = 2048;
/** Deno KV's limit on a serialized value, in bytes. */
const VALUE_LIMIT = 65536;
/** Most keys one `kv.getMany` may read. */
const MANY_KEYS = 10;
const WHERE = "stores.denoKV(kv, { prefix })";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A store over Deno KV. Each key is stored at `[...prefix, key]` (default prefix
 * `["edgecache"]`), TTLs become `expireIn` (whole ms), `getMany` reads 10 keys per
 * `kv.getMany` call. Values are stored as their UTF-8 bytes: Deno serializes a string
 * with V8's serializer, two bytes per character as soon as one character is outside
 * Latin-1, so only bytes make the 64 KiB limit hold for every value. `maxKeyBytes` is
 * what is left of 2048 bytes after the encoded prefix, halved because the key encoding
 * spends two bytes on a NUL. Deno KV deletes expired entries lazily (it may still return
 * one for a while after `expireIn`); edgecache's records carry their own expiry.
 * @param {Deno.Kv} kv
 * @param {{ prefix?: Deno.KvKey }} [options]
 */
export function denoKV(kv, options) {
  expectMethods(kv, ["get", "set", "delete", "getMany"], "stores.denoKV(kv)", "a Deno.Kv from Deno.openKv()");
  const { prefix: given = ["edgecache"] } = checkOptions(options, ["prefix"], WHERE);
  const prefixBytes = encodedPrefixBytes(given, WHERE);
  const prefix = [...given];
  const maxKeyBytes = Math.floor((KEY_LIMIT - prefixBytes - 2) / 2);
  if (maxKeyBytes < 64) {
    fail("E_CONFIG", `${WHERE}: the prefix takes ${prefixBytes} of Deno KV's ${KEY_LIMIT} key bytes; use a shorter prefix`);
  }
  const at = (key) => [...prefix, key];
  return {
    name: "deno-kv",
    limits: Object.freeze({ maxKeyBytes, maxValueBytes: VALUE_LIMIT, minTtl: 0 }),
    async get(key) {
      return text((await kv.get(at(key))).value);
    },
    async set(key, value, opts) {
      const ms = ttlMs(opts);
      await kv.set(at(key), encoder.encode(value), ms === undefined ? undefined : { expireIn: ms });
    },
    async delete(key) {
      await kv.delete(at(key));
    },
    async getMany(keys) {
      const batches = [];
      for (let i = 0; i < keys.length; i += MANY_KEYS) {
        batches.push(kv.getMany(keys.slice(i, i + MANY_KEYS).map(at)));
      }
      return (await Promise.all(batches)).flat().map((entry) => text(entry.value));
    },
  };
}

/** A stored value back as a string: bytes as written by `set`, or a string put there by hand. */
function text(value) {
  if (value === null || typeof value === "string") return value;
  if (value instanceof Uint8Array) return decoder.decode(value);
  fail("E_STORE", `stores.denoKV: the entry's value is of type ${typeName(value)}, not the bytes edgecache writes; delete it or pick another prefix`);
}

/**
 * Bytes the prefix parts take in Deno KV's key encoding (FoundationDB tuple layer): a
 * type byte, the payload, and for strings and bytes a terminator and one escape byte per
 * NUL. Exact for every type but bigints, where it is at most one byte over. Throws E_CONFIG
 * (naming the factory `where`) for a prefix that is no array of key parts.
 */
export function encodedPrefixBytes(prefix, where) {
  if (!Array.isArray(prefix)) {
    fail("E_CONFIG", `${where}: prefix must be an array of key parts such as ["edgecache"], got ${typeName(prefix)}`);
  }
  let bytes = 0;
  for (const part of prefix) bytes += partBytes(part, where);
  return bytes;
}

function partBytes(part, where) {
  if (typeof part === "string") {
    // Deno KV keeps strings as UTF-8, where every lone surrogate is U+FFFD: two such
    // prefixes would be one.
    checkWellFormed(part, "E_CONFIG", `${where}: prefix part`);
    return bytesPartSize(encoder.encode(part));
  }
  if (part instanceof Uint8Array) return bytesPartSize(part);
  if (typeof part === "number") return 9;
  if (typeof part === "bigint") return 2 + Math.ceil((part < 0n ? -part : part).toString(16).length / 2);
  if (typeof part === "boolean") return 1;
  fail("E_CONFIG", `${where}: prefix parts must be strings, numbers, bigints, booleans or Uint8Arrays, got ${typeName(part)}`);
}

/** A string or bytes part: type byte, payload with each NUL escaped by a second byte, terminator. */
function bytesPartSize(raw) {
  let nuls = 0;
  for (const b of raw) if (b === 0) nuls++;
  return 2 + raw.length + nuls;
}
