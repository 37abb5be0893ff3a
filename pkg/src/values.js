import { describe, fail } from "./errors.js";

/**
 * A value's JSON. Throws `E_VALUE`, naming `what` and ending with `fix`, when it has none
 * (a function, a symbol, a BigInt, a cycle).
 * @param {unknown} value
 * @param {string} what the value, as the message names it
 * @param {string} fix how to fix the call
 */
export function toJson(value, what, fix) {
  let json;
  try {
    json = JSON.stringify(value);
  } catch (e) {
    fail("E_VALUE", `${what} cannot be written as JSON (${describe(e)}); ${fix}`);
  }
  if (json === undefined) fail("E_VALUE", `${what} (a ${typeof value}) has no JSON form; ${fix}`);
  return json;
}

/** Size of a value in bytes: the UTF-8 length of its JSON (throws `E_VALUE` without one). */
export function jsonBytes(value) {
  return utf8Length(toJson(value, "value", "pass { size } with its byte size"));
}

/** UTF-8 length of a string, without encoding it. */
export function utf8Length(s) {
  let bytes = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2;
      i++;
    } else bytes += 2;
  }
  return bytes;
}
