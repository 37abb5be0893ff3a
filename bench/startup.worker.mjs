// First request: import edgecache, make a MemoryCache, get.
import { MemoryCache } from "edgecache";

export default {
  async fetch() {
    const c = new MemoryCache({ maxEntries: 10 });
    return new Response(String(c.get("k")));
  },
};
