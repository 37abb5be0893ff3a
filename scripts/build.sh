#!/usr/bin/env bash
# Builds pkg/: one optimised .wasm plus the wasm-bindgen glue every runtime entry shares.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

cargo build --release --target wasm32-unknown-unknown --lib
rm -rf pkg/dist
wasm-bindgen target/wasm32-unknown-unknown/release/edgecache.wasm \
  --out-dir pkg/dist --out-name edgecache --target web --no-typescript
# The features rustc enables by default for wasm32-unknown-unknown.
node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers \
  --enable-bulk-memory --enable-bulk-memory-opt --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
  pkg/dist/edgecache_bg.wasm -o pkg/dist/edgecache_bg.wasm
# The npm package carries the README and the licence texts (copies; the originals are at the root).
cp README.md LICENSE-MIT LICENSE-APACHE pkg/
echo "built pkg/dist: $(wc -c < pkg/dist/edgecache_bg.wasm) bytes of wasm, $(gzip -9c pkg/dist/edgecache_bg.wasm | wc -c) gzipped"
