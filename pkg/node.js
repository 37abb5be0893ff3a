// Node entry: reads the .wasm beside this file synchronously, so importing is enough.
import { readFileSync } from "node:fs";
import { initSync } from "./dist/edgecache.js";
import { ready } from "./src/ready.js";

ready(initSync({ module: readFileSync(new URL("./dist/edgecache_bg.wasm", import.meta.url)) }));

export * from "./src/index.js";
