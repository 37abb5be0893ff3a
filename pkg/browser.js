// Browser entry: fetches the .wasm beside this file (served with the package).
import init from "./dist/edgecache.js";
import { ready } from "./src/ready.js";

ready(await init({ module_or_path: new URL("./dist/edgecache_bg.wasm", import.meta.url) }));

export * from "./src/index.js";
