/**
 * `deno task bench:rest`: fetching a 50,000-student district from a fake
 * OneRoster 1.1 server (OAuth 1.0a, pages capped at 1,000) against reading
 * the same district's CSV export: requests, wall time and peak memory of
 * each read, measured in its own process under /usr/bin/time -v.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { generateDistrict } from "../lib/demo/generate.ts";
import { writeOneRosterCsv } from "../lib/sources/oneroster-csv/write.ts";
import { startFakeOneRoster } from "../tests/fakes/oneroster-server.ts";
import { timedRun } from "./timed.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { students: { type: "string", default: "50000" }, help: { type: "boolean", short: "h" } },
});
if (values.help) {
  console.log("Usage: deno task bench:rest [--students N]\n\nREST fetch vs CSV read of the same generated district.");
  Deno.exit(0);
}
const root = new URL("..", import.meta.url).pathname;
const csvDir = join(root, "bench-data", "rest-csv");
const district = generateDistrict({ customerId: "bench-rest", students: Number(values.students), seed: 50_001 });
await writeOneRosterCsv(csvDir, district.roster);
const fake = await startFakeOneRoster({
  roster: district.roster,
  version: "1.1",
  clientId: "bench-client",
  clientSecret: "bench-secret",
  auth: "oauth1",
  maxLimit: 1000,
});

async function timed(
  args: string[],
): Promise<{ seconds: number; rssMiB: number; out: { rows: number; requests: number } }> {
  const r = await timedRun(join(root, "bench/rest-client.ts"), args, {
    env: { BENCH_CLIENT_ID: "bench-client", BENCH_CLIENT_SECRET: "bench-secret" },
    stdout: true,
  });
  if (!r.success) throw new Error(r.stderr);
  return { seconds: r.ms / 1000, rssMiB: Math.round(r.rssKiB / 1024), out: JSON.parse(r.stdout) };
}

try {
  const rest = await timed(["--base", fake.baseUrl]);
  const csv = await timed(["--csv", csvDir]);
  console.log(JSON.stringify(
    {
      students: Number(values.students),
      rows: rest.out.rows,
      rest: { requests: rest.out.requests, seconds: +rest.seconds.toFixed(2), peakRssMiB: rest.rssMiB },
      csv: { seconds: +csv.seconds.toFixed(2), peakRssMiB: csv.rssMiB },
      restOverCsv: +(rest.seconds / csv.seconds).toFixed(2),
      sameRows: rest.out.rows === csv.out.rows,
    },
    null,
    2,
  ));
} finally {
  await fake.stop();
}
