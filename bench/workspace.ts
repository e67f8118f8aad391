/**
 * `deno task bench:workspace`: what the per-customer workspace buys, measured.
 *
 * Prepares a district (50,000 students by default; generated, exported and
 * loaded into a real PostgreSQL once, then reused: bench/district.ts), then measures in the
 * same run, each command in its own process under /usr/bin/time:
 *   floor          csv-parse of the export + COPY of the platform tables (bench/floor.ts)
 *   direct         diagnose without a workspace (today's path)
 *   first          diagnose that builds the workspace
 *   later          diagnose with the stored roster current (the export parsed again, not stored; the platform read again)
 *   cached         diagnose --cached (nothing read but the workspace)
 *   lookup         whole `lookup` commands from the workspace, and in-process lookups
 *   server         the support server's lookup endpoint over HTTP on loopback, from the workspace and from a job process
 * Every diagnosis must report exactly the planted findings. Prints the figures
 * and the ratios against the floor; targets are reported, never asserted.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { lookupPerson } from "../lib/app/lookup.ts";
import { openLookupSession } from "../lib/app/lookup-session.ts";
import { copyFloor, csvFloor } from "./floor.ts";
import { DIAGNOSE_V8_FLAGS, timedRun } from "./timed.ts";
import { prepareDistrict, serverUrl } from "./district.ts";
import { readOneRosterCsv } from "../lib/sources/oneroster-csv/read.ts";
import { createApp } from "../server/app.ts";
import { sha256Hex, TokenStore } from "../server/auth.ts";
import { WorkspaceLookups } from "../server/jobs/workspace-lookups.ts";
import { PlatformPool } from "../lib/platform/pool.ts";
import { CredentialResolver } from "../lib/credentials/resolver.ts";

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
postgres://postgres@127.0.0.1:5432/postgres). The district is cached in
bench-data/districts/ with its own database; the workspace and reports go to
bench-data/workspace/.`);
  Deno.exit(0);
}

const students = Number(values.students);
const root = new URL("..", import.meta.url).pathname;
// This benchmark's own files (the workspace, reports, logs); the district itself is cached by bench/district.ts.
const work = join(root, "bench-data", "workspace");
const wsDir = join(work, "ws");
const log = (s: string) => console.error(s);
const seconds = (ms: number) => +(ms / 1000).toFixed(2);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const district = await prepareDistrict(
  { students, seed: 50_000, format: "1.1-demo" },
  serverUrl(values["database-url"]),
  log,
);
const { customerId, exportDir, settingsDir, dbUrl } = district;
await Deno.remove(work, { recursive: true }).catch(() => {});
await Deno.mkdir(work, { recursive: true });
const env = {
  STAGING_DATABASE_URL: dbUrl,
  CDT_AUDIT_LOG: join(work, "audit.jsonl"),
  CDT_APP_LOG: join(work, "app.log"),
};

/** One command in its own process under /usr/bin/time -v: wall seconds and peak RSS. */
async function timed(script: string, args: string[]): Promise<{ wall: number; rssMiB: number; stderr: string }> {
  const r = await timedRun(join(root, script), args, { env, v8Flags: DIAGNOSE_V8_FLAGS });
  if (!r.success) throw new Error(`${script} ${args.join(" ")} failed:\n${r.stderr}`);
  return { wall: seconds(r.ms), rssMiB: Math.round(r.rssKiB / 1024), stderr: r.stderr };
}

