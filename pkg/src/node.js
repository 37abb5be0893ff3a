// Node entry (built to dist/node.js, where "../dist/" names the same folder): reads the
// .wasm beside the bundle synchronously, so importing is enough (and `require` of it works
// in Node 22+, which loads ES modules without top-level await).
import { readFileSync } from "node:fs";
import { initSync } from "../dist/edgecache.js";
import { ready } from "./ready.js";

ready(initSync({ module: readFileSync(new URL("../dist/edgecache_bg.wasm", import.meta.url)) }));

export * from "./index.js";
