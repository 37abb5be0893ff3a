// Cloudflare Workers entry: workerd cannot compile wasm from bytes, so the module is
// imported (bundlers and wrangler turn a .wasm import into a WebAssembly.Module).
import wasmModule from "./dist/edgecache_bg.wasm";
import { initSync } from "./dist/edgecache.js";
import { ready } from "./src/ready.js";

ready(initSync({ module: wasmModule }));

export * from "./src/index.js";
