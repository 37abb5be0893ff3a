// The live plots, drawn by Chart.js 4 (its UMD build, loaded by index.html as `Chart`).
// x is simulated seconds since the page opened; nothing animates (the data moves enough).

const COLORS = {
  memory: "#1a9e5a", store: "#2f6fde", loader: "#e07b00", "stale-if-error": "#8e44ad", error: "#c62828",
  overall: "#1d2330", without: "#9aa3b5",
};
/** Points kept per series. */
const KEEP = { latency: 1500, series: 240 };

function base(yTitle, y) {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    parsing: false,
    normalized: true,
    plugins: { legend: { labels: { boxWidth: 12 } } },
    scales: {
      x: { type: "linear", title: { display: true, text: "simulated time (s)" }, ticks: { maxTicksLimit: 8 } },
      y: { title: { display: true, text: yTitle }, ...y },
    },
  };
}

function line(label, color, extra = {}) {
  return { label, data: [], borderColor: color, backgroundColor: color, pointRadius: 0, borderWidth: 2, ...extra };
}

/** The four plots; `add*` push data, `draw()` redraws what changed. */
export class Plots {
  #charts;
  #dirty = new Set();

  /** @param {Record<"latency"|"hitRate"|"db"|"queue", HTMLCanvasElement>} canvases */
  constructor(canvases) {
    const Chart = globalThis.Chart;
    this.#charts = {
      latency: new Chart(canvases.latency, {
        type: "scatter",
        data: {
          datasets: ["memory", "store", "loader", "stale-if-error", "error"].map((tier) =>
            ({ label: tier, data: [], borderColor: COLORS[tier], backgroundColor: COLORS[tier], pointRadius: 2 })),
        },
        options: base("latency per request (ms, log)", {
          type: "logarithmic", min: 0.001, max: 100_000,
          ticks: { callback: (v) => (Number.isInteger(Math.log10(v)) ? (v >= 1 ? v.toLocaleString("en") : String(v)) : "") },
        }),
      }),
      hitRate: new Chart(canvases.hitRate, {
        type: "line",
        data: { datasets: [line("overall", COLORS.overall), line("memory", COLORS.memory), line("store", COLORS.store)] },
        options: base("hit rate over the window (%)", { min: 0, max: 100 }),
      }),
      db: new Chart(canvases.db, {
        type: "line",
        data: {
          datasets: [line("with edgecache", COLORS.loader, { fill: true, backgroundColor: "#e07b0033" }),
            line("without a cache (6 per request)", COLORS.without, { borderDash: [6, 4] })],
        },
        options: base("database calls per second", { min: 0 }),
      }),
      queue: new Chart(canvases.queue, {
        type: "line",
        data: { datasets: [line("write-behind queue depth", COLORS.store, { fill: true, backgroundColor: "#2f6fde33", stepped: true })] },
        options: base("keys waiting", { min: 0, suggestedMax: 10 }),
      }),
    };
  }

  /** One request: its tier's latency (ms, at least 0.001 for the log scale) at time `x` (s). */
  addLatency(tier, x, ms) {
    const data = this.#charts.latency.data.datasets.find((d) => d.label === tier).data;
    data.push({ x, y: Math.max(ms, 0.001) });
    if (data.length > KEEP.latency) data.splice(0, data.length - KEEP.latency);
    this.#dirty.add("latency");
  }

  /** One sample of the window's hit rates (0..1, null when the window has no reads). */
  addHitRates(x, { overall, memory, store }) {
    this.#push("hitRate", x, [overall, memory, store].map((r) => (r === null ? null : r * 100)));
  }

  /** Database calls per second, with edgecache and as they would be without a cache. */
  addDbRate(x, withCache, withoutCache) {
    this.#push("db", x, [withCache, withoutCache]);
  }

  /** The write-behind queue's depth (null when write-through). */
  addQueueDepth(x, depth) {
    this.#push("queue", x, [depth]);
  }

  #push(name, x, ys) {
    this.#charts[name].data.datasets.forEach((d, i) => {
      d.data.push({ x, y: ys[i] });
      if (d.data.length > KEEP.series) d.data.splice(0, d.data.length - KEEP.series);
    });
    this.#dirty.add(name);
  }

  /** Breaks the time plots' lines at `x` (the clock jumped ahead). */
  gap(x) {
    for (const name of ["hitRate", "db", "queue"]) this.#push(name, x, [null, null, null]);
  }

  /** Redraws the plots that changed since the last call. */
  draw() {
    for (const name of this.#dirty) this.#charts[name].update("none");
    this.#dirty.clear();
  }
}
