#!/usr/bin/env bash
# Installs whatever the build, tests, demo and benchmarks need, and skips what is there:
# Debian packages (promtool, which checks the metrics' text, comes with prometheus; redis-cli,
# which joins the Redis Cluster tests' nodes, with redis-tools), the
# wasm target, rustfmt and clippy, the toolchain of the crate's rust-version, the
# wasm-bindgen CLI of the locked version, wasm-pack, and the npm packages (runtimes, peers,
# tools) of package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for pair in chromium:chromium chromedriver:chromium-driver redis-server:redis-server redis-cli:redis-tools promtool:prometheus; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy; do
  rustup component list --installed | grep -q "^$component" || rustup component add "$component"
done

# The oldest Rust the crate promises to build with (Cargo.toml rust-version), for the MSRV gate.
msrv=$(awk -F'"' '/^rust-version/ { print $2 }' Cargo.toml)
if ! rustup toolchain list | grep -q "^$msrv-"; then
  echo "setup: installing Rust $msrv (the crate's rust-version) for the MSRV check"
  rustup toolchain install "$msrv" --profile minimal
fi

locked=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/"/, "", $3); print $3 }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)
if [ "$have" != "$locked" ]; then
  echo "setup: installing wasm-bindgen-cli $locked (found '${have:-none}'; takes a few minutes)"
  cargo install wasm-bindgen-cli --version "=$locked"
fi

if ! command -v wasm-pack >/dev/null 2>&1; then
  echo "setup: installing wasm-pack (takes a few minutes)"
  cargo install wasm-pack --locked
fi

stamp=node_modules/.edgecache-installed-lock
if ! cmp -s package-lock.json "$stamp" 2>/dev/null; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund
  cp package-lock.json "$stamp"
fi
