// The origin the multi-worker test's loaders call (over a service binding): one worker,
// so one isolate, whose module-level counts are the loader calls of every cache worker.
// `?cmd=load&key=K` counts a call for K, takes `LOAD_MS` (a slow query) and answers
// `{ n }`, the call's number; `?cmd=calls&key=K` answers how many calls K has had.
const calls = new Map();

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const key = url.searchParams.get("key");
    if (url.searchParams.get("cmd") === "calls") return Response.json(calls.get(key) ?? 0);
    const n = (calls.get(key) ?? 0) + 1;
    calls.set(key, n);
    await new Promise((resolve) => setTimeout(resolve, env.LOAD_MS));
    return Response.json({ n });
  },
};
