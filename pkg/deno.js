// Deno entry: reads the .wasm beside this file (needs --allow-read for it).
import { initSync } from "./dist/edgecache.js";
import { ready } from "./src/ready.js";

ready(initSync({ module: await Deno.readFile(new URL("./dist/edgecache_bg.wasm", import.meta.url)) }));

export * from "./src/index.js";
