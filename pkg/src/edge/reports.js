// What only the package sees (store latency, loads, failures, writes) is reported to the
// engine through a buffer in wasm memory that the engine applies in bulk, so a report costs
// no crossing (EdgeEngine.reportsPtr). Each report carries its time on the cache's clock, so
// the engine counts it in the right slice of its sliding window however late it is applied.
// The engine counts what its plans decide itself.
import { wasmBuffer } from "../ready.js";

/** The report buffer of one EdgeEngine. */
export class Reports {
  #engine;
  #now;
  /** The engine's buffer: triples of a Report, its value and its time; empty once disposed. */
  #view;
  /** Reports written and not yet applied. */
  #pending = 0;
  #disposed = false;

  /**
   * @param {*} engine the EdgeEngine whose buffer this is
   * @param {() => number} now the cache's clock
   */
  constructor(engine, now) {
    this.#engine = engine;
    this.#now = now;
    this.#relayout();
  }

  /** Counts one `report` (a `Report` member naming an event). */
  count(report) {
    this.add(report, 0);
  }

  /**
   * Reports `report` with `value` (a latency in ms for the `*Latency` members) that
   * happened at `at` on the cache's clock (read from it when not given).
   */
  add(report, value, at = this.#now()) {
    // A view is detached (length 0) when wasm memory grows; the reports in it are kept.
    if (this.#view.length === 0) {
      if (this.#disposed) return; // the buffer is freed: a late task's report is dropped
      this.#relayout();
    }
    const i = 3 * this.#pending++;
    this.#view[i] = report;
    this.#view[i + 1] = value;
    this.#view[i + 2] = at;
    if (i + 3 === this.#view.length) this.#engine.applyReports(this.take());
  }

  /** Hands the pending reports over: how many there are (for `stats`). */
  take() {
    const n = this.#pending;
    this.#pending = 0;
    return n;
  }

  /** The engine is about to be freed: later reports are dropped. */
  dispose() {
    this.#disposed = true;
    this.#view = new Float64Array(0);
  }

  #relayout() {
    this.#view = new Float64Array(wasmBuffer(), this.#engine.reportsPtr(), this.#engine.reportsLen());
  }
}
