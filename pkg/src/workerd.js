// Cloudflare Workers entry. Built to dist/workerd.js, beside the .wasm. workerd cannot
// compile wasm from bytes, so the module is imported: wrangler, and esbuild with
// `--loader:.wasm=copy`, keep the import for workerd to compile at upload.
import wasmModule from "./edgecache_bg.wasm";
import { initSync } from "../dist/edgecache.js";
import { ready } from "./ready.js";

ready(initSync({ module: wasmModule }));

export * from "./index.js";
