/**
 * `deno task bench:scale`: the cost curve of a full diagnosis from 10,000 to
 * 1,000,000 students, against the floor measured in the same run.
 *
 * For each size, a generated district with planted problems (bench/district.ts,
 * cached under bench-data/districts/ with its platform database) is measured:
 *   floor         csv-parse of the export + COPY of the platform tables (bench/floor.ts)
 *   diagnose      `tools/diagnose.ts --format json` in its own process under /usr/bin/time -v
 *   roster-check  `tools/diagnose.ts --tool roster-check --source …` likewise
 * Every diagnosis must report exactly the planted findings, and where a
 * reference report exists (bench/reference.ts) exactly its findings. Prints
 * a Markdown table (wall seconds, ratio to the floor, peak RSS, cost per
 * student) and the figures as JSON; the targets are reported, never asserted.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { copyFloor, csvFloor } from "./floor.ts";
import { DIAGNOSE_V8_FLAGS, timedRun } from "./timed.ts";
import { type PreparedDistrict, prepareDistrict, serverUrl } from "./district.ts";
import { scaleChart } from "./scale-chart.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    sizes: { type: "string", default: "10000,50000,200000" },
    seed: { type: "string", default: "50000" },
    "database-url": { type: "string" },
    "no-roster-check": { type: "boolean", default: false },
    before: { type: "string" },
    chart: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(`Usage: deno task bench:scale [--sizes 10000,50000,200000,1000000] [--seed N] [--database-url URL]
                            [--before DIR] [--chart FILE.svg]

Measures diagnose and roster-check against the floor at each size. With
--before DIR (another checkout, e.g. \`git archive HEAD | tar -x -C DIR\`), the
same diagnosis by that code is measured in the same run too. Districts
are generated once and kept in bench-data/districts/ and in databases
cdt_bench_s<N>_… on the server (default TEST_DATABASE_URL, else the local one).
With --chart, the curve is drawn as an SVG (docs/scale.svg is one).`);
  Deno.exit(0);
}

const ROOT = new URL("..", import.meta.url).pathname;
const log = (s: string) => console.error(s);
const sec = (ms: number) => +(ms / 1000).toFixed(2);

interface Timed {
  wall: number;
  rssMiB: number;
  stderr: string;
}

/** One command in its own process under /usr/bin/time -v: wall seconds and peak RSS. */
async function timed(args: string[], env: Record<string, string>, root = ROOT): Promise<Timed> {
  const r = await timedRun(join(root, "tools/diagnose.ts"), args, { env, v8Flags: DIAGNOSE_V8_FLAGS });
  // diagnose exits 1 only with --fail-on; anything else is a failure of the run.
  if (!r.success) throw new Error(`diagnose ${args.join(" ")} failed:\n${r.stderr.slice(-4000)}`);
  return { wall: sec(r.ms), rssMiB: Math.round(r.rssKiB / 1024), stderr: r.stderr };
}

async function csvRows(dir: string): Promise<number> {
  let n = 0;
  for await (const e of Deno.readDir(dir)) {
    if (e.name === "manifest.csv") continue;
    const f = await Deno.open(join(dir, e.name));
    for await (const chunk of f.readable) for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
    n--; // the header
  }
  return n;
}

