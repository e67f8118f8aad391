/**
 * `deno task bench:fleet`: jobs per minute per worker on the demo district.
 * Makes a state database on the local PostgreSQL (or the server of
 * CDT_STATE_DATABASE_URL / TEST_DATABASE_URL), queues JOBS demo-isd jobs
 * (one per night, so that none dedupes), runs one worker with
 * --concurrency CONCURRENCY until idle, and prints the rate. Drops the database.
 *
 *   deno task bench:fleet [JOBS=8] [CONCURRENCY=1]
 */
import postgres from "postgres";
import { fleetSettings } from "../lib/fleet/config.ts";
import { enqueue, openFleet } from "../lib/fleet/queue.ts";
import { fleetStatus } from "../lib/fleet/status.ts";

const jobs = Number(Deno.args[0] ?? 8);
const concurrency = Number(Deno.args[1] ?? 1);
const server = Deno.env.get("CDT_STATE_DATABASE_URL") ?? Deno.env.get("TEST_DATABASE_URL") ??
  "postgres://postgres@127.0.0.1:5432/postgres";
const name = `cdt_bench_fleet_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
const admin = postgres(server, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${name}`);
const u = new URL(server);
u.pathname = `/${name}`;
const url = u.toString();
try {
  const env = { ...Deno.env.toObject(), CDT_STATE_DATABASE_URL: url, CDT_FLEET_SUPERVISE_SECONDS: "5" };
  const fleet = await openFleet(fleetSettings(env));
  const nights = Array.from({ length: jobs }, (_, i) => new Date(Date.UTC(2026, 10, 1 + i)).toISOString().slice(0, 10));
  for (const night of nights) await enqueue(fleet, ["demo-isd"], { night });
  const started = performance.now();
  const worker = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "tools/worker.ts", "--exit-when-idle", "--concurrency", String(concurrency)],
    env,
    stdout: "null",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - started) / 1000;
  const rows = await fleetStatus(fleet);
  await fleet.stop({ graceful: false });
  const log = new TextDecoder().decode(worker.stderr);
  const times = [...log.matchAll(/done in ([\d.]+) s/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
  console.log(`worker exit ${worker.code}; ${times.length}/${jobs} jobs done; latest night: ${rows[0]?.state}`);
  console.log(
    `${jobs} demo jobs, concurrency ${concurrency}: ${seconds.toFixed(1)} s wall (idle check included), ` +
      `${(jobs / seconds * 60).toFixed(1)} jobs/min; per job median ${times[Math.floor(times.length / 2)]} s, ` +
      `min ${times[0]} s, max ${times.at(-1)} s`,
  );
} finally {
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
}
