// Single flight: concurrent callers of one operation on one key share its promise.

/** Joins the running operation for `key` in `flights`, or starts one with `start()`. */
export function flight(flights, key, start) {
  const running = flights.get(key);
  if (running !== undefined) return running;
  const started = start().finally(() => flights.delete(key));
  flights.set(key, started);
  return started;
}
