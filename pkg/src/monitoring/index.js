// Exporters: a cache's stats() for other monitoring systems (EdgeCache.metrics() is the
// Prometheus one).
import { analyticsEngine } from "./analytics_engine.js";
import { openTelemetry } from "./open_telemetry.js";

/** `openTelemetry(cache, meter)` and `analyticsEngine(cache, options?)`: see README "Metrics". */
export const exporters = Object.freeze({ openTelemetry, analyticsEngine });
