import { setErrorClass } from "../dist/edgecache.js";
import { EdgeCacheError } from "./errors.js";

let memory;

/**
 * Finishes start-up once an entry file has instantiated the wasm module: registers the
 * error class and keeps the module's memory for the views classes share with Rust.
 * @param {{ memory: WebAssembly.Memory }} exports what `init`/`initSync` returned
 */
export function ready(exports) {
  memory = exports.memory;
  setErrorClass(EdgeCacheError);
}

/** The wasm module's memory buffer now (it is replaced whenever memory grows). */
export function wasmBuffer() {
  return memory.buffer;
}
