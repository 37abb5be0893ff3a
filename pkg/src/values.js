import { fail } from "./errors.js";

/**
 * Size of a value in bytes: the UTF-8 length of its JSON. Throws `E_VALUE` when the value
 * has no JSON form (a function, a symbol, a BigInt, a cycle).
 * @param {unknown} value
 */
export function jsonBytes(value) {
  let json;
  try {
    json = JSON.stringify(value);
  } catch (e) {
    fail("E_VALUE", `value cannot be sized as JSON (${e.message}); pass { size } with its byte size`);
  }
  if (json === undefined) {
    fail("E_VALUE", `value of type ${typeof value} has no JSON form; pass { size } with its byte size`);
  }
  return utf8Length(json);
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
