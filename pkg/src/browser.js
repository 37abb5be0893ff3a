// Browser entry (built to dist/browser.js): fetches the .wasm beside the bundle (served
// with the package; bundlers copy it when told to, see the README).
import init from "../dist/edgecache.js";
import { ready } from "./ready.js";

ready(await init({ module_or_path: new URL("../dist/edgecache_bg.wasm", import.meta.url) }));

export * from "./index.js";
