/**
 * `deno task bench`: the foundation's speed and memory target, measured.
 *
 * Prepares a district (50,000 students by default; generated, exported and
 * loaded into a real PostgreSQL once, then reused: bench/district.ts), then
 * measures in the same run:
 *   floor     = parse every CSV file with csv-parse (no validation) + `COPY … TO STDOUT` of every table;
 *   diagnosis = `tools/diagnose.ts --format json` end to end, under /usr/bin/time -v (wall time, peak RSS).
 * Target: diagnosis ≤ 3 × floor and peak RSS under 1 GiB. Exits 1 when missed.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { lookupPerson } from "../lib/app/lookup.ts";
import { readOneRosterCsv } from "../lib/sources/oneroster-csv/read.ts";
import { checkRoster } from "../lib/diagnostics/roster-check.ts";
import { copyFloor, csvFloor } from "./floor.ts";
import { DIAGNOSE_V8_FLAGS, timedRun } from "./timed.ts";
import { prepareDistrict, serverUrl as defaultServer } from "./district.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    students: { type: "string", default: "50000" },
    "database-url": { type: "string" },
    runs: { type: "string", default: "2" },
    lookups: { type: "string", default: "20" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(`Usage: deno task bench [--students N] [--database-url URL] [--runs N]

Measures diagnose against a floor on a generated district in a real PostgreSQL
(default: TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres).
The district is generated, exported and loaded once (bench-data/districts/, and its own
database on that server), then reused by every later run and by bench:scale.`);
  Deno.exit(0);
}

const students = Number(values.students);
const serverUrl = defaultServer(values["database-url"]);
const root = new URL("..", import.meta.url).pathname;
// Only this benchmark's own outputs: the cached districts and reference reports beside them are kept.
const work = join(root, "bench-data", "bench");
const log = (s: string) => console.error(s);
const seconds = (ms: number) => (ms / 1000).toFixed(2);

// 1. The district: generated, exported and loaded once, then reused (not measured; see bench/district.ts).
const district = await prepareDistrict({ students, seed: 50_000, format: "1.1-demo" }, serverUrl, log);
const { customerId, exportDir, settingsDir, dbUrl } = district;
await Deno.mkdir(work, { recursive: true });

{
  const runs = Number(values.runs);
  const floors: number[] = [];
  const diagnoses: Array<{ wall: number; rssKiB: number }> = [];
  for (let i = 0; i < runs; i++) {
    const csv = await csvFloor(exportDir);
    const copy = await copyFloor(dbUrl);
    floors.push(csv + copy);
    log(
      `run ${i + 1}: floor ${seconds(csv + copy)} s (csv-parse ${seconds(csv)} s + COPY TO STDOUT ${seconds(copy)} s)`,
    );
    const d = await timedDiagnose(dbUrl);
    diagnoses.push(d);
    log(`run ${i + 1}: diagnose ${seconds(d.wall)} s, peak RSS ${(d.rssKiB / 1024).toFixed(0)} MiB`);
  }
  // Lookup latency: in-process calls for different students (median), and one whole CLI run.
  const lookupMs: number[] = [];
  const sample = (await readOneRosterCsv(exportDir, { only: ["users"] })).users.filter((u) => u.role === "student");
  const count = Number(values.lookups);
  for (let i = 0; i < count; i++) {
    const student = sample[Math.floor((i + 0.5) * sample.length / count)];
    const t1 = performance.now();
    await lookupPerson({
      customerId,
      settingsDir,
      query: { kind: "student", key: student.sourcedId },
      env: { STAGING_DATABASE_URL: dbUrl },
    });
    lookupMs.push(performance.now() - t1);
  }
  lookupMs.sort((a, b) => a - b);
  const t2 = performance.now();
  const cli = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      join(root, "tools/lookup.ts"),
      "--customer",
      customerId,
      "--settings-dir",
      settingsDir,
      "--student",
      sample[7].sourcedId,
    ],
    env: { STAGING_DATABASE_URL: dbUrl },
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!cli.success) throw new Error(new TextDecoder().decode(cli.stderr));
  const lookupCliMs = performance.now() - t2;
  log(
    `lookup: median ${seconds(lookupMs[Math.floor(lookupMs.length / 2)])} s over ${count} students, CLI ${
      seconds(lookupCliMs)
    } s`,
  );

  // roster-check throughput: rows read and checked per second (in process).
  const t3 = performance.now();
  const checked = await readOneRosterCsv(exportDir, { tolerateMissing: true });
  const checkFindings = checkRoster(checked);
  const checkSeconds = (performance.now() - t3) / 1000;
  const checkRows = checked.orgs.length + checked.users.length + checked.classes.length + checked.enrollments.length +
    checked.courses.length + checked.academicSessions.length;
  log(
    `roster-check: ${checkRows} rows in ${checkSeconds.toFixed(2)} s (${
      Math.round(checkRows / checkSeconds)
    } rows/s), ${checkFindings.length} findings`,
  );

  const floor = Math.min(...floors);
  const best = diagnoses.reduce((a, b) => (a.wall <= b.wall ? a : b));
  const peak = Math.max(...diagnoses.map((d) => d.rssKiB));
  const ratio = best.wall / floor;
  const ok = ratio <= 3 && peak < 1024 * 1024;
  console.log(JSON.stringify(
    {
      students,
      enrollments: district.enrollments,
      plantedFindings: district.planted,
      floorSeconds: +seconds(floor),
      diagnoseSeconds: +seconds(best.wall),
      ratio: +ratio.toFixed(2),
      peakRssMiB: Math.round(peak / 1024),
      lookupMedianSeconds: count ? +seconds(lookupMs[Math.floor(lookupMs.length / 2)]) : null,
      lookupCliSeconds: +seconds(lookupCliMs),
      rosterCheckRowsPerSecond: Math.round(checkRows / checkSeconds),
      target: "ratio <= 3, peak RSS < 1024 MiB",
      ok,
    },
    null,
    2,
  ));
  if (!ok) Deno.exitCode = 1;
}

/** Runs the real CLI under /usr/bin/time -v. */
async function timedDiagnose(url: string): Promise<{ wall: number; rssKiB: number }> {
  const out = join(work, "report.json");
  const r = await timedRun(
    join(root, "tools/diagnose.ts"),
    ["--customer", customerId, "--settings-dir", settingsDir, "--no-history", "--format", "json", "--out", out],
    { env: { STAGING_DATABASE_URL: url }, v8Flags: DIAGNOSE_V8_FLAGS },
  );
  if (!r.success) throw new Error(`diagnose failed:\n${r.stderr}`);
  const report = JSON.parse(await Deno.readTextFile(out));
  if (report.findings.length !== district.planted) {
    // Every planted finding, and nothing else, or the timing means nothing.
    throw new Error(`diagnose found ${report.findings.length} findings; ${district.planted} were planted`);
  }
  return { wall: r.ms, rssKiB: r.rssKiB };
}
