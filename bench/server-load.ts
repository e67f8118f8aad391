/**
 * `deno task bench:server`: a bounded load test on loopback. The server runs
 * on the embedded demo; N requests (default 2,000) with C in flight (default
 * 20) hit /api/customers/demo-isd/diagnose. Reports p50, p99, max and errors.
 * Then a burst of B (default 40) concurrent `?fresh=1` diagnoses, each a new
 * run: how many were served or refused (503, the job cap) and the process's
 * peak RSS meanwhile (workers are threads of this process, so it counts them).
 */
import { parseArgs } from "node:util";
import { buildServer } from "../server/build.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    requests: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "20" },
    burst: { type: "string", default: "40" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log("Usage: deno task bench:server [--requests N] [--concurrency C] [--burst B]");
  Deno.exit(0);
}
const env = { ...Deno.env.toObject(), CDT_SERVER_TOKENS: "/nonexistent/tokens.json", CDT_SERVER_RATE_LIMIT: "1000000" };
const { app, close, demoToken } = await buildServer(env);
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
const url = `http://127.0.0.1:${server.addr.port}/api/customers/demo-isd/diagnose`;
const headers = { authorization: `Bearer ${demoToken}` };
const t0 = performance.now();
const warm = await fetch(url, { headers });
await warm.body?.cancel();
const firstMs = performance.now() - t0;

const total = Number(values.requests);
const latencies: number[] = [];
let errors = 0;
let next = 0;
const started = performance.now();
await Promise.all(Array.from({ length: Number(values.concurrency) }, async () => {
  while (next < total) {
    next++;
    const t = performance.now();
    try {
      const r = await fetch(url, { headers });
      await r.arrayBuffer();
      if (r.status !== 200) errors++;
    } catch {
      errors++;
    }
    latencies.push(performance.now() - t);
  }
}));
const wall = performance.now() - started;
latencies.sort((a, b) => a - b);

/** B concurrent fresh diagnoses; RSS sampled every 20 ms. */
async function burst(count: number) {
  const rssBefore = Deno.memoryUsage().rss;
  let peak = rssBefore;
  const sampler = setInterval(() => peak = Math.max(peak, Deno.memoryUsage().rss), 20);
  const t = performance.now();
  const statuses = await Promise.all(Array.from({ length: count }, async () => {
    const r = await fetch(`${url}?fresh=1`, { headers });
    await r.arrayBuffer();
    return r.status;
  }));
  clearInterval(sampler);
  const byStatus: Record<string, number> = {};
  for (const s of statuses) byStatus[s] = (byStatus[s] ?? 0) + 1;
  const mb = (n: number) => Math.round(n / 1024 / 1024);
  return {
    requests: count,
    statuses: byStatus,
    seconds: +((performance.now() - t) / 1000).toFixed(1),
    rssBeforeMb: mb(rssBefore),
    peakRssMb: mb(peak),
  };
}
const freshBurst = Number(values.burst) > 0 ? await burst(Number(values.burst)) : undefined;
const q = (p: number) => +latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(1);
console.log(JSON.stringify(
  {
    requests: total,
    concurrency: Number(values.concurrency),
    errors,
    firstRequestMs: Math.round(firstMs),
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    maxMs: +latencies.at(-1)!.toFixed(1),
    requestsPerSecond: Math.round(total / (wall / 1000)),
    freshBurst,
  },
  null,
  2,
));
await server.shutdown();
await close();
