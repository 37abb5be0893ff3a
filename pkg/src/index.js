// The runtime-independent public API. Each entry file (node.js, workerd.js, deno.js,
// browser.js) instantiates the one .wasm its own way, then re-exports this.
export { MemoryCache } from "./memory.js";
export { EdgeCacheError } from "./errors.js";
export { MAX_KEY_LENGTH } from "./keys.js";
export { HashRing } from "./ring.js";
export { EdgeCache } from "./edge/cache.js";
export { latencyBounds, mergeStats } from "./edge/snapshots.js";
export { stores } from "./stores/index.js";
export { coordinators, EdgeCacheLease } from "./coordinators/index.js";
export { buses, EdgeCacheBus } from "./buses/index.js";
export { exporters } from "./monitoring/index.js";
