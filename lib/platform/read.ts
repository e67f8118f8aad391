/**
 * Reads one district's snapshot from the platform database: every table
 * streamed with a cursor inside one read-only transaction.
 */
import { PlatformEnrollmentTable } from "../model/platform-enrollment-table.ts";
import type { RowStore } from "../model/rows.ts";
import { type PlatformConnection, readOnly, type ReadOnlyTx } from "./connect.ts";
import { PlatformError } from "./errors.ts";
import {
  campusOf,
  type CampusRow,
  classOf,
  type ClassRow,
  enrollmentOf,
  type EnrollmentRow,
  parentOf,
  type ParentRow,
  parentStudentOf,
  type ParentStudentRow,
  rosterSyncOf,
  type RosterSyncRow,
  studentOf,
  type StudentRow,
  teacherOf,
  type TeacherRow,
} from "./rows.ts";
import type {
  Campus,
  District,
  Parent,
  ParentStudent,
  PlatformClass,
  PlatformEnrollment,
  PlatformSnapshot,
  RosterSync,
  Student,
  Teacher,
} from "../model/snapshot.ts";

/** Progress while reading: rows read so far from one table. */
export interface TableProgress {
  table: string;
  rows: number;
  done: boolean;
}

const BATCH = 10_000;

/**
 * Reads the district whose slug is `customerId` and all its rows.
 *
 * @example
 * const platform = await readSnapshot(conn, "demo-isd");
 * platform.students.length // 1200
 */
export async function readSnapshot(
  conn: PlatformConnection,
  customerId: string,
  options: { onProgress?: (p: TableProgress) => void } = {},
): Promise<PlatformSnapshot> {
  return await readOnly(conn, async (tx) => {
    const district = await findDistrict(tx, customerId, conn);
    const d = district.id;
    const stream = async <R, T, S extends RowStore<T> = T[]>(
      table: string,
      query: PendingCursor,
      map: (row: R) => T,
      out: S = [] as unknown as S,
    ): Promise<S> => {
      for await (const rows of query.cursor(BATCH)) {
        for (const row of rows) out.push(map(row as R));
        options.onProgress?.({ table, rows: out.length, done: false });
      }
      options.onProgress?.({ table, rows: out.length, done: true });
      return out;
    };
    const campuses = await stream<CampusRow, Campus>(
      "campuses",
      tx`select id, source_id, name, deleted_at::text from campuses where district_id = ${d} order by id`,
      campusOf,
    );
    const students = await stream<StudentRow, Student>(
      "students",
      tx`select id, campus_id, source_id, student_number, first_name, last_name, grade, deleted_at::text
         from students where district_id = ${d} order by id`,
      studentOf,
    );
    const teachers = await stream<TeacherRow, Teacher>(
      "teachers",
      tx`select id, campus_id, source_id, email, first_name, last_name, deleted_at::text
         from teachers where district_id = ${d} order by id`,
      teacherOf,
    );
    const parents = await stream<ParentRow, Parent>(
      "parents",
      tx`select id, source_id, email, first_name, last_name, deleted_at::text from parents where district_id = ${d} order by id`,
      parentOf,
    );
    const parentStudents = await stream<ParentStudentRow, ParentStudent>(
      "parent_students",
      tx`select ps.parent_id, ps.student_id, ps.origin, ps.deleted_at::text
         from parent_students ps join parents p on p.id = ps.parent_id
         where p.district_id = ${d} order by ps.parent_id, ps.student_id`,
      parentStudentOf,
    );
    const classes = await stream<ClassRow, PlatformClass>(
      "classes",
      tx`select id, campus_id, source_id, title, class_code, deleted_at::text from classes where district_id = ${d} order by id`,
      classOf,
    );
    const enrollments = await stream<EnrollmentRow, PlatformEnrollment, PlatformEnrollmentTable>(
      "enrollments",
      tx`select e.id, e.class_id, e.role, e.student_id, e.teacher_id, e.source_id, e.deleted_at::text
         from enrollments e join classes c on c.id = e.class_id where c.district_id = ${d} order by e.id`,
      enrollmentOf,
      // As many as the roster's: kept as columns, not as an object each.
      new PlatformEnrollmentTable(),
    );
    const rosterSyncs = await stream<RosterSyncRow, RosterSync>(
      "roster_syncs",
      tx`select id, source_kind, started_at::text, finished_at::text, status, stats, error
         from roster_syncs where district_id = ${d} order by started_at`,
      rosterSyncOf,
    );
    return { district, campuses, students, teachers, parents, parentStudents, classes, enrollments, rosterSyncs };
  });
}

/**
 * Finds a district by slug, or explains which districts exist.
 *
 * @example
 * const district = await readOnly(conn, (tx) => findDistrict(tx, "demo-isd", conn));
 */
export async function findDistrict(tx: ReadOnlyTx, slug: string, conn: PlatformConnection): Promise<District> {
  const rows = await tx<
    { id: string; slug: string; name: string }[]
  >`select id, slug, name from districts where slug = ${slug}`;
  if (rows.length === 0) {
    const [{ n }] = await tx<{ n: number }[]>`select count(*)::int as n from districts`;
    throw new PlatformError(
      `the ${conn.environment} platform database (${conn.server}) has no district with slug "${slug}" (it holds ${n} district${
        n === 1 ? "" : "s"
      }); ` +
        `check customer_id in the settings and --env`,
      { config: true },
    );
  }
  return { id: Number(rows[0].id), slug: rows[0].slug, name: rows[0].name };
}

// postgres.js's pending query, as far as this module needs it.
interface PendingCursor {
  cursor(rows: number): AsyncIterable<readonly unknown[]>;
}
