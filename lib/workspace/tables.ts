/**
 * How the model's rows live in workspace tables, and how they come back.
 *
 * One column per field (lists and nested objects as JSON text), written with
 * DuckDB's appender. Read back one column at a time: DuckDB joins a column of
 * a batch into one string (`string_agg`) that JavaScript splits natively,
 * about five times faster than converting DuckDB values cell by cell.
 * Rows come back in the order they were written (`seq`), with the same keys
 * in the same order as the model's schemas, so diagnostics see the very rows
 * the reader produced.
 */
import type {
  AcademicSession,
  Class,
  Course,
  Enrollment,
  Org,
  RejectedRow,
  SourceIssue,
  User,
} from "../model/roster.ts";
import type {
  Campus,
  Parent,
  ParentStudent,
  PlatformClass,
  PlatformEnrollment,
  RosterSync,
  Student,
  Teacher,
} from "../model/snapshot.ts";
import { foldForSearch, normalizeEmail } from "../normalize.ts";
import type { Rows, RowStore } from "../model/rows.ts";
import type { Database, SqlParam } from "./duckdb.ts";

/**
 * How a field is stored: `opt` fields may be absent (undefined ↔ NULL, key
 * omitted on read), `null` fields may be null; `origin` is `{file, line}` in
 * two columns.
 */
export type Kind =
  | "text"
  | "opt"
  | "null"
  | "bool"
  | "optbool"
  | "int"
  | "nullint"
  | "json"
  | "optjson"
  | "nulljson"
  | "origin";

/** One field of a row. */
export interface Column {
  field: string;
  kind: Kind;
}

/** A table of the workspace and the row type it holds. */
export interface TableSpec<T> {
  table: string;
  columns: readonly Column[];
  /** Extra columns for searching (lookup, notebooks), written but never read back into rows. */
  extra?: ReadonlyArray<{ name: string; value: (row: T) => string }>;
}

const c = (field: string, kind: Kind = "text"): Column => ({ field, kind });
/** snake_case, quoted: `"agent_sourced_ids"`. */
export const sqlName = (field: string) => `"${field.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`)}"`;

export const ORGS: TableSpec<Org> = {
  table: "orgs",
  columns: [
    c("sourcedId"),
    c("status"),
    c("name"),
    c("type"),
    c("identifier"),
    c("parentSourcedId", "opt"),
    c("extensions", "optjson"),
    c("origin", "origin"),
  ],
};
export const USERS: TableSpec<User> = {
  table: "users",
  columns: [
    c("sourcedId"),
    c("status"),
    c("enabledUser", "bool"),
    c("role"),
    c("roles", "json"),
    c("orgSourcedIds", "json"),
    c("username"),
    c("givenName"),
    c("familyName"),
    c("middleName"),
    c("identifier"),
    c("email"),
    c("agentSourcedIds", "json"),
    c("grades", "json"),
    c("extensions", "optjson"),
    c("origin", "origin"),
  ],
  // What a lookup searches by, normalised as the lookup compares them.
  extra: [
    { name: "email_norm", value: (u) => normalizeEmail(u.email) },
    { name: "name_fold", value: (u) => foldForSearch(`${u.givenName} ${u.familyName}`) },
  ],
};
export const CLASSES: TableSpec<Class> = {
  table: "classes",
  columns: [
    c("sourcedId"),
    c("status"),
    c("title"),
    c("classCode"),
    c("classType"),
    c("courseSourcedId"),
    c("schoolSourcedId"),
    c("termSourcedIds", "json"),
    c("grades", "json"),
    c("extensions", "optjson"),
    c("origin", "origin"),
  ],
};
export const ENROLLMENTS: TableSpec<Enrollment> = {
  table: "enrollments",
  columns: [
    c("sourcedId"),
    c("status"),
    c("classSourcedId"),
    c("schoolSourcedId"),
    c("userSourcedId"),
    c("role"),
    c("primary", "optbool"),
    c("beginDate", "opt"),
    c("endDate", "opt"),
    c("extensions", "optjson"),
    c("origin", "origin"),
  ],
};
export const COURSES: TableSpec<Course> = {
  table: "courses",
  columns: [
    c("sourcedId"),
    c("status"),
    c("title"),
    c("courseCode"),
    c("orgSourcedId"),
    c("schoolYearSourcedId"),
    c("origin", "origin"),
  ],
};
export const SESSIONS: TableSpec<AcademicSession> = {
  table: "academic_sessions",
  columns: [
    c("sourcedId"),
    c("status"),
    c("title"),
    c("type"),
    c("startDate"),
    c("endDate"),
    c("parentSourcedId"),
    c("schoolYear"),
    c("origin", "origin"),
  ],
};
export const ISSUES: TableSpec<SourceIssue> = {
  table: "source_issues",
  columns: [
    c("severity"),
    c("file"),
    c("kind"),
    c("message"),
    c("count", "int"),
    c("lines", "json"),
    c("data", "optjson"),
  ],
};
export const REJECTED: TableSpec<RejectedRow> = {
  table: "source_rejected",
  columns: [c("file"), c("line", "int"), c("sourcedId")],
};

