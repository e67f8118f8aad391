/**
 * Writes a platform snapshot into a scratch database: the embedded demo and
 * the tests' databases. Never pointed at staging or production: the tools
 * only read those, through read-only transactions.
 */
import type { Sql } from "./connect.ts";
import type { PlatformSnapshot } from "../model/snapshot.ts";

/** The project's copy of shared/platform/schema.sql. */
export const SCHEMA_URL = new URL("./schema.sql", import.meta.url);

/**
 * Creates the platform tables in an empty database.
 *
 * @example
 * await createSchema(scratchSql);
 */
export async function createSchema(sql: Sql): Promise<void> {
  await sql.unsafe(await Deno.readTextFile(SCHEMA_URL));
}

const STAMP = "2026-08-15 08:00:00+00";
/** Rows per insert statement, kept under PostgreSQL's 65,535 parameters. */
const ROWS_PER_INSERT = 5000;

/**
 * Inserts every row of a snapshot (district included) into a database that
 * has the schema.
 *
 * @example
 * await writeSnapshot(scratchSql, generateDistrict().platform);
 */
export async function writeSnapshot(
  sql: Sql,
  s: PlatformSnapshot,
  onProgress?: (table: string, rows: number) => void,
): Promise<void> {
  const d = s.district.id;
  const insert = async (table: string, rows: Record<string, unknown>[]) => {
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      const chunk = rows.slice(i, i + ROWS_PER_INSERT);
      // deno-lint-ignore no-explicit-any
      await sql`insert into ${sql(table)} ${sql(chunk as any)}`;
    }
    onProgress?.(table, rows.length);
  };
  await insert("districts", [{ id: d, slug: s.district.slug, name: s.district.name }]);
  await insert(
    "campuses",
    s.campuses.map((c) => ({ id: c.id, district_id: d, source_id: c.sourceId, name: c.name, deleted_at: c.deletedAt })),
  );
  await insert(
    "students",
    s.students.map((r) => ({
      id: r.id,
      district_id: d,
      campus_id: r.campusId,
      source_id: r.sourceId,
      student_number: r.studentNumber,
      first_name: r.firstName,
      last_name: r.lastName,
      grade: r.grade,
      deleted_at: r.deletedAt,
      updated_at: STAMP,
    })),
  );
  await insert(
    "teachers",
    s.teachers.map((r) => ({
      id: r.id,
      district_id: d,
      campus_id: r.campusId,
      source_id: r.sourceId,
      email: r.email,
      first_name: r.firstName,
      last_name: r.lastName,
      deleted_at: r.deletedAt,
      updated_at: STAMP,
    })),
  );
  await insert(
    "parents",
    s.parents.map((r) => ({
      id: r.id,
      district_id: d,
      source_id: r.sourceId,
      email: r.email,
      first_name: r.firstName,
      last_name: r.lastName,
      deleted_at: r.deletedAt,
      updated_at: STAMP,
    })),
  );
  await insert(
    "parent_students",
    s.parentStudents.map((r) => ({
      parent_id: r.parentId,
      student_id: r.studentId,
      origin: r.origin,
      created_at: STAMP,
      deleted_at: r.deletedAt,
    })),
  );
  await insert(
    "classes",
    s.classes.map((r) => ({
      id: r.id,
      district_id: d,
      campus_id: r.campusId,
      source_id: r.sourceId,
      title: r.title,
      class_code: r.classCode,
      deleted_at: r.deletedAt,
      updated_at: STAMP,
    })),
  );
  await insert(
    "enrollments",
    Array.from(s.enrollments, (r) => ({
      id: r.id,
      class_id: r.classId,
      role: r.role,
      student_id: r.studentId,
      teacher_id: r.teacherId,
      source_id: r.sourceId,
      deleted_at: r.deletedAt,
      updated_at: STAMP,
    })),
  );
  await insert(
    "roster_syncs",
    s.rosterSyncs.map((r) => ({
      id: r.id,
      district_id: d,
      source_kind: r.sourceKind,
      started_at: r.startedAt,
      finished_at: r.finishedAt,
      status: r.status,
      stats: r.stats === null ? null : sql.json(r.stats as never),
      error: r.error,
    })),
  );
}
