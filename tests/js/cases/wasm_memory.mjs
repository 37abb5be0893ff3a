// The size of the package's wasm memory, read through dist/testing.js: every runner resolves
// the package to pkg/ (Node and esbuild follow the workspace link, Deno maps it, the browser
// page serves it at /pkg/), and testing.js shares the runtime entries' one chunk, so this is
// the instance the package uses.
import { wasmBuffer } from "../../../pkg/dist/testing.js";

/** Bytes of wasm memory now (it only ever grows). */
export function wasmMemoryBytes() {
  return wasmBuffer().byteLength;
}
