// Browser entry. Built to dist/browser.js: fetches the .wasm beside the bundle (served with
// the package; an application bundled by esbuild serves it beside its own bundle, see the
// README; Vite and webpack follow the `new URL(..., import.meta.url)` themselves).
import init from "../dist/edgecache.js";
import { ready } from "./ready.js";

ready(await init({ module_or_path: new URL("./edgecache_bg.wasm", import.meta.url) }));

export * from "./index.js";
