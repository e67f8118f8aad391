/**
 * A customer's workspace: one DuckDB file holding the roster as our reader
 * parsed it (keyed by what it was read from), the last platform snapshot
 * with its read time, and past reports. Local only: nothing here is ever
 * written to the platform.
 */
import { z } from "zod";
import { join } from "node:path";
import { type Roster, SourceInfo } from "../model/roster.ts";
import { District, type PlatformSnapshot } from "../model/snapshot.ts";
import type { Report } from "../model/findings.ts";
import { checkCustomerId } from "../settings/load.ts";
import { CodedError } from "../errors.ts";
import type { Rows, RowStore } from "../model/rows.ts";
import { type Database, openDatabase, type SqlParam } from "./duckdb.ts";
import { PLATFORM_TABLES, readRows, ROSTER_TABLES, type TableSpec, writeRows } from "./tables.ts";
import { EnrollmentTable } from "../model/enrollment-table.ts";
import { UserFields, UserTable } from "../model/user-table.ts";
import { tableDigest } from "./digest.ts";
import { PlatformEnrollmentTable } from "../model/platform-enrollment-table.ts";
import {
  ParentStudentTable,
  ParentTable,
  PlatformClassTable,
  StudentTable,
  TeacherTable,
} from "../model/platform-tables.ts";

/** Bumped when the tables change shape: an older workspace is rebuilt, never misread. */
export const WORKSPACE_FORMAT = 1;

/** What the stored roster was read from, and when. */
export const RosterState = z.object({
  format: z.number().int(),
  /** Equal keys mean equal rosters: the export's content hash with the settings that shape the read. */
  key: z.string(),
  /** A hash of the source settings and read mode the roster was read with. */
  settings: z.string(),
  /** `sha256:…` of the export; null for a source read over the network. */
  contentHash: z.string().nullable(),
  /** Names, sizes and times of the export's files, to notice a change without hashing. */
  stamp: z.string().nullable(),
  readAt: z.string(),
  source: SourceInfo,
  fileModes: z.record(z.string(), z.string()),
  counts: z.record(z.string(), z.number().int()),
  /** Tables the fast read cannot decode (a cell holds a NUL character). */
  slow: z.array(z.string()),
});
export type RosterState = z.infer<typeof RosterState>;

/** The stored platform snapshot's provenance. */
export const PlatformState = z.object({
  format: z.number().int(),
  readAt: z.string(),
  environment: z.string(),
  district: District,
  counts: z.record(z.string(), z.number().int()),
  slow: z.array(z.string()),
  /** Each table's digest (digest.ts): a table read again with the same digest is not written again. */
  digests: z.record(z.string(), z.string()).optional(),
});
export type PlatformState = z.infer<typeof PlatformState>;

type Specs = Record<string, TableSpec<unknown>>;

/** One stored report. */
export interface StoredReport {
  customer: string;
  environment: string;
  generatedAt: string;
  report: Report;
}

/** What a roster is stored under. */
export interface RosterIdentity {
  key: string;
  settings: string;
  contentHash: string | null;
  stamp: string | null;
}

/** An open workspace. Close it: DuckDB lets one writer, or several readers, hold the file. */
export interface Workspace {
  readonly path: string;
  readonly customerId: string;
  readonly readOnly: boolean;
  /**
   * Runs SQL over the workspace and returns plain rows; values bind to `$1`, `$2`…
   * Tables: users, orgs, classes, enrollments, courses, academic_sessions, user_agents,
   * source_issues, source_rejected, platform_* (campuses, students, teachers, parents,
   * parent_students, classes, enrollments, roster_syncs), reports, workspace_meta.
   */
  sql(query: string, params?: SqlParam[]): Promise<Record<string, unknown>[]>;
  rosterState(): Promise<RosterState | null>;
  saveRoster(roster: Roster, identity: RosterIdentity, readAt?: Date): Promise<RosterState>;
  /** The whole stored roster, row for row as the reader produced it. */
  loadRoster(): Promise<Roster>;
  platformState(): Promise<PlatformState | null>;
  savePlatform(snapshot: PlatformSnapshot, read: { readAt: Date; environment: string }): Promise<PlatformState>;
  loadPlatform(): Promise<PlatformSnapshot>;
  saveReport(report: Report): Promise<void>;
  /** Stored reports, newest first. */
  reports(limit?: number): Promise<StoredReport[]>;
  /** The underlying database, for the lookup's focused reads. */
  readonly db: Database;
  close(): void;
}