/** The roster's collections and their tables, in the roster's order. */
export const ROSTER_TABLES = {
  orgs: ORGS,
  users: USERS,
  classes: CLASSES,
  enrollments: ENROLLMENTS,
  courses: COURSES,
  academicSessions: SESSIONS,
  issues: ISSUES,
  rejected: REJECTED,
} as const;

export const CAMPUSES: TableSpec<Campus> = {
  table: "platform_campuses",
  columns: [c("id", "int"), c("sourceId", "null"), c("name"), c("deletedAt", "null")],
};
export const STUDENTS: TableSpec<Student> = {
  table: "platform_students",
  columns: [
    c("id", "int"),
    c("campusId", "nullint"),
    c("sourceId", "null"),
    c("studentNumber", "null"),
    c("firstName"),
    c("lastName"),
    c("grade", "null"),
    c("deletedAt", "null"),
  ],
};
export const TEACHERS: TableSpec<Teacher> = {
  table: "platform_teachers",
  columns: [
    c("id", "int"),
    c("campusId", "nullint"),
    c("sourceId", "null"),
    c("email", "null"),
    c("firstName"),
    c("lastName"),
    c("deletedAt", "null"),
  ],
};
export const PARENTS: TableSpec<Parent> = {
  table: "platform_parents",
  columns: [
    c("id", "int"),
    c("sourceId", "null"),
    c("email"),
    c("firstName", "null"),
    c("lastName", "null"),
    c("deletedAt", "null"),
  ],
};
export const PARENT_STUDENTS: TableSpec<ParentStudent> = {
  table: "platform_parent_students",
  columns: [c("parentId", "int"), c("studentId", "int"), c("origin"), c("deletedAt", "null")],
};
export const PLATFORM_CLASSES: TableSpec<PlatformClass> = {
  table: "platform_classes",
  columns: [
    c("id", "int"),
    c("campusId", "nullint"),
    c("sourceId", "null"),
    c("title"),
    c("classCode", "null"),
    c("deletedAt", "null"),
  ],
};
export const PLATFORM_ENROLLMENTS: TableSpec<PlatformEnrollment> = {
  table: "platform_enrollments",
  columns: [
    c("id", "int"),
    c("classId", "int"),
    c("role"),
    c("studentId", "nullint"),
    c("teacherId", "nullint"),
    c("sourceId", "null"),
    c("deletedAt", "null"),
  ],
};
export const ROSTER_SYNCS: TableSpec<RosterSync> = {
  table: "platform_roster_syncs",
  columns: [
    c("id", "int"),
    c("sourceKind"),
    c("startedAt"),
    c("finishedAt", "null"),
    c("status"),
    c("stats", "nulljson"),
    c("error", "null"),
  ],
};

/** The snapshot's collections and their tables. */
export const PLATFORM_TABLES = {
  campuses: CAMPUSES,
  students: STUDENTS,
  teachers: TEACHERS,
  parents: PARENTS,
  parentStudents: PARENT_STUDENTS,
  classes: PLATFORM_CLASSES,
  enrollments: PLATFORM_ENROLLMENTS,
  rosterSyncs: ROSTER_SYNCS,
} as const;

