// A Worker importing one name, as most users do: a bundler must keep the package entry's
// start-up (instantiating the wasm) even though only MemoryCache is named.
import { MemoryCache } from "edgecache";

export default {
  async fetch() {
    const cache = new MemoryCache({ maxEntries: 2 });
    cache.set("k", "v");
    return new Response(cache.get("k"));
  },
};
