// The page's cache: its memory, then Cache Storage (outlives the page and is shared by the
// origin's tabs), then a slow fetch.
import { EdgeCache, stores } from "edgecache";

const cache = new EdgeCache({
  store: stores.cacheApi(await caches.open("edgecache-example")),
  namespace: "products",
  ttl: 300_000,
});
let loads = 0; // slow fetches made by this page

/** The origin: stands for a slow fetch of an API. */
async function fetchProduct(id) {
  loads++;
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { id, name: `Product ${id}`, price: 10 + id };
}

const $ = (id) => document.getElementById(id);

function show(last) {
  const { memory, store } = cache.stats();
  $("memory-hits").textContent = memory.hits;
  $("store-hits").textContent = store.hits;
  $("loads").textContent = loads;
  $("last").textContent = last;
}

$("read").addEventListener("click", async () => {
  const started = performance.now();
  const product = await cache.getOrSet(["product", 1], () => fetchProduct(1), { tags: ["product:1"] });
  const ms = performance.now() - started;
  await cache.flush(); // a load's Cache Storage write runs in the background: let it land before a reload
  show(`${product.name}, ${product.price} € in ${ms.toFixed(1)} ms`);
});
$("invalidate").addEventListener("click", async () => {
  await cache.invalidateTags(["product:1"]);
  show("product:1 invalidated");
});
for (const button of document.querySelectorAll("button")) button.disabled = false;
