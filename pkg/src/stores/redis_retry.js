// Riding out a Redis Cluster failover: a command that failed because its node went away is
// sent again, with a short backoff, within a window of time.
//
// When a primary dies, node-redis (v4–v6) fails the commands in flight to it with
// `SocketClosedUnexpectedlyError` or the socket's ECONNRESET/EPIPE, queues the ones sent
// after while its client for the node reconnects, and fails those with
// `DisconnectsClientError` when a topology refresh finds the replica promoted and drops the
// dead node (or with `TimeoutError` when that takes longer than its command timeout). It
// follows MOVED/ASK itself but retries nothing else. ioredis retries these cases itself
// (`retryDelayOnFailover`, `retryDelayOnClusterDown`), so its errors are matched only for a
// caller who asks for retries on top.
//
// Errors are told apart by class name (along the prototype chain: the adapter cannot import
// the clients' classes, and a subclass counts), by a system error's `code`, and for a
// server's reply by its error word. A minifier that renames classes (esbuild `--minify`
// without `--keep-names`) hides the class names: such errors are then not retried.
import { elapsedClock } from "../edge/timeout.js";

/** Client error classes of a connection that failed, as opposed to an answer. */
const CONNECTION_CLASSES = new Set([
  // node-redis
  "SocketClosedUnexpectedlyError", // the node's socket closed with commands in flight
  "DisconnectsClientError", // the cluster dropped the client of a node gone from the topology
  "ClientClosedError", // a node's client closed as the command was routed to it
  "ClientOfflineError", // the node's client is reconnecting and its offline queue is off
  "ConnectionTimeoutError", // connecting to the node took longer than `connectTimeout`
  "SocketTimeoutError", // the node stopped answering (`socketTimeout`): a host gone silent
  // Unanswered within `commandOptions.timeout` (node-redis 6: 5000 ms by default), e.g. still
  // queued for a node that died; also its *DuringMaintenanceError subclasses.
  "TimeoutError",
  "ReconnectStrategyError", // the node's `reconnectStrategy` gave up
  "RootNodesUnavailableError", // a topology refresh reached no node
  "MaxCommandRedirectionsError", // MOVED/ASK still changing after `maxCommandRedirections`
  // ioredis
  "ClusterAllFailedError", // a slot map refresh reached no node
]);

/** Classes of a server's error reply: node-redis `ErrorReply`, ioredis `ReplyError`. */
const REPLY_CLASSES = new Set(["ErrorReply", "ReplyError"]);

/**
 * Error replies that say the cluster is between two states, not that the command is wrong:
 * the slot has no serving primary yet, is being moved, or lives elsewhere (a redirection
 * the client did not follow). WRONGTYPE, OOM, NOAUTH, NOPERM ... are answers: never retried.
 */
const TRANSIENT_REPLIES = new Set(["CLUSTERDOWN", "TRYAGAIN", "MOVED", "ASK"]);

/** System error codes of a connection refused, reset, broken or unreachable. */
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH"]);

/** ioredis fails a command on a closed connection with a plain Error of this message (no class of its own). */
const IOREDIS_CLOSED = "Connection is closed.";

/** First pause before a retry (ms); doubled after each failed attempt up to MAX_PAUSE_MS. */
const FIRST_PAUSE_MS = 25;
const MAX_PAUSE_MS = 250;

/**
 * Whether `error` says the command did not reach a node that could answer it (so sending it
 * again may succeed), rather than being the server's answer to it.
 * @param {unknown} error
 */
export function isConnectionFailure(error) {
  try {
    if (!(error instanceof Error)) return false;
    const classes = classNames(error);
    if (classes.some((name) => CONNECTION_CLASSES.has(name))) return true;
    if (classes.some((name) => REPLY_CLASSES.has(name))) return TRANSIENT_REPLIES.has(error.message.split(" ", 1)[0]);
    if (typeof error.code === "string" && SOCKET_CODES.has(error.code)) return true;
    return classes.length === 0 && error.message === IOREDIS_CLOSED;
  } catch {
    return false; // a hostile Proxy or getter: not ours to retry
  }
}

/** The names of `error`'s classes from its own up to (not including) Error. */
function classNames(error) {
  const names = [];
  for (let p = Object.getPrototypeOf(error); p !== null && p !== Error.prototype; p = Object.getPrototypeOf(p)) {
    names.push(p.constructor?.name);
  }
  return names;
}

/**
 * `send()`'s result; when it rejects with an error `retryable` accepts and less than
 * `windowMs` has passed since the first attempt, `send()` again after a pause (25 ms,
 * doubling up to 250 ms, never past the window's end). Rejects with the last error
 * otherwise. The last attempt starts when the window ends: the promise settles at most one
 * attempt's time after `windowMs`.
 * @template T
 * @param {() => Promise<T>} send makes a new attempt (the command must be idempotent)
 * @param {number} windowMs how long attempts may go on starting (ms)
 * @param {(error: unknown) => boolean} retryable
 * @returns {Promise<T>}
 */
export async function retrying(send, windowMs, retryable) {
  const start = elapsedClock();
  let last = false;
  for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(2 * pause, MAX_PAUSE_MS)) {
    try {
      return await send();
    } catch (error) {
      const left = windowMs - (elapsedClock() - start);
      if (last || !(left > 0) || !retryable(error)) throw error;
      // The attempt after a pause that reaches the window's end is the last, even if a timer
      // fired a little early.
      last = left <= pause;
      // Not unref'd: a caller awaiting the command keeps the process alive until it settles.
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
    }
  }
}
