import { setErrorClass } from "../dist/edgecache.js";
import { EdgeCacheError } from "./errors.js";

/** Finishes start-up once an entry file has instantiated the wasm module. */
export function ready() {
  setErrorClass(EdgeCacheError);
}
