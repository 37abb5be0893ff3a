// Node entry. Built to dist/node.js, so "./edgecache_bg.wasm" is the file beside the
// bundle (and beside an application's bundle that inlines this one: copy the .wasm there).
// Reads it synchronously, so importing is enough, and `require` of the package works in
// Node 20.19+ and 22.12+, which load ES modules without top-level await.
import { readFileSync } from "node:fs";
import { initSync } from "../dist/edgecache.js";
import { ready } from "./ready.js";

ready(initSync({ module: readFileSync(new URL("./edgecache_bg.wasm", import.meta.url)) }));

export * from "./index.js";
