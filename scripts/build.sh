#!/usr/bin/env bash
# Builds pkg/: one optimised .wasm, and one bundle per runtime entry (pkg/src/{node,deno,
# workerd,browser}.js → pkg/dist/) over one shared chunk (dist/core.js: the API and the
# wasm-bindgen glue), so an import loads two files instead of about 35 (Node's start-up).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# Without multivalue and reference-types (which rustc enables by default), wasm-bindgen
# returns through memory and keeps JavaScript values in a JavaScript-side table. Then every
# export has a signature V8 11 (Node 20) calls through its generic wrapper, instead of
# compiling one wrapper per signature along with the module (6 ms of Node 20's start-up;
# the .wasm is also 2.4 KiB smaller). A command-line array joins .cargo/config.toml's flags.
cargo build --release --target wasm32-unknown-unknown --lib \
  --config "target.wasm32-unknown-unknown.rustflags=['-C','target-feature=-multivalue,-reference-types']"
# The features left on. The prebuilt std still lists the two in the target_features
# section, which wasm-bindgen reads to choose multi-value returns and an externref table:
# that section goes before wasm-bindgen runs.
features="--enable-bulk-memory --enable-bulk-memory-opt --enable-nontrapping-float-to-int
  --enable-sign-ext --enable-mutable-globals"
node_modules/.bin/wasm-opt $features --enable-reference-types --enable-multivalue -g --strip-target-features \
  target/wasm32-unknown-unknown/release/edgecache.wasm -o target/wasm32-unknown-unknown/release/edgecache.bindgen.wasm
rm -rf pkg/dist
wasm-bindgen target/wasm32-unknown-unknown/release/edgecache.bindgen.wasm \
  --out-dir pkg/dist --out-name edgecache --target web --no-typescript
node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers $features \
  pkg/dist/edgecache_bg.wasm -o pkg/dist/edgecache_bg.wasm
# One chunk for all entries (testing.js, which the repository's tests import, re-exports the
# whole API so that it reaches the same modules); the .wasm import of the workerd entry and
# node: built-ins stay imports (the entries name the .wasm as the file beside the bundle).
node_modules/.bin/esbuild pkg/src/node.js pkg/src/deno.js pkg/src/workerd.js pkg/src/browser.js pkg/src/testing.js \
  --bundle --splitting --format=esm --platform=neutral --outdir=pkg/dist --chunk-names=core \
  --external:node:* --external:*.wasm --log-level=warning
# The npm package carries the README, the changelog and the licence texts (copies; the originals are at the root).
cp README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE pkg/
echo "built pkg/dist: $(wc -c < pkg/dist/edgecache_bg.wasm) bytes of wasm, $(gzip -9c pkg/dist/edgecache_bg.wasm | wc -c) gzipped"
