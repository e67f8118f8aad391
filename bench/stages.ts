/**
 * `deno run -A bench/stages.ts --students N`: where one diagnosis spends its
 * time and memory, stage by stage, in one process (the district comes from
 * bench/district.ts's cache). Run with `--cpu-prof` for a profile.
 */
import { parseArgs } from "node:util";
import { readOneRosterCsv } from "../lib/sources/oneroster-csv/read.ts";
import { readSnapshot } from "../lib/platform/read.ts";
import { openPlatform } from "../lib/app/open-platform.ts";
import { DEFAULT_TOOLS, DIAGNOSTICS, runDiagnostics } from "../lib/diagnostics/run.ts";
import { checkRoster } from "../lib/diagnostics/roster-check.ts";
import { prepareDistrict, serverUrl } from "./district.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { students: { type: "string", default: "200000" }, seed: { type: "string", default: "50000" } },
});
const d = await prepareDistrict(
  { students: Number(values.students), seed: Number(values.seed), format: "1.1-demo" },
  serverUrl(),
  console.error,
);
const gc = (globalThis as { gc?: () => void }).gc;
const mib = () => {
  gc?.();
  const m = Deno.memoryUsage();
  return `${Math.round(m.rss / 1048576)} MiB, heap ${Math.round(m.heapUsed / 1048576)}`;
};
let t = performance.now();
const lap = (what: string) => {
  const now = performance.now();
  console.error(`${what.padEnd(28)} ${((now - t) / 1000).toFixed(2)} s   rss ${mib()}`);
  t = now;
};
lap("start");
const roster = await readOneRosterCsv(d.exportDir);
lap("read export");
const conn = await openPlatform("staging", { env: { STAGING_DATABASE_URL: d.dbUrl } });
const platform = await readSnapshot(conn, d.customerId);
await conn.close();
lap("read platform");
for (const tool of DEFAULT_TOOLS) {
  DIAGNOSTICS[tool](roster, platform);
  lap(`tool ${tool}`);
}
const report = runDiagnostics({ customer: d.customerId, environment: "staging", roster, platform });
lap("runDiagnostics again (cached)");
JSON.stringify(report);
lap("json");
checkRoster(roster);
lap("roster-check");
