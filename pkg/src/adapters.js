// The adapter families (`stores`, `buses`, `coordinators`): each factory made to throw only
// EdgeCacheErrors, so a client or options object whose reading throws (a getter, a Proxy)
// is an `E_CONFIG` naming the factory, not the caller's raw error.
import { EdgeCacheError, describe, isEdgeCacheError } from "./errors.js";

/** `factories` (name → factory) as the frozen family `family`, each factory checked. */
export function adapterFamily(family, factories) {
  const checked = {};
  for (const [name, factory] of Object.entries(factories)) {
    checked[name] = (...args) => {
      try {
        return factory(...args);
      } catch (error) {
        if (isEdgeCacheError(error)) throw error;
        throw new EdgeCacheError("E_CONFIG", `${family}.${name}: reading its arguments threw (${describe(error)}); pass the platform's client and a plain options object`, { cause: error });
      }
    };
  }
  return Object.freeze(checked);
}
