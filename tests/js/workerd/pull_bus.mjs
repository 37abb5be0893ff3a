// A bus for Worker isolates built on the `bus` option as it is, to measure the design (a
// prototype for the multi-worker test, not part of the package): a Durable Object keeps
// the log of messages (one object for all isolates), and each isolate pulls what is new
// at most every `everyMs` of the cache's clock, inside a request of its own (awaited
// before that request uses the cache), so no request awaits I/O another request started.
// Between pulls the others' changes are not seen: the bound is `everyMs` instead of
// memoryTtl.

/** How many messages the log keeps (an isolate further behind misses some: see `since`). */
const KEPT = 1000;
const ORIGIN = "https://bus.edgecache.invalid";

/**
 * The log: `{ op: "publish", message }` appends (answers `{ seq }`); `{ op: "since", seq }`
 * answers `{ seq, messages }`, the messages after `seq` that it still keeps (`seq: null`
 * asks only for the current seq).
 */
export class EdgeCacheBusLog {
  #messages = [];
  #seq = 0;

  async fetch(request) {
    const body = await request.json();
    if (body.op === "publish") {
      this.#messages.push(body.message);
      if (this.#messages.length > KEPT) this.#messages.shift();
      return Response.json({ seq: ++this.#seq });
    }
    const first = this.#seq - this.#messages.length; // the seq before the oldest kept message
    const from = body.seq ?? this.#seq;
    return Response.json({ seq: this.#seq, messages: this.#messages.slice(Math.max(0, from - first)) });
  }
}

/**
 * A bus over the log `namespace.get(idFromName("log"))`, and its `pull(now)`: the caller
 * awaits it before a request uses the cache.
 * @param {DurableObjectNamespace} namespace bound to EdgeCacheBusLog
 * @param {number} everyMs the least time between two pulls (ms of `now`)
 */
export function pullBus(namespace, everyMs) {
  const call = async (body) => {
    const stub = namespace.get(namespace.idFromName("log"));
    const response = await stub.fetch(ORIGIN, { method: "POST", body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`bus log answered ${response.status}`);
    return response.json();
  };
  let deliver = null;
  let seq = null;
  let pulledAt = -Infinity;
  return {
    publish: (message) => call({ op: "publish", message }),
    subscribe(onMessage) {
      deliver = onMessage;
      return () => {
        deliver = null;
      };
    },
    /**
     * Applies what is new in the log if `everyMs` have passed since the last pull: whether
     * it pulled. A failed pull is skipped (the memoryTtl bound is back until one succeeds).
     */
    async pull(now) {
      if (now - pulledAt < everyMs) return false;
      pulledAt = now; // a request running meanwhile does not pull again (nor wait for this one)
      try {
        const answer = await call({ op: "since", seq });
        if (seq !== null) for (const message of answer.messages) deliver?.(message);
        seq = answer.seq;
        return true;
      } catch {
        return false;
      }
    },
  };
}