/** Options of {@link openWorkspace}. */
export interface OpenWorkspaceOptions {
  /** Open for writing (creating the folder and file); default read-only, which several processes may share. */
  write?: boolean;
  /** How long to wait for another process holding the file; default 10 s. */
  waitMs?: number;
  /**
   * DuckDB's memory for this file, outside V8's heap (its cache of the file's pages included); default 512MB. The
   * first opener of a file in a process sets it for every reader sharing the instance.
   */
  memoryLimit?: string;
}

/**
 * The file of one customer's workspace.
 *
 * @example
 * workspaceFile("workspace", "demo-isd") // "workspace/demo-isd.duckdb"
 */
export function workspaceFile(dir: string, customerId: string): string {
  return join(dir, `${checkCustomerId(customerId)}.duckdb`);
}

/**
 * Opens a customer's workspace.
 *
 * @example
 * const ws = await openWorkspace("workspace", "demo-isd");
 * const rows = await ws.sql("select role, count(*) as n from users group by role order by n desc");
 * ws.close();
 */
export async function openWorkspace(
  dir: string,
  customerId: string,
  options: OpenWorkspaceOptions = {},
): Promise<Workspace> {
  const path = workspaceFile(dir, customerId);
  const write = !!options.write;
  if (write) {
    await Deno.mkdir(dir, { recursive: true });
  } else if (!(await exists(path))) {
    throw new CodedError(
      "not_found",
      `no workspace for ${customerId} in ${dir}: build it with \`deno task workspace build --customer ${customerId}\` ` +
        "(or run diagnose with --workspace)",
    );
  }
  const db = await openDatabase(path, { readOnly: !write, waitMs: options.waitMs, memoryLimit: options.memoryLimit });
  try {
    if (write) {
      await db.run(`create table if not exists workspace_meta (key varchar primary key, value varchar)`);
      await db.run(
        `create table if not exists reports (customer varchar, environment varchar, generated_at varchar, report varchar)`,
      );
    }
  } catch (e) {
    db.close();
    throw e;
  }
  return makeWorkspace(db, customerId);
}

/**
 * Indexes the columns a lookup asks for one value at a time (slice.ts): a
 * point query then reads the index instead of scanning the column, 0.7 ms
 * instead of 4 to 7 ms at 200,000 students, and a lookup makes about twenty.
 */