const SQL_TYPE: Record<Kind, string> = {
  text: "VARCHAR",
  opt: "VARCHAR",
  null: "VARCHAR",
  bool: "BOOLEAN",
  optbool: "BOOLEAN",
  int: "BIGINT",
  nullint: "BIGINT",
  json: "VARCHAR",
  optjson: "VARCHAR",
  nulljson: "VARCHAR",
  origin: "",
};

/** The SQL columns of a spec, `seq` first. */
function sqlColumns(spec: TableSpec<unknown>): Array<[string, string]> {
  const out: Array<[string, string]> = [["seq", "BIGINT"]];
  for (const col of spec.columns) {
    if (col.kind === "origin") out.push(['"origin_file"', "VARCHAR"], ['"origin_line"', "INTEGER"]);
    else out.push([sqlName(col.field), SQL_TYPE[col.kind]]);
  }
  for (const e of spec.extra ?? []) out.push([`"${e.name}"`, "VARCHAR"]);
  return out;
}

interface Appender {
  appendVarchar(v: string): void;
  appendNull(): void;
  appendBoolean(v: boolean): void;
  appendBigInt(v: bigint): void;
  appendInteger(v: number): void;
  endRow(): void;
  flushSync(): void;
  closeSync(): void;
}

/**
 * Replaces a table's contents with `rows`. Returns true when every text
 * cell can be read back by the fast path (no NUL character, no cell equal
 * to the NULL sentinel).
 *
 * @example
 * await writeRows(db, USERS, roster.users);
 */
