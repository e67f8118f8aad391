/**
 * Generated districts for the benchmarks and the reference check: the export
 * written to `bench-data/districts/<key>/` and the platform loaded into a real
 * PostgreSQL database named after the same key, both kept between runs (the
 * generator is seeded, so the key names the data). A run that finds both
 * ready skips the generator altogether, which matters at 1,000,000 students.
 */
import { join } from "node:path";
import postgres from "postgres";
import { generateDistrict } from "../lib/demo/generate.ts";
import { plantProblems } from "../lib/demo/plant.ts";
import { writeDemoExport } from "../lib/demo/export.ts";
import { csvField, writeOneRosterCsv } from "../lib/sources/oneroster-csv/write.ts";
import { specColumns } from "../lib/sources/oneroster-csv/columns.ts";
import { createSchema, writeSnapshot } from "../lib/platform/load.ts";
import type { Sql } from "../lib/platform/connect.ts";
import type { Roster } from "../lib/model/roster.ts";
import type { PlatformSnapshot } from "../lib/model/snapshot.ts";

/** Which district to prepare. */
export interface DistrictSpec {
  students: number;
  seed: number;
  /** `1.1-demo`: the demo export's dirt (BOM, CRLF, blank status, dirty rows); `1.2`: users + roles.csv. */
  format: "1.1-demo" | "1.1" | "1.2";
}

/** A prepared district. */
export interface PreparedDistrict {
  key: string;
  customerId: string;
  exportDir: string;
  settingsDir: string;
  dbUrl: string;
  planted: number;
  enrollments: number;
  /** Seconds spent generating and loading (0 when cached). */
  prepareSeconds: number;
}

const ROOT = new URL("..", import.meta.url).pathname;
/** Where generated districts are kept (gitignored). */
export const DISTRICTS_DIR = join(ROOT, "bench-data", "districts");

/** The key of a spec: size, seed and format. */
export function districtKey(spec: DistrictSpec): string {
  return `s${spec.students}-seed${spec.seed}-v${spec.format.replaceAll(".", "")}`;
}

