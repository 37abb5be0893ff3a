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
    /** Reads `key` (with `tag`) into memory, loading `value` on a miss. */
    prime: ({ key, tag, value }) => cacheOf().getOrSet(key, () => value, { tags: [tag] }),
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
    delete: timed((cache, { key }) => cache.delete(key)),
    set: timed((cache, { key, value }) => cache.set(key, value)),
    invalidate: timed((cache, { tag }) => cache.invalidateTags([tag])),
  };
}
