// Internals the repository's tests reach. Built beside the runtime entries into dist/, it
// shares their one chunk, so these are the very instances the package uses (the wasm
// memory, the engine classes, EdgeCacheError). It re-exports the public API too, so all five
// entries reach the same modules and esbuild emits one shared chunk. Not part of the npm package.
export * from "./index.js";
export * as engine from "../dist/edgecache.js";
export { wasmBuffer } from "./ready.js";
export { WriteBehind } from "./edge/write_behind.js";
export { CallOrder } from "./edge/call_order.js";
export { Coordinator } from "./edge/coordinator.js";
export { DEFAULT_LIMITS, checkStore } from "./stores/check.js";
export { prometheusText } from "./monitoring/prometheus.js";
export { DOUBLES, dataPoint } from "./monitoring/analytics_engine.js";
export { crc16, hashSlot } from "./stores/redis_slot.js";
export { isConnectionFailure, retrying } from "./stores/redis_retry.js";