async function measure(d: PreparedDistrict, students: number) {
  const work = join(ROOT, "bench-data", "scale");
  await Deno.mkdir(work, { recursive: true });
  const env = {
    STAGING_DATABASE_URL: d.dbUrl,
    CDT_AUDIT_LOG: join(work, "audit.jsonl"),
    CDT_APP_LOG: join(work, "app.log"),
  };
  const rows = await csvRows(d.exportDir);
  const csv = await csvFloor(d.exportDir);
  const copy = await copyFloor(d.dbUrl);
  const floor = sec(csv + copy);
  log(`${students}: floor ${floor} s (csv-parse ${sec(csv)} s + COPY ${sec(copy)} s)`);
  const out = join(work, `diagnose-${d.key}.json`);
  const args = (file: string) => [
    "--customer",
    d.customerId,
    "--settings-dir",
    d.settingsDir,
    "--no-workspace",
    "--no-history",
    "--format",
    "json",
    "--out",
    file,
  ];
  let before: Timed | undefined;
  let beforeFindings: string | undefined;
  if (values.before) {
    const file = join(work, `before-${d.key}.json`);
    before = await timed(args(file), env, values.before);
    const old = JSON.parse(await Deno.readTextFile(file));
    beforeFindings = JSON.stringify([old.findings, old.warnings]);
    log(`${students}: before ${before.wall} s (${(before.wall / floor).toFixed(2)}x), peak ${before.rssMiB} MiB`);
  }
  const diagnose = await timed(args(out), env);
  const report = JSON.parse(await Deno.readTextFile(out));
  if (beforeFindings !== undefined && beforeFindings !== JSON.stringify([report.findings, report.warnings])) {
    throw new Error(`${d.key}: the findings differ from those of ${values.before}`);
  }
  // Every planted finding and nothing else, or the timing means nothing.
  if (report.findings.length !== d.planted) {
    throw new Error(`${d.key}: ${report.findings.length} findings; ${d.planted} were planted`);
  }
  // Checked above against the code of --before (the run stops when they differ); the saved reference too, if any.
  let identical: boolean | null = beforeFindings === undefined ? null : true;
  const ref = await Deno.readTextFile(join(ROOT, "bench-data", "reference", `${d.key}-diagnose.json`)).catch(() =>
    undefined
  );
  if (ref !== undefined) {
    const saved = JSON.parse(ref);
    identical = JSON.stringify(saved.findings) === JSON.stringify(report.findings) &&
      JSON.stringify(saved.warnings) === JSON.stringify(report.warnings);
    if (!identical) log(`${d.key}: FINDINGS DIFFER from the reference report`);
  }
  log(`${students}: diagnose ${diagnose.wall} s (${(diagnose.wall / floor).toFixed(2)}x), peak ${diagnose.rssMiB} MiB`);
  let check: Timed | undefined;
  if (!values["no-roster-check"]) {
    check = await timed([
      "--tool",
      "roster-check",
      "--source",
      d.exportDir,
      "--format",
      "json",
      "--out",
      join(work, `roster-check-${d.key}.json`),
    ], env);
    log(`${students}: roster-check ${check.wall} s, peak ${check.rssMiB} MiB`);
  }
  return {
    students,
    csvRows: rows,
    enrollments: d.enrollments,
    floorSeconds: floor,
    csvParseSeconds: sec(csv),
    copySeconds: sec(copy),
    diagnoseSeconds: diagnose.wall,
    ratio: +(diagnose.wall / floor).toFixed(2),
    peakRssMiB: diagnose.rssMiB,
    microsPerStudent: Math.round(diagnose.wall * 1e6 / students),
    before: before
      ? { seconds: before.wall, ratio: +(before.wall / floor).toFixed(2), peakRssMiB: before.rssMiB }
      : null,
    rosterCheckSeconds: check?.wall ?? null,
    rosterCheckPeakMiB: check?.rssMiB ?? null,
    identicalToReference: identical,
  };
}

const server = serverUrl(values["database-url"]);
const sizes = values.sizes.split(",").map(Number);
const results = [];
for (const students of sizes) {
  const d = await prepareDistrict({ students, seed: Number(values.seed), format: "1.1-demo" }, server, log);
  results.push(await measure(d, students));
}
const fmt = (n: number) => n.toLocaleString("en-US");
console.log(
  [
    `Full diagnose (4 tools, real PostgreSQL), ${navigator.hardwareConcurrency} cores:`,
    "",
    "| students | CSV rows | enrollments | floor s | before s (× floor, MiB) | diagnose s | × floor | peak RSS MiB | µs/student | roster-check s | identical |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:--|",
    ...results.map((r) =>
      `| ${fmt(r.students)} | ${fmt(r.csvRows)} | ${fmt(r.enrollments)} | ${r.floorSeconds} | ${
        r.before ? `${r.before.seconds} (${r.before.ratio}x, ${r.before.peakRssMiB})` : "–"
      } | ${r.diagnoseSeconds} | ${r.ratio} | ${r.peakRssMiB} | ${r.microsPerStudent} | ${
        r.rosterCheckSeconds ?? "–"
      } | ${r.identicalToReference === null ? "not compared" : r.identicalToReference ? "yes" : "NO"} |`
    ),
  ].join("\n"),
);
console.log(JSON.stringify(results, null, 2));
if (values.chart) {
  const caption = `${
    new Date().toISOString().slice(0, 10)
  }, ${navigator.hardwareConcurrency} cores, seed ${values.seed}${
    values.before ? ", before = the code in --before" : ""
  }`;
  await Deno.writeTextFile(values.chart, scaleChart(results, caption));
  log(`wrote ${values.chart}`);
}
if (results.some((r) => r.identicalToReference === false)) Deno.exitCode = 1;