async function diagnose(name: string, extra: string[]) {
  const out = join(work, `${name}.json`);
  const r = await timed("tools/diagnose.ts", [
    "--customer",
    customerId,
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
  if (report.findings.length !== district.planted) {
    // Every planted finding, and nothing else, or the timing means nothing.
    throw new Error(`${name}: ${report.findings.length} findings; ${district.planted} were planted`);
  }
  log(`${name}: ${r.wall} s, peak ${r.rssMiB} MiB`);
  return { ...r, findings: JSON.stringify(report.findings) };
}

{
  const csv = await csvFloor(exportDir);
  const copy = await copyFloor(dbUrl);
  const floor = seconds(csv + copy);
  log(`floor: ${floor} s (csv-parse ${seconds(csv)} s + COPY ${seconds(copy)} s)`);
  const direct = await diagnose("direct", ["--no-workspace"]);
  const first = await diagnose("first", ["--workspace", wsDir]);
  const later = await diagnose("later", ["--workspace", wsDir]);
  const cached = await diagnose("cached", ["--workspace", wsDir, "--cached"]);
  if (!first.stderr.includes("roster read and stored") || !later.stderr.includes("stored roster current")) {
    throw new Error("the workspace did not build, then reuse, the roster");
  }
  for (const d of [first, later, cached]) {
    if (d.findings !== direct.findings) {
      throw new Error("a diagnosis through the workspace differs from the direct one");
    }
  }
  const wsBytes = (await Deno.stat(join(wsDir, `${customerId}.duckdb`))).size;

  // Lookups: whole commands (process start included) and in-process calls, different students each time.
  const sample = (await readOneRosterCsv(exportDir, { only: ["users"] })).users.filter((x) => x.role === "student");
  const count = Number(values.lookups);
  const pick = (i: number) => sample[Math.floor(((i % count) + 0.5) * sample.length / count)].sourcedId;
  const lookupArgs = (key: string, ws: string[]) => [
    "--customer",
    customerId,
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
        customerId,
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
  // A session, as a notebook or a run of questions holds one: the workspace and the connection stay open.
  const inSession: number[] = [];
  const session = await openLookupSession({ customerId, settingsDir, env, auditor: null, workspace: { dir: wsDir } });
  try {
    for (let i = 0; i < count; i++) {
      const t1 = performance.now();
      const r = await session.lookup({ kind: "student", key: pick(i + 1) });
      if (r.rosterFrom?.kind !== "workspace") throw new Error("the session's lookup read the export");
      inSession.push(performance.now() - t1);
    }
  } finally {
    await session.close();
  }
  const server = await serverLookups(count, pick);
  log(
    `lookup: command ${median(commands)} s (workspace), ${exportCommand.wall} s (export); in process ${
      seconds(median(inProcess))
    } s (workspace), ${seconds(median(inProcessExport))} s (export); in a session ${
      seconds(median(inSession))
    } s (first ${seconds(inSession[0])} s)`,
  );

  console.log(JSON.stringify(
    {
      students,
      enrollments: district.enrollments,
      plantedFindings: district.planted,
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
          session: Math.round(median(inSession)),
          sessionFirst: Math.round(inSession[0]),
        },
        serverMs: server,
      },
      targets: {
        "200k: diagnose within 1.5x the floor, peak < 1 GiB": "see diagnose.* at --students 200000",
        "lookup command < 1 s": median(commands) < 1,
        "lookup in process < 200 ms (one call)": median(inProcess) < 200,
        "lookup in process < 200 ms (a session, as a notebook holds one)": median(inSession) < 200,
        "lookup in the server < 200 ms (HTTP on loopback, from the workspace)": server.workspace < 200,
      },
    },
    null,
    2,
  ));
}

/**
 * The support server's student lookup over HTTP on loopback, request to response: `count` answered from the
 * workspace (the server's lookup sessions), and two from job processes reading the export (no workspace configured).
 */
async function serverLookups(
  count: number,
  pick: (i: number) => string,
): Promise<{ workspace: number; workspaceFirst: number; worker: number }> {
  const token = "cdt_bench_token";
  const resolver = new CredentialResolver({ env });
  const pool = new PlatformPool({ resolver });
  const lookups = new WorkspaceLookups({ dir: wsDir, settingsDir, pool, deadlineMs: 110_000 });
  const tokens = new TokenStore([{ name: "bench", sha256: await sha256Hex(token), role: "engineer" }]);
  const audit = { path: join(work, "server-audit.jsonl"), key: "bench" };
  const serve = (workspaces?: WorkspaceLookups) =>
    Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      createApp({ settingsDir, tokens, pool, resolver, audit, workspaces }).fetch,
    );
  const ask = async (port: number, key: string, from: string) => {
    const t = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/api/customers/${customerId}/students/${key}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = await res.json();
    const ms = performance.now() - t;
    if (res.status !== 200 || body.rosterFrom?.kind !== from) {
      throw new Error(`the server's lookup answered ${res.status} from ${body.rosterFrom?.kind}, not ${from}`);
    }
    return ms;
  };
  const times: number[] = [];
  const workers: number[] = [];
  const withWs = serve(lookups);
  const plain = serve();
  try {
    for (let i = 0; i < count; i++) times.push(await ask(withWs.addr.port, pick(i + 2), "workspace"));
    for (let i = 0; i < 2; i++) workers.push(await ask(plain.addr.port, pick(i + 2), "export"));
  } finally {
    await withWs.shutdown();
    await plain.shutdown();
    await lookups.close();
    await pool.close();
  }
  log(
    `server lookup: ${Math.round(median(times))} ms median from the workspace (first ${Math.round(times[0])} ms), ${
      Math.round(median(workers))
    } ms from a job process reading the export`,
  );
  return {
    workspace: Math.round(median(times)),
    workspaceFirst: Math.round(times[0]),
    worker: Math.round(median(workers)),
  };
}
