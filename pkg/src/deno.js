// Deno entry. Built to dist/deno.js: reads the .wasm beside the bundle (needs --allow-read
// for it).
import { initSync } from "../dist/edgecache.js";
import { ready } from "./ready.js";

ready(initSync({ module: await Deno.readFile(new URL("./edgecache_bg.wasm", import.meta.url)) }));

export * from "./index.js";
