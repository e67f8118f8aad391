/**
 * `deno task bench:workspace`: what the per-customer workspace buys, measured.
 *
 * Generates a district (50,000 students by default), loads it into a real
 * PostgreSQL database and writes its OneRoster export, then measures in the
 * same run, each command in its own process under /usr/bin/time:
 *   floor          csv-parse of the export + COPY of the platform tables (bench/floor.ts)
 *   direct         diagnose without a workspace (today's path)
 *   first          diagnose that builds the workspace
 *   later          diagnose with the roster reused (the platform read again)
 *   cached         diagnose --cached (nothing read but the workspace)
 *   lookup         whole `lookup` commands from the workspace, and in-process lookups
 * Every diagnosis must report exactly the planted findings. Prints the figures
 * and the ratios against the floor; targets are reported, never asserted.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import postgres from "postgres";
import { generateDistrict } from "../lib/demo/generate.ts";
import { plantProblems } from "../lib/demo/plant.ts";
import { writeDemoExport } from "../lib/demo/export.ts";
import { createSchema, writeSnapshot } from "../lib/platform/load.ts";
import type { Sql } from "../lib/platform/connect.ts";
import { lookupPerson } from "../lib/app/lookup.ts";
import { copyFloor, csvFloor } from "./floor.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    students: { type: "string", default: "50000" },
    "database-url": { type: "string" },
    lookups: { type: "string", default: "10" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(`Usage: deno task bench:workspace [--students N] [--database-url URL] [--lookups N]

Measures diagnose and lookup with and without a workspace against the floor,
on a generated district in a real PostgreSQL (default: TEST_DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/postgres). A scratch database
cdt_bench_ws is created and dropped; files go to bench-data/workspace/.`);
  Deno.exit(0);
}

const students = Number(values.students);
const serverUrl = values["database-url"] ?? Deno.env.get("TEST_DATABASE_URL") ??
  "postgres://postgres@127.0.0.1:5432/postgres";
const root = new URL("..", import.meta.url).pathname;
const work = join(root, "bench-data", "workspace");
const exportDir = join(work, "bench-usd", "oneroster");
const settingsDir = join(work, "settings");
const wsDir = join(work, "ws");
const dbName = "cdt_bench_ws";
const log = (s: string) => console.error(s);
const seconds = (ms: number) => +(ms / 1000).toFixed(2);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let t = performance.now();
// At most 98 campuses: the planted closed campus has platform id 199, and campus ids count up from 101
// (lib/demo/plant.ts), so beyond 147,000 students the default campus count collides with it.
const district = generateDistrict({
  customerId: "bench-usd",
  students,
  seed: 50_000,
  campuses: Math.min(98, Math.max(3, Math.round(students / 1500))),
});
const planted = plantProblems(district);
log(
  `generated ${students} students, ${district.platform.enrollments.length} enrollments in ${
    seconds(performance.now() - t)
  } s`,
);
await Deno.remove(work, { recursive: true }).catch(() => {});
await writeDemoExport(exportDir, district.roster);
await Deno.mkdir(settingsDir, { recursive: true });
await Deno.writeTextFile(
  join(settingsDir, "bench-usd.json"),
  JSON.stringify({
    customer_id: "bench-usd",
    customer_name: "Benchmark USD",
    integration_type: "oneroster-csv",
    oneshelf_environment: "staging",
    source: { kind: "oneroster-csv", path: "../bench-usd/oneroster" },
  }),
);
const server = postgres(serverUrl, { max: 1, onnotice: () => {} });
await server.unsafe(`drop database if exists ${dbName} with (force)`);
await server.unsafe(`create database ${dbName}`);
const u = new URL(serverUrl);
u.pathname = `/${dbName}`;
const dbUrl = u.toString();
t = performance.now();
const admin = postgres(dbUrl, { max: 1, onnotice: () => {} }) as Sql;
await createSchema(admin);
await writeSnapshot(admin, district.platform);
await admin`analyze`;
await admin.end();
log(`loaded the database in ${seconds(performance.now() - t)} s`);
const env = {
  STAGING_DATABASE_URL: dbUrl,
  CDT_AUDIT_LOG: join(work, "audit.jsonl"),
  CDT_APP_LOG: join(work, "app.log"),
};

/** One command in its own process under /usr/bin/time -v: wall seconds and peak RSS. */
async function timed(script: string, args: string[]): Promise<{ wall: number; rssMiB: number; stderr: string }> {
  const t0 = performance.now();
  const r = await new Deno.Command("/usr/bin/time", {
    args: ["-v", Deno.execPath(), "run", "--allow-all", join(root, script), ...args],
    env,
    stdout: "null",
    stderr: "piped",
  }).output();
  const wall = performance.now() - t0;
  const stderr = new TextDecoder().decode(r.stderr);
  if (!r.success) throw new Error(`${script} ${args.join(" ")} failed:\n${stderr}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  return { wall: seconds(wall), rssMiB: rss ? Math.round(Number(rss[1]) / 1024) : NaN, stderr };
}

async function diagnose(name: string, extra: string[]) {
  const out = join(work, `${name}.json`);
  const r = await timed("tools/diagnose.ts", [
    "--customer",
    "bench-usd",
    "--settings-dir",
    settingsDir,
    "--no-history",
    "--format",
    "json",
    "--out",
    out,
    ...extra,
  ]);
  const report = JSON.parse(await Deno.readTextFile(out));
  if (report.findings.length !== planted.length) {
    // Every planted finding, and nothing else, or the timing means nothing.
    throw new Error(`${name}: ${report.findings.length} findings; ${planted.length} were planted`);
  }
  log(`${name}: ${r.wall} s, peak ${r.rssMiB} MiB`);
  return { ...r, findings: JSON.stringify(report.findings) };
}

try {
  const csv = await csvFloor(exportDir);
  const copy = await copyFloor(dbUrl);
  const floor = seconds(csv + copy);
  log(`floor: ${floor} s (csv-parse ${seconds(csv)} s + COPY ${seconds(copy)} s)`);
  const direct = await diagnose("direct", ["--no-workspace"]);
  const first = await diagnose("first", ["--workspace", wsDir]);
  const later = await diagnose("later", ["--workspace", wsDir]);
  const cached = await diagnose("cached", ["--workspace", wsDir, "--cached"]);
  if (!first.stderr.includes("roster read and stored") || !later.stderr.includes("roster reused")) {
    throw new Error("the workspace did not build, then reuse, the roster");
  }
  for (const d of [first, later, cached]) {
    if (d.findings !== direct.findings) {
      throw new Error("a diagnosis through the workspace differs from the direct one");
    }
  }
  const wsBytes = (await Deno.stat(join(wsDir, "bench-usd.duckdb"))).size;

  // Lookups: whole commands (process start included) and in-process calls, different students each time.
  const sample = district.roster.users.filter((x) => x.role === "student");
  const count = Number(values.lookups);
  const pick = (i: number) => sample[Math.floor((i + 0.5) * sample.length / count)].sourcedId;
  const lookupArgs = (key: string, ws: string[]) => [
    "--customer",
    "bench-usd",
    "--settings-dir",
    settingsDir,
    "--student",
    key,
    "--format",
    "json",
    ...ws,
  ];
  const commands: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await timed("tools/lookup.ts", lookupArgs(pick(i), ["--workspace", wsDir]));
    if (!r.stderr.includes("roster from the workspace")) {
      throw new Error(`lookup did not use the workspace:\n${r.stderr}`);
    }
    commands.push(r.wall);
  }
  const exportCommand = await timed("tools/lookup.ts", lookupArgs(pick(3), ["--no-workspace"]));
  const inProcess: number[] = [];
  const inProcessExport: number[] = [];
  for (let i = 0; i < count; i++) {
    for (const [list, workspace] of [[inProcess, { dir: wsDir }], [inProcessExport, undefined]] as const) {
      if (workspace === undefined && i >= 3) continue;
      const t1 = performance.now();
      const r = await lookupPerson({
        customerId: "bench-usd",
        settingsDir,
        query: { kind: "student", key: pick(i) },
        env,
        auditor: null,
        workspace,
      });
      if (r.rosterFrom?.kind !== (workspace ? "workspace" : "export")) throw new Error("lookup read the wrong side");
      list.push(performance.now() - t1);
    }
  }
  log(
    `lookup: command ${median(commands)} s (workspace), ${exportCommand.wall} s (export); in process ${
      seconds(median(inProcess))
    } s (workspace), ${seconds(median(inProcessExport))} s (export)`,
  );

  console.log(JSON.stringify(
    {
      students,
      enrollments: district.platform.enrollments.length,
      plantedFindings: planted.length,
      floorSeconds: floor,
      diagnose: {
        direct: { seconds: direct.wall, peakMiB: direct.rssMiB, ratio: +(direct.wall / floor).toFixed(2) },
        firstWithWorkspace: { seconds: first.wall, peakMiB: first.rssMiB, ratio: +(first.wall / floor).toFixed(2) },
        laterRosterReused: { seconds: later.wall, peakMiB: later.rssMiB, ratio: +(later.wall / floor).toFixed(2) },
        cachedPlatform: { seconds: cached.wall, peakMiB: cached.rssMiB, ratio: +(cached.wall / floor).toFixed(2) },
      },
      workspaceMiB: +(wsBytes / 1048576).toFixed(1),
      lookup: {
        commandSeconds: { workspace: median(commands), export: exportCommand.wall },
        commandPeakMiB: exportCommand.rssMiB,
        inProcessMedianMs: {
          workspace: Math.round(median(inProcess)),
          export: Math.round(median(inProcessExport)),
        },
      },
      targets: {
        "200k: diagnose within 1.5x the floor, peak < 1 GiB": "see diagnose.* at --students 200000",
        "lookup command < 1 s": median(commands) < 1,
        "lookup in process < 200 ms": median(inProcess) < 200,
      },
    },
    null,
    2,
  ));
} finally {
  await server.unsafe(`drop database if exists ${dbName} with (force)`);
  await server.end();
}