export async function writeRows<T>(db: Database, spec: TableSpec<T>, rows: Rows<T>): Promise<boolean> {
  const columns = sqlColumns(spec as TableSpec<unknown>);
  await db.run(`create or replace table ${spec.table} (${columns.map(([n, t]) => `${n} ${t}`).join(", ")})`);
  const appender = await db.connection.createAppender(spec.table) as unknown as Appender;
  const text = (v: unknown) =>
    v === undefined || v === null ? appender.appendNull() : appender.appendVarchar(String(v));
  const json = (v: unknown) =>
    v === undefined || v === null ? appender.appendNull() : appender.appendVarchar(JSON.stringify(v));
  const writers = spec.columns.map((col): (row: Record<string, unknown>) => void => {
    const f = col.field;
    switch (col.kind) {
      case "text":
      case "opt":
      case "null":
        return (r) => text(r[f]);
      case "bool":
      case "optbool":
        return (r) => typeof r[f] === "boolean" ? appender.appendBoolean(r[f] as boolean) : appender.appendNull();
      case "int":
      case "nullint":
        return (r) => {
          const v = r[f] as number | null | undefined;
          // Most ids fit in 32 bits, and appending them as such spares a BigInt per cell.
          if (v === null || v === undefined) appender.appendNull();
          else if (v >= -2147483648 && v <= 2147483647 && Number.isInteger(v)) appender.appendInteger(v);
          else appender.appendBigInt(BigInt(v));
        };
      case "json":
      case "optjson":
      case "nulljson":
        return (r) => json(r[f]);
      case "origin":
        return (r) => {
          const o = r[f] as { file: string; line: number } | undefined;
          if (!o) {
            appender.appendNull();
            appender.appendNull();
          } else {
            appender.appendVarchar(o.file);
            appender.appendInteger(o.line);
          }
        };
    }
  });
  const extra = spec.extra ?? [];
  try {
    for (let i = 0; i < rows.length; i++) {
      const row = rows.at(i) as Record<string, unknown>;
      appender.appendBigInt(BigInt(i));
      for (const w of writers) w(row);
      for (const e of extra) appender.appendVarchar(e.value(row as T));
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  const texts = columns.filter(([, t]) => t === "VARCHAR").map(([n]) => `contains(${n}, chr(0)) or ${n} = chr(1)`);
  if (!texts.length || !rows.length) return true;
  const [{ n }] = await db.all(`select count(*) as n from ${spec.table} where ${texts.join(" or ")}`);
  return n === 0;
}

/** The NULL sentinel of the fast path. */
const SENTINEL = "\u0001";
const BATCH = 200_000;

/** The SQL expression that turns a column's cell into its fast-path text. */
function cellSql(name: string, kind: Kind): string {
  switch (kind) {
    case "bool":
      return `case when ${name} then '1' else '0' end`;
    case "optbool":
      return `case when ${name} is null then chr(1) when ${name} then '1' else '0' end`;
    case "int":
      return `${name}::varchar`;
    case "nullint":
      return `coalesce(${name}::varchar, chr(1))`;
    default:
      return `coalesce(${name}, chr(1))`;
  }
}

/**
 * The SQL expression of a cell read row by row: a NULL stays NULL (JavaScript's null), so that a cell holding the
 * fast path's sentinel itself (a table the fast path cannot read) reads back as written. Kinds that never test for
 * NULL read as the fast path does.
 */
function plainCellSql(name: string, kind: Kind): string {
  switch (kind) {
    case "optbool":
      return `case when ${name} then '1' when not ${name} then '0' end`;
    case "nullint":
      return `${name}::varchar`;
    case "opt":
    case "null":
    case "optjson":
    case "nulljson":
      return name;
    default:
      return cellSql(name, kind);
  }
}

type Decoder = (row: Record<string, unknown>, cells: Array<string | null>[], i: number) => void;

/** How to select and decode a table's cells: as the fast path gives them (NULL as a sentinel), or row by row. */
function decoders(spec: TableSpec<unknown>, plain: boolean): { exprs: string[]; decode: Decoder[] } {
  const exprs: string[] = [];
  const decode: Decoder[] = [];
  const NULL = plain ? null : SENTINEL;
  const sql = plain ? plainCellSql : cellSql;
  for (const col of spec.columns) {
    const f = col.field;
    const k = exprs.length;
    if (col.kind === "origin") {
      exprs.push(sql('"origin_file"', "opt"), sql('"origin_line"', "nullint"));
      decode.push((row, cells, i) => {
        const file = cells[k][i];
        if (file !== NULL) row[f] = { file, line: Number(cells[k + 1][i]) };
      });
      continue;
    }
    exprs.push(sql(sqlName(f), col.kind));
    switch (col.kind) {
      case "text":
        decode.push((row, cells, i) => {
          row[f] = cells[k][i];
        });
        break;
      case "opt":
        decode.push((row, cells, i) => {
          const v = cells[k][i];
          if (v !== NULL) row[f] = v;
        });
        break;
      case "null":
        decode.push((row, cells, i) => {
          const v = cells[k][i];
          row[f] = v === NULL ? null : v;
        });
        break;
      case "bool":
        decode.push((row, cells, i) => {
          row[f] = cells[k][i] === "1";
        });
        break;
      case "optbool":
        decode.push((row, cells, i) => {
          const v = cells[k][i];
          if (v !== NULL) row[f] = v === "1";
        });
        break;
      case "int":
        decode.push((row, cells, i) => {
          row[f] = Number(cells[k][i]);
        });
        break;
      case "nullint":
        decode.push((row, cells, i) => {
          const v = cells[k][i];
          row[f] = v === NULL ? null : Number(v);
        });
        break;
      case "json":
        decode.push((row, cells, i) => {
          const v = cells[k][i];
          row[f] = v === "[]" ? [] : JSON.parse(v!);
        });
        break;
      case "optjson":
        decode.push((row, cells, i) => {
          const v = cells[k][i];
          if (v !== NULL) row[f] = JSON.parse(v!);
        });
        break;
      case "nulljson":
        decode.push((row, cells, i) => {
          const v = cells[k][i];
          row[f] = v === NULL ? null : JSON.parse(v!);
        });
        break;
    }
  }
  return { exprs, decode };
}

/** Options of {@link readRows}. */
export interface ReadRowsOptions {
  /** A condition on the table's columns (`where` without the keyword); values bind to `$1`… */
  where?: string;
  params?: SqlParam[];
  /** False when {@link writeRows} said the fast path cannot read this table. */
  fast?: boolean;
}

/**
 * Reads a table's rows back, in the order they were written.
 *
 * @example
 * const users = await readRows(db, USERS, { where: `"sourced_id" = any($1::varchar[])`, params: [ids] });
 */
export async function readRows<T>(db: Database, spec: TableSpec<T>, options?: ReadRowsOptions): Promise<T[]>;
export async function readRows<T, S extends RowStore<T>>(
  db: Database,
  spec: TableSpec<T>,
  options: ReadRowsOptions,
  into: S,
): Promise<S>;
export async function readRows<T>(
  db: Database,
  spec: TableSpec<T>,
  options: ReadRowsOptions = {},
  into: RowStore<T> = [],
): Promise<RowStore<T>> {
  const out = into;
  const ways: Partial<Record<"fast" | "plain", ReturnType<typeof decoders>>> = {};
  /** The cells of `from` (a table or a subquery, with any filter) and how to decode them; `plain`: row by row. */
  const read = async (from: string, filter: string, plain = options.fast === false) => {
    const way = plain
      ? (ways.plain ??= decoders(spec as TableSpec<unknown>, true))
      : (ways.fast ??= decoders(spec as TableSpec<unknown>, false));
    const cells = await (plain ? readPlain : readFast)(way.exprs, from, filter);
    return cells && { cells, decode: way.decode, count: cells[0].length };
  };
  /** Decodes what `read` gave into `out`, a row at a time. */
  const add = ({ cells, decode, count }: NonNullable<Awaited<ReturnType<typeof read>>>) => {
    for (let i = 0; i < count; i++) {
      const row: Record<string, unknown> = {};
      for (const d of decode) d(row, cells, i);
      out.push(row as T);
    }
  };
  const readPlain = async (exprs: string[], from: string, filter: string) => {
    const rows = await db.rows(
      `select ${exprs.join(", ")} from ${from}${filter ? ` where ${filter}` : ""} order by seq`,
      options.params,
    ) as Array<string | null>[];
    return rows.length ? exprs.map((_, k) => rows.map((r) => r[k])) : undefined;
  };
  const readFast = async (exprs: string[], from: string, filter: string) => {
    const [row] = await db.rows(
      `select count(*), ${exprs.map((e) => `string_agg(${e}, chr(0) order by seq)`).join(", ")} from ${from}${
        filter ? ` where ${filter}` : ""
      }`,
      options.params,
    ) as [[bigint, ...Array<string | null>]];
    const n = Number(row[0]);
    if (n === 0) return undefined;
    const cells = row.slice(1).map((s) => (s as string).split("\u0000"));
    if (cells.some((col) => col.length !== n)) throw new Error(`${spec.table}: the fast read lost its alignment`);
    return cells;
  };
  const where = options.where ? `(${options.where})` : "";
  // A filtered read that matches few rows (a lookup's family) is one query, not one per batch of the table, and read
  // row by row: aggregating a few rows into strings costs more than it saves (a family's 3 users: 26 ms against 7).
  // Its limit stays large: under a small one DuckDB sorts the table for the top rows instead of reading its index.
  // One that matches more than a batch is read in batches (its first answer, read row by row but not decoded, is then
  // dropped: rare, slow, and correct).
  if (where) {
    const first = await read(`(select * from ${spec.table} where ${where} order by seq limit ${BATCH + 1})`, "", true);
    if (!first) return out;
    if (first.count <= BATCH) {
      add(first);
      return out;
    }
  }
  const [{ lo, hi }] = await db.all(`select min(seq) as lo, max(seq) as hi from ${spec.table}`);
  if (lo === null) return out;
  // A small table is one query too.
  const step = Number(hi) - Number(lo) < BATCH ? Number(hi) - Number(lo) + 1 : BATCH;
  for (let start = Number(lo); start <= Number(hi); start += step) {
    const batch = await read(spec.table, `${where ? `${where} and ` : ""}seq >= ${start} and seq < ${start + step}`);
    if (batch) add(batch);
  }
  return out;
}
