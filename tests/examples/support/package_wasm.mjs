// The .wasm the built package ships, wherever in pkg/ its build puts it, to compare with
// what a bundler emitted.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const PKG = fileURLToPath(new URL("../../../pkg/", import.meta.url));

/** The bytes of the one .wasm file in pkg/ (searched below it, node_modules aside). */
export function packageWasm() {
  const found = readdirSync(PKG, { recursive: true })
    .filter((f) => f.endsWith(".wasm") && !f.split("/").includes("node_modules"));
  if (found.length !== 1) throw new Error(`expected one .wasm in pkg/ (run scripts/build.sh), found ${found.length}: ${found.join(", ")}`);
  return readFileSync(join(PKG, found[0]));
}
