/**
 * `deno task bench:memory [--students 50000]`: the V8 heap held after each
 * stage of a diagnosis of a generated district (roster read, platform read,
 * indexes, diagnostics), and with `--breakdown` how much each table of rows
 * holds, to see which rows the memory goes to. Runs in one process with
 * `--expose-gc`, so each figure is what stays reachable, not garbage.
 * With `--steps`, each index and each diagnostic on its own: its time, how
 * much the heap and the memory outside it grew while it ran (garbage
 * included: what a peak is made of), and how much of that it keeps.
 */
import { parseArgs } from "node:util";
import { readOneRosterCsv } from "../lib/sources/oneroster-csv/read.ts";
import { connectUrl } from "../lib/platform/connect.ts";
import { readSnapshot } from "../lib/platform/read.ts";
import { diagnosticContext } from "../lib/diagnostics/context.ts";
import { DEFAULT_TOOLS, DIAGNOSTICS, runDiagnostics } from "../lib/diagnostics/run.ts";
import { prepareDistrict, serverUrl } from "./district.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    students: { type: "string", default: "50000" },
    seed: { type: "string", default: "50000" },
    breakdown: { type: "boolean", default: false },
    steps: { type: "boolean", default: false },
    "database-url": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(`Usage: deno task bench:memory [--students N] [--seed N] [--breakdown | --steps] [--database-url URL]`);
  Deno.exit(0);
}
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc (deno task bench:memory does)");
const d = await prepareDistrict(
  { students: Number(values.students), seed: Number(values.seed), format: "1.1-demo" },
  serverUrl(values["database-url"]),
  (s) => console.error(s),
);
const mib = () => {
  gc();
  gc();
  return Math.round(Deno.memoryUsage().heapUsed / 2 ** 20);
};
const t0 = performance.now();
const stage = (name: string) => {
  const heap = mib();
  const m = Deno.memoryUsage();
  const show = (n: number) => String(Math.round(n / 2 ** 20)).padStart(5);
  // heap: live objects; committed: what the heap holds from the system; external: typed arrays' buffers and the like.
  console.log(
    `${name.padEnd(12)} heap ${String(heap).padStart(5)} MiB  committed ${show(m.heapTotal)} MiB  external ${
      show(m.external)
    } MiB  rss ${show(m.rss)} MiB  ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
};
/** Empties one table of rows and prints how much memory that gave back. */
function held(rows: Record<string, unknown[]>, name: string, key: string): void {
  const before = mib();
  const n = rows[key].length;
  rows[key] = [];
  const after = mib();
  const freed = before - after;
  console.log(
    `${name}.${key}: ${freed} MiB for ${n.toLocaleString("en-US")} rows (${Math.round(freed * 2 ** 20 / n)} B each)`,
  );
}

stage("start");
const roster = await readOneRosterCsv(d.exportDir);
stage("roster");
const conn = connectUrl(d.dbUrl, { environment: "staging" });
const platform = await readSnapshot(conn, d.customerId);
await conn.close();
stage("platform");
if (values.breakdown) {
  for (const k of ["enrollments", "users", "classes"]) held(roster as never, "roster", k);
  for (const k of ["enrollments", "students", "parents", "parentStudents", "classes"]) {
    held(platform as never, "platform", k);
  }
} else if (values.steps) {
  // Each step after a full collection, then measured twice: as it ends (garbage and all) and after another collection.
  const step = (name: string, run: () => unknown) => {
    gc();
    gc();
    const before = Deno.memoryUsage();
    const t = performance.now();
    const kept = run();
    const ms = performance.now() - t;
    const after = Deno.memoryUsage();
    gc();
    gc();
    const left = Deno.memoryUsage();
    const m = (n: number) => String(Math.round(n / 2 ** 20)).padStart(5);
    console.log(
      `${name.padEnd(17)} ${ms.toFixed(0).padStart(6)} ms  heap grew ${m(after.heapUsed - before.heapUsed)} MiB, kept ${
        m(left.heapUsed - before.heapUsed)
      }  outside grew ${m(after.external - before.external)} MiB, kept ${m(left.external - before.external)}`,
    );
    return kept;
  };
  const ctx = diagnosticContext(roster, platform);
  step("source index", () => ctx.source);
  step("platform index", () => ctx.plat);
  step("guardians' index", () => ctx.guardians);
  for (const tool of DEFAULT_TOOLS) step(tool, () => DIAGNOSTICS[tool](roster, platform, ctx));
} else {
  const ctx = diagnosticContext(roster, platform);
  void ctx.source;
  void ctx.plat;
  void ctx.guardians;
  stage("indexes");
  const report = runDiagnostics({ customer: d.customerId, environment: "staging", roster, platform });
  stage("diagnostics");
  console.log(`${report.findings.length} findings (${d.planted} planted)`);
}
