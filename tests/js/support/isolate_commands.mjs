// The commands every isolate of the multi-isolate tests answers (Node processes and worker
// threads: isolate.mjs; Deno workers: deno_isolate.mjs), over the cache `cacheOf()` gives.
// Times (`at`) are wall-clock ms (performance.timeOrigin + performance.now(): comparable
// between the processes, threads and workers of one machine).

const stamp = () => performance.timeOrigin + performance.now();

/** The shared commands, over the isolate's current cache. */
export function cacheCommands(cacheOf) {
  /** Runs `change` on the cache and says when it began. */
  const timed = (change) => async (args) => {
    const at = stamp();
    await change(cacheOf(), args);
    return { at };
  };
  return {
    /**
     * Reads `key` (with `tag`) into memory, loading `value` on a miss, and waits for its
     * store write: one landing after another isolate's change would undo that change.
     */
    async prime({ key, tag, value }) {
      const read = await cacheOf().getOrSet(key, () => value, { tags: [tag] });
      await cacheOf().flush();
      return read;
    },
    /** Polls `get(key)` every millisecond until it is no longer `was`; when (ms), and what it read. */
    async watch({ key, was, limitMs }) {
      const until = stamp() + limitMs;
      for (;;) {
        const value = await cacheOf().get(key);
        if (value !== was) return { at: stamp(), value };
        if (stamp() > until) return { at: null, value };
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    },
    /** getOrSet(key) with a loader taking `loaderMs`; whether this isolate's loader ran, and the value. */
    async load({ key, loaderMs }) {
      let loaded = false;
      const value = await cacheOf().getOrSet(key, async () => {
        loaded = true;
        await new Promise((resolve) => setTimeout(resolve, loaderMs));
        return `loaded at ${stamp()}`;
      });
      return { loaded, value };
    },
    delete: timed((cache, { key }) => cache.delete(key)),
    set: timed((cache, { key, value }) => cache.set(key, value)),
    invalidate: timed((cache, { tag }) => cache.invalidateTags([tag])),
  };
}
