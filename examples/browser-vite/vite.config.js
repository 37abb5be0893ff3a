// Only needed inside the edgecache repository: there node_modules/edgecache is a link to
// ../../pkg, outside this folder, and Vite's dev server serves no file outside the project
// unless allowed. A project that installs edgecache from npm needs no config at all (Vite
// emits the package's .wasm as an asset, in `vite` and in `vite build`).
import { defineConfig, searchForWorkspaceRoot } from "vite";

export default defineConfig({
  server: { fs: { allow: [searchForWorkspaceRoot(process.cwd()), "../../pkg"] } },
});
