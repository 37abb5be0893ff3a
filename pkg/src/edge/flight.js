// Single flight: concurrent callers of one operation on one key share its promise.

/**
 * Joins the running operation for `key` in `flights`, or starts one with `start()`. A
 * caller may drop the entry early (a `set` supersedes a read); a later operation of the
 * key is then not removed when the dropped one ends.
 */
export function flight(flights, key, start) {
  const running = flights.get(key);
  if (running !== undefined) return running;
  const started = start().finally(() => {
    if (flights.get(key) === started) flights.delete(key);
  });
  flights.set(key, started);
  return started;
}
