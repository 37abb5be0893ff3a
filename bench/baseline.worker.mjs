// The start-up baseline: the same worker without edgecache.
export default {
  async fetch() {
    const c = new Map();
    return new Response(String(c.get("k")));
  },
};
