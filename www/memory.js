// The memory-tier playground: drives a MemoryCache from the package and shows its state live.
import { EdgeCacheError, MemoryCache } from "edgecache";

const $ = (id) => document.getElementById(id);
const clock = { t: 0 };
const seen = new Set();
let cache;

function log(text, cls = "") {
  const line = document.createElement("div");
  line.textContent = `[${clock.t} ms] ${text}`;
  if (cls) line.className = cls;
  $("log").prepend(line);
}

function create() {
  try {
    cache = new MemoryCache({
      maxEntries: Number($("maxEntries").value),
      ttl: Number($("ttl").value),
      policy: $("policy").value,
      now: () => clock.t,
    });
    seen.clear();
    log(`new MemoryCache(maxEntries ${$("maxEntries").value}, ttl ${$("ttl").value}, ${$("policy").value})`);
  } catch (e) {
    report(e);
  }
  render();
}

function report(e) {
  const what = e instanceof EdgeCacheError ? `${e.name} ${e.code}: ${e.message}` : String(e);
  log(what, "error");
}

function act(fn) {
  return () => {
    try {
      fn();
    } catch (e) {
      report(e);
    }
    render();
  };
}

function parseValue(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function render() {
  $("clock").textContent = clock.t;
  const rows = [...seen].map((key) => {
    const value = cache.peek(key);
    const cls = value === undefined ? ' class="gone"' : "";
    const shown = value === undefined ? "evicted / expired / deleted" : JSON.stringify(value);
    return `<tr${cls} data-key="${escape(key)}"><td>${escape(key)}</td><td>${escape(shown)}</td></tr>`;
  });
  $("entries").innerHTML = rows.join("");
  const s = cache.stats();
  const shown = {
    size: s.size, hits: s.hits, misses: s.misses, hitRate: s.hitRate.toFixed(3), sets: s.sets,
    evictions: s.evictions, expirations: s.expirations, deletes: s.deletes,
  };
  $("stats").innerHTML = Object.entries(shown)
    .map(([k, v]) => `<tr><th>${k}</th><td id="stat-${k}">${v}</td></tr>`)
    .join("");
}

function escape(s) {
  return String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

$("create").onclick = create;
$("set").onclick = act(() => {
  const key = $("key").value;
  cache.set(key, parseValue($("value").value));
  seen.add(key);
  log(`set ${key}`);
});
$("get").onclick = act(() => {
  const key = $("key").value;
  const v = cache.get(key);
  log(`get ${key} → ${v === undefined ? "miss" : "hit " + JSON.stringify(v)}`);
});
$("delete").onclick = act(() => log(`delete ${$("key").value} → ${cache.delete($("key").value)}`));
$("clear").onclick = act(() => {
  cache.clear();
  log("clear");
});
$("fill").onclick = act(() => {
  for (let i = 0; i < 10; i++) {
    cache.set(`item:${i}`, { i });
    seen.add(`item:${i}`);
  }
  log("set item:0 … item:9");
});
$("advance").onclick = act(() => {
  clock.t += 1000;
});

create();
window.edgecacheDemoReady = true;
