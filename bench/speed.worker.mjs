// A Worker running one memory-tier workload per request (timed from outside).
import { workloadsFor } from "./workloads.mjs";

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const { contenders, workloads } = workloadsFor();
    if (url.pathname === "/names") return Response.json(Object.keys(workloads));
    const who = url.searchParams.get("who");
    const loop = workloads[url.searchParams.get("workload")](contenders[who]());
    loop(Number(url.searchParams.get("ops")));
    return new Response("done");
  },
};