async function indexRoster(db: Database): Promise<void> {
  for (
    const [table, column] of [
      ["users", "sourced_id"],
      ["users", "email_norm"],
      ["classes", "sourced_id"],
      ["enrollments", "user_sourced_id"],
      ["enrollments", "class_sourced_id"],
      ["user_agents", "agent_sourced_id"],
    ]
  ) {
    await db.run(`create index ${table}_${column} on ${table} ("${column}")`);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

function makeWorkspace(db: Database, customerId: string): Workspace {
  const getMeta = async <T>(key: string, schema: z.ZodType<T>): Promise<T | null> => {
    const rows = await db.all(`select value from workspace_meta where key = $1`, [key]).catch(() => []);
    if (!rows.length) return null;
    const parsed = schema.safeParse(JSON.parse(String(rows[0].value)));
    // An older or foreign format is treated as absent: it is rebuilt, never misread.
    return parsed.success && (parsed.data as { format: number }).format === WORKSPACE_FORMAT ? parsed.data : null;
  };
  const setMeta = (key: string, value: unknown) =>
    db.run(`insert or replace into workspace_meta values ($1, $2)`, [key, JSON.stringify(value)]);
  const dropMeta = (key: string) => db.run(`delete from workspace_meta where key = $1`, [key]);
  /**
   * Writes each table of `tables`, but for those `stored` finds stored already (it gives their slow-path mark, or
   * undefined for a table to write).
   */
  const writeAll = async (
    tables: Specs,
    data: Record<string, Rows<unknown>>,
    stored?: (name: string, spec: TableSpec<unknown>, rows: Rows<unknown>) => boolean | undefined,
  ) => {
    const slow: string[] = [];
    const counts: Record<string, number> = {};
    for (const [name, spec] of Object.entries(tables)) {
      const rows = data[name] ?? [];
      counts[name] = rows.length;
      if (stored?.(name, spec, rows) ?? !(await writeRows(db, spec, rows))) slow.push(name);
    }
    return { slow, counts };
  };
  /**
   * Every table of `tables`; those a reader keeps as columns (the enrollments, a roster's users) into the table
   * `columns` makes for them, the others as arrays.
   */
  const readAll = async (tables: Specs, slow: string[], columns: Record<string, () => RowStore<unknown>>) => {
    const out: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(tables)) {
      const into = columns[name]?.() ?? [];
      out[name] = await readRows(db, spec, { fast: !slow.includes(name) }, into);
    }
    return out;
  };

  return {
    path: db.path,
    customerId,
    readOnly: db.readOnly,
    db,
    sql: (query, params) => db.all(query, params),
    rosterState: () => getMeta("roster", RosterState),
    async saveRoster(roster, identity, readAt = new Date()) {
      // The old state goes first: a build cut short leaves no roster, so the next run rebuilds.
      await dropMeta("roster");
      const { slow, counts } = await writeAll(
        ROSTER_TABLES as unknown as Specs,
        roster as unknown as Record<string, Rows<unknown>>,
      );
      await writeUserAgents(db, roster);
      await indexRoster(db);
      const state: RosterState = {
        format: WORKSPACE_FORMAT,
        ...identity,
        readAt: readAt.toISOString(),
        source: roster.source,
        fileModes: roster.fileModes as Record<string, string>,
        counts,
        slow,
      };
      await setMeta("roster", state);
      await db.run("checkpoint");
      return state;
    },
    async loadRoster() {
      const state = await getMeta("roster", RosterState);
      if (!state) throw new CodedError("not_found", `${db.path} holds no roster yet`);
      const t = await readAll(
        ROSTER_TABLES as unknown as Specs,
        state.slow,
        {
          enrollments: () => new EnrollmentTable() as RowStore<unknown>,
          users: () => new UserTable() as RowStore<unknown>,
        },
      );
      return {
        source: state.source,
        fileModes: state.fileModes,
        ...t,
      } as unknown as Roster;
    },
    platformState: () => getMeta("platform", PlatformState),
    async savePlatform(snapshot, read) {
      const before = await getMeta("platform", PlatformState);
      await dropMeta("platform");
      // A table whose rows are those `before` stored (same digest and count) stays as it is: a platform read again
      // within the hour mostly is (3.5 s of writing at 200,000 students become 0.45 s of hashing).
      const digests: Record<string, string> = {};
      const { slow, counts } = await writeAll(
        PLATFORM_TABLES as unknown as Specs,
        snapshot as unknown as Record<string, Rows<unknown>>,
        (name, spec, rows) => {
          digests[name] = tableDigest(spec, rows);
          const same = before?.digests?.[name] === digests[name] && before.counts[name] === rows.length;
          return same ? before.slow.includes(name) : undefined;
        },
      );
      const state: PlatformState = {
        format: WORKSPACE_FORMAT,
        readAt: read.readAt.toISOString(),
        environment: read.environment,
        district: snapshot.district,
        counts,
        slow,
        digests,
      };
      await setMeta("platform", state);
      await db.run("checkpoint");
      return state;
    },
    async loadPlatform() {
      const state = await getMeta("platform", PlatformState);
      if (!state) throw new CodedError("not_found", `${db.path} holds no platform snapshot yet`);
      const t = await readAll(
        PLATFORM_TABLES as unknown as Specs,
        state.slow,
        {
          enrollments: () => new PlatformEnrollmentTable() as RowStore<unknown>,
          students: () => new StudentTable() as RowStore<unknown>,
          parents: () => new ParentTable() as RowStore<unknown>,
          parentStudents: () => new ParentStudentTable() as RowStore<unknown>,
          teachers: () => new TeacherTable() as RowStore<unknown>,
          classes: () => new PlatformClassTable() as RowStore<unknown>,
        },
      );
      return { district: state.district, ...t } as unknown as PlatformSnapshot;
    },
    async saveReport(report) {
      await db.run(`insert into reports values ($1, $2, $3, $4)`, [
        report.customer,
        report.environment,
        report.generatedAt,
        JSON.stringify(report),
      ]);
    },
    async reports(limit = 20) {
      const rows = await db.all(
        `select customer, environment, generated_at, report from reports order by generated_at desc limit $1`,
        [limit],
      ).catch(() => []);
      return rows.map((r) => ({
        customer: String(r.customer),
        environment: String(r.environment),
        generatedAt: String(r.generated_at),
        report: JSON.parse(String(r.report)) as Report,
      }));
    },
    close: () => db.close(),
  };
}

/** One row per (user, agent): the family graph a lookup walks, and a join a notebook needs. */
async function writeUserAgents(db: Database, roster: Roster): Promise<void> {
  await db.run(`create or replace table user_agents (user_sourced_id varchar, agent_sourced_id varchar)`);
  const appender = await db.connection.createAppender("user_agents");
  try {
    const users = new UserFields(roster.users);
    for (let i = 0; i < users.length; i++) {
      const agents = users.agents(i);
      if (agents.length === 0) continue;
      const u = users.sourcedId(i);
      for (const a of agents) {
        appender.appendVarchar(u);
        appender.appendVarchar(a);
        appender.endRow();
      }
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}
