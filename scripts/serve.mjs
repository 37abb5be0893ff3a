// A small static server for the demo and the browser tests: www/ at "/", the package at
// "/pkg/", browser test pages at "/tests/", Chart.js's built files (the demo's plots, from
// node_modules: no CDN) at "/vendor/chart.js/". Usage: node scripts/serve.mjs [port]
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const MOUNTS = [
  ["/pkg/", "pkg/"],
  ["/tests/", "tests/js/"],
  ["/vendor/chart.js/", "node_modules/chart.js/dist/"],
  ["/", "www/"],
];
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
};

/**
 * Cross-origin isolation: without it browsers coarsen `performance.now()` to 100 µs, and
 * the demo's memory hits (a few µs) would all read 0. Everything served is same-origin.
 */
const ISOLATED = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
};

/** Maps a URL path to a file under ROOT, or null when it is outside every mount. */
function fileFor(urlPath) {
  const path = decodeURIComponent(urlPath.split("?")[0]);
  const [prefix, dir] = MOUNTS.find(([p]) => path.startsWith(p));
  const rel = normalize(path.slice(prefix.length) || "index.html");
  if (rel.startsWith("..") || rel.includes(`${sep}..`)) return null;
  return ROOT + dir + (rel.endsWith(sep) ? rel + "index.html" : rel);
}

/** Starts the server; resolves with it once listening on 127.0.0.1:`port` (0 = any). */
export function serve(port = 0) {
  const server = createServer(async (req, res) => {
    const file = fileFor(req.url ?? "/");
    try {
      if (file === null) throw new Error("outside");
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", ...ISOLATED });
      res.end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
    }
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await serve(Number(process.argv[2] ?? 8787));
  console.log(`edgecache demo: http://127.0.0.1:${server.address().port}/  (Ctrl-C to stop)`);
}