/** The server URL the benchmarks use. */
export function serverUrl(flag?: string): string {
  return flag ?? Deno.env.get("TEST_DATABASE_URL") ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

/**
 * Generates (or finds cached) the district of `spec`: its export, settings
 * (staging, source = the export) and its platform database.
 *
 * @example
 * const d = await prepareDistrict({ students: 500, seed: 1, format: "1.1-demo" }, serverUrl());
 */
export async function prepareDistrict(
  spec: DistrictSpec,
  server: string,
  log: (s: string) => void = () => {},
): Promise<PreparedDistrict> {
  const key = districtKey(spec);
  const customerId = `bench-${key}`;
  const dir = join(DISTRICTS_DIR, key);
  const exportDir = join(dir, "oneroster");
  const settingsDir = join(dir, "settings");
  const dbName = `cdt_bench_${key.replaceAll("-", "_")}`;
  const u = new URL(server);
  u.pathname = `/${dbName}`;
  const dbUrl = u.toString();
  const marker = join(dir, "ready.json");
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  try {
    const ready = await Deno.readTextFile(marker).then(JSON.parse).catch(() => undefined) as
      | { planted: number; enrollments: number }
      | undefined;
    const [{ n }] = await admin<{ n: number }[]>`select count(*)::int as n from pg_database where datname = ${dbName}`;
    if (ready && n === 1) {
      return { key, customerId, exportDir, settingsDir, dbUrl, ...ready, prepareSeconds: 0 };
    }
    const t0 = performance.now();
    const district = generateDistrict({
      customerId,
      students: spec.students,
      seed: spec.seed,
      // At most 98 campuses, as when the reference reports were first saved (kept so that cached districts match).
      campuses: Math.min(98, Math.max(3, Math.round(spec.students / 1500))),
    });
    const planted = plantProblems(district).length;
    log(`${key}: generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    if (spec.format === "1.1-demo") await writeDemoExport(exportDir, district.roster);
    else if (spec.format === "1.1") await writeOneRosterCsv(exportDir, district.roster);
    else await writeOneRoster12(exportDir, district.roster);
    await Deno.mkdir(settingsDir, { recursive: true });
    await Deno.writeTextFile(
      join(settingsDir, `${customerId}.json`),
      JSON.stringify({
        customer_id: customerId,
        customer_name: `Benchmark ${key}`,
        integration_type: "oneroster-csv",
        oneshelf_environment: "staging",
        source: { kind: "oneroster-csv", path: "../oneroster" },
      }),
    );
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.unsafe(`create database ${dbName}`);
    const db = postgres(dbUrl, { max: 1, onnotice: () => {} }) as Sql;
    try {
      await createSchema(db);
      await loadPlatform(db, dbUrl, district.platform, join(dir, "copy"));
      await db`analyze`;
    } finally {
      await db.end();
    }
    const facts = { planted, enrollments: district.platform.enrollments.length };
    await Deno.writeTextFile(marker, JSON.stringify(facts));
    const prepareSeconds = (performance.now() - t0) / 1000;
    log(`${key}: export written and platform loaded in ${prepareSeconds.toFixed(1)} s`);
    return { key, customerId, exportDir, settingsDir, dbUrl, ...facts, prepareSeconds };
  } finally {
    await admin.end();
  }
}

/**
 * Loads the platform: small tables with the project's loader, enrollments
 * (millions of rows at scale) with psql `\copy`, which is many times faster
 * than batched inserts.
 */
async function loadPlatform(db: Sql, url: string, snapshot: PlatformSnapshot, tmp: string): Promise<void> {
  await writeSnapshot(db, { ...snapshot, enrollments: [] });
  await Deno.mkdir(tmp, { recursive: true });
  const file = join(tmp, "enrollments.tsv");
  const out = await Deno.open(file, { write: true, create: true, truncate: true });
  const writer = out.writable.getWriter();
  const encoder = new TextEncoder();
  const n = (v: number | string | null) => (v === null ? "\\N" : String(v));
  let buf = "";
  for (const e of snapshot.enrollments) {
    buf += `${e.id}\t${e.classId}\t${e.role}\t${n(e.studentId)}\t${n(e.teacherId)}\t${n(e.sourceId)}\t${
      n(e.deletedAt)
    }\t2026-08-15 08:00:00+00\n`;
    if (buf.length > 1 << 20) {
      await writer.write(encoder.encode(buf));
      buf = "";
    }
  }
  await writer.write(encoder.encode(buf));
  await writer.close();
  const r = await new Deno.Command("psql", {
    args: [
      url,
      "-q",
      "-v",
      "ON_ERROR_STOP=1",
      "-c",
      `\\copy enrollments (id, class_id, role, student_id, teacher_id, source_id, deleted_at, updated_at) from '${file}'`,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!r.success) throw new Error(`psql copy enrollments: ${new TextDecoder().decode(r.stderr)}`);
  await Deno.remove(tmp, { recursive: true });
}

/** Writes a roster as a OneRoster 1.2 bundle: the 1.1 files, then users.csv and roles.csv the 1.2 way. */
async function writeOneRoster12(dir: string, roster: Roster): Promise<void> {
  await writeOneRosterCsv(dir, roster);
  const manifest = await Deno.readTextFile(join(dir, "manifest.csv"));
  await Deno.writeTextFile(
    join(dir, "manifest.csv"),
    manifest.replace("oneroster.version,1.1", "oneroster.version,1.2") + "file.roles,bulk\n",
  );
  const users = specColumns("1.2", "users");
  const roles = specColumns("1.2", "roles");
  const lines = [users.join(",")];
  const roleLines = [roles.join(",")];
  for (const u of roster.users) {
    const row: Record<string, string> = {
      sourcedId: u.sourcedId,
      status: u.status,
      enabledUser: String(u.enabledUser),
      username: u.username,
      givenName: u.givenName,
      familyName: u.familyName,
      middleName: u.middleName,
      identifier: u.identifier,
      email: u.email,
      agentSourcedIds: u.agentSourcedIds.join(","),
      grades: u.grades.join(","),
      primaryOrgSourcedId: u.orgSourcedIds[0] ?? "",
    };
    lines.push(users.map((c) => csvField(row[c] ?? "")).join(","));
    u.orgSourcedIds.forEach((org, i) => {
      const r: Record<string, string> = {
        sourcedId: `role-${u.sourcedId}-${i}`,
        status: u.status,
        userSourcedId: u.sourcedId,
        roleType: i === 0 ? "primary" : "secondary",
        role: u.role,
        orgSourcedId: org,
      };
      roleLines.push(roles.map((c) => csvField(r[c] ?? "")).join(","));
    });
  }
  await Deno.writeTextFile(join(dir, "users.csv"), lines.join("\n") + "\n");
  await Deno.writeTextFile(join(dir, "roles.csv"), roleLines.join("\n") + "\n");
}
