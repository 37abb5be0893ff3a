// Argument checks shared by the store adapters: every factory validates what it is given
// and throws E_CONFIG saying what it expected.
import { fail, typeName } from "../errors.js";

/**
 * Throws `E_CONFIG` unless `client` is an object with every function in `methods`.
 * @param {unknown} client the platform object handed to the factory
 * @param {string[]} methods functions it must have
 * @param {string} where the call, e.g. "stores.cloudflareKV(namespace)"
 * @param {string} what what was expected, e.g. "a Workers KV namespace binding"
 */
export function expectMethods(client, methods, where, what) {
  const isObject = (typeof client === "object" && client !== null) || typeof client === "function";
  const missing = isObject ? methods.filter((m) => typeof client[m] !== "function") : methods;
  if (missing.length === 0) return;
  const got = isObject ? `an object without ${missing.join("/")}` : typeName(client);
  fail("E_CONFIG", `${where}: expected ${what} with ${methods.join("/")}, got ${got}`);
}

/**
 * Throws `E_CONFIG` unless `options` is undefined or a plain object whose names are all in
 * `allowed`; returns it (or `{}`).
 * @param {unknown} options
 * @param {string[]} allowed
 * @param {string} where
 * @returns {Record<string, unknown>}
 */
export function checkOptions(options, allowed, where) {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    fail("E_CONFIG", `${where}: options must be an object such as { ${allowed[0]}: ... }, got ${typeName(options)}`);
  }
  for (const name of Object.keys(options)) {
    if (!allowed.includes(name)) {
      fail("E_CONFIG", `${where}: unknown option "${name}"; the options are ${allowed.join(", ")}`);
    }
  }
  return options;
}
