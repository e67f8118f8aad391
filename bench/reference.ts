/**
 * `deno task bench:reference`: the findings of today's code, kept as
 * reference reports, and a check that the current code gives them byte for
 * byte. Districts of several sizes, seeds and OneRoster versions with planted
 * problems (bench/district.ts) are diagnosed end to end (export read, the
 * platform read from a real PostgreSQL, every tool) and roster-checked, with
 * `now` fixed; so are the test fixtures.
 *
 *   deno task bench:reference --record   # save the reports (before changing the data path)
 *   deno task bench:reference            # compare: exits 1 on the first report that differs
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { diagnoseCustomer } from "../lib/app/diagnose.ts";
import type { Report } from "../lib/model/findings.ts";
import { type DistrictSpec, prepareDistrict, serverUrl } from "./district.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    record: { type: "boolean", default: false },
    "database-url": { type: "string" },
    max: { type: "string", default: "50000" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(`Usage: deno task bench:reference [--record] [--max STUDENTS] [--database-url URL]

Without --record, re-runs every reference case and compares the reports with
those saved in bench-data/reference/ byte for byte.`);
  Deno.exit(0);
}

const ROOT = new URL("..", import.meta.url).pathname;
const REF_DIR = join(ROOT, "bench-data", "reference");
const NOW = new Date("2026-11-26T10:00:00Z");
const CASES: DistrictSpec[] = [
  { students: 500, seed: 1, format: "1.1-demo" },
  { students: 500, seed: 2, format: "1.2" },
  { students: 5_000, seed: 3, format: "1.1" },
  { students: 5_000, seed: 4, format: "1.2" },
  { students: 50_000, seed: 50_000, format: "1.1-demo" },
  // The benchmark's 200k district (bench/scale.ts): only with --max 200000.
  { students: 200_000, seed: 50_000, format: "1.1-demo" },
];
const FIXTURES = ["tests/fixtures/oneroster-1.1-dirty", "tests/fixtures/oneroster-1.2", "demo-data/demo-isd/oneroster"];

const log = (s: string) => console.error(s);
const server = serverUrl(values["database-url"]);
await Deno.mkdir(REF_DIR, { recursive: true });
let failed = 0;
let compared = 0;

/** Saves or compares one report. */
async function settle(name: string, report: Report): Promise<void> {
  const text = JSON.stringify(report, null, 1) + "\n";
  const file = join(REF_DIR, `${name}.json`);
  if (values.record) {
    await Deno.writeTextFile(file, text);
    log(`recorded ${name}: ${report.findings.length} findings, ${report.warnings.length} warnings`);
    return;
  }
  const saved = await Deno.readTextFile(file).catch(() => undefined);
  if (saved === undefined) {
    log(`MISSING ${name}: no reference saved (run with --record on the reference code)`);
    failed++;
    return;
  }
  compared++;
  if (saved === text) {
    log(`identical ${name}: ${report.findings.length} findings, ${report.warnings.length} warnings`);
    return;
  }
  failed++;
  const a = saved.split("\n");
  const b = text.split("\n");
  const at = a.findIndex((line, i) => line !== b[i]);
  log(`DIFFERENT ${name} at line ${at + 1}:\n  reference: ${a[at]}\n  now:       ${b[at]}`);
}

for (const spec of CASES.filter((c) => c.students <= Number(values.max))) {
  const d = await prepareDistrict(spec, server, log);
  const env = { STAGING_DATABASE_URL: d.dbUrl };
  const { report } = await diagnoseCustomer({
    customerId: d.customerId,
    settingsDir: d.settingsDir,
    env,
    auditor: null,
    now: NOW,
  });
  await settle(`${d.key}-diagnose`, report);
  await rosterCheck(`${d.key}-roster-check`, d.settingsDir, d.exportDir);
}
for (const fixture of FIXTURES) {
  // The location names the path, which is the same on every run of this checkout.
  const key = `fixture-${fixture.split("/").at(-1)!.replace(/\W/g, "_")}-roster-check`;
  await rosterCheck(key, join(ROOT, "customer-integration-settings"), join(ROOT, fixture));
}

/** roster-check with the enrollments kept, then (checking only) streamed as the CLI reads them: one report. */
async function rosterCheck(key: string, settingsDir: string, sourcePath: string): Promise<void> {
  for (const streamEnrollments of values.record ? [false] : [false, true]) {
    const { report } = await diagnoseCustomer({
      settingsDir,
      sourcePath,
      tools: ["roster-check"],
      auditor: null,
      now: NOW,
      streamEnrollments,
    });
    await settle(key, report);
  }
}
if (!values.record) {
  console.log(
    failed
      ? `reference check: ${failed} report(s) differ or are missing`
      : `reference check: ${compared} reports identical`,
  );
  if (failed) Deno.exitCode = 1;
}
