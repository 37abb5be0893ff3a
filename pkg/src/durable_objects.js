// The one request edgecache's Durable Objects (EdgeCacheLease, EdgeCacheBus) answer: a POST of
// a JSON body to the object named `name`, answered with JSON.

/**
 * POSTs `body` (as JSON) to the object `namespace.idFromName(name)`; its JSON answer.
 * Rejects, naming `what` answered, when the object answers with an error status.
 * @param {DurableObjectNamespace} namespace
 * @param {string} name
 * @param {string} origin the URL the request is made to (the object ignores it)
 * @param {object} body
 * @param {string} what the object, for the error message (e.g. "lease object")
 */
export async function callObject(namespace, name, origin, body, what) {
  const response = await namespace.get(namespace.idFromName(name)).fetch(origin, { method: "POST", body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${what} answered ${response.status}: ${await response.text()}`);
  return response.json();
}
