/**
 * Reads one district's snapshot from the platform database inside one
 * read-only transaction: the small tables streamed with a cursor, the big
 * ones (students, teachers, parents and their links, classes, enrollments)
 * as `COPY … TO STDOUT` text (copy-text.ts).
 */
import { PlatformEnrollmentTable } from "../model/platform-enrollment-table.ts";
import {
  ParentStudentTable,
  ParentTable,
  PlatformClassTable,
  StudentTable,
  TeacherTable,
} from "../model/platform-tables.ts";
import { type PlatformConnection, readOnly, type ReadOnlyTx } from "./connect.ts";
import { PlatformError } from "./errors.ts";
import {
  addEnrollmentFrom,
  campusOf,
  type CampusRow,
  classFrom,
  parentFrom,
  parentStudentFrom,
  rosterSyncOf,
  type RosterSyncRow,
  studentFrom,
  teacherFrom,
} from "./rows.ts";
import { type CopyFields, readCopyText } from "./copy-text.ts";
import { textSharer } from "../sources/detach.ts";
import type { Campus, District, PlatformSnapshot, RosterSync } from "../model/snapshot.ts";

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
    const stream = async <R, T>(table: string, query: PendingCursor, map: (row: R) => T): Promise<T[]> => {
      const out: T[] = [];
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
    // The big tables as COPY text (copy-text.ts): the district id is the server's own integer, written into the
    // statement because COPY takes no parameters.
    const district_ = districtLiteral(d);
    const copy = async (table: string, select: string, each: (f: CopyFields) => void): Promise<void> => {
      const readable = await tx.unsafe(`copy (${select}) to stdout`).readable();
      let rows = 0;
      await readCopyText(readable, (f) => {
        each(f);
        if (++rows % BATCH === 0) options.onProgress?.({ table, rows, done: false });
      });
      options.onProgress?.({ table, rows, done: true });
    };
    // People's names repeat (a few thousand distinct in a million): one string each for this read.
    const names = textSharer();
    // The people and their links as columns (platform-tables.ts), as the enrollments below.
    const students = new StudentTable();
    await copy(
      "students",
      `select id, campus_id, source_id, student_number, first_name, last_name, grade, deleted_at::text
       from students where district_id = ${district_} order by id`,
      (f) => students.push(studentFrom(f, names)),
    );
    const teachers = new TeacherTable();
    await copy(
      "teachers",
      `select id, campus_id, source_id, email, first_name, last_name, deleted_at::text
       from teachers where district_id = ${district_} order by id`,
      (f) => teachers.push(teacherFrom(f, names)),
    );
    const parents = new ParentTable();
    await copy(
      "parents",
      `select id, source_id, email, first_name, last_name, deleted_at::text from parents
       where district_id = ${district_} order by id`,
      (f) => parents.push(parentFrom(f, names)),
    );
    const parentStudents = new ParentStudentTable();
    await copy(
      "parent_students",
      `select ps.parent_id, ps.student_id, ps.origin, ps.deleted_at::text
       from parent_students ps join parents p on p.id = ps.parent_id
       where p.district_id = ${district_} order by ps.parent_id, ps.student_id`,
      (f) => parentStudents.push(parentStudentFrom(f)),
    );
    const classes = new PlatformClassTable();
    await copy(
      "classes",
      `select id, campus_id, source_id, title, class_code, deleted_at::text from classes
       where district_id = ${district_} order by id`,
      (f) => classes.push(classFrom(f)),
    );
    // As many as the roster's: kept as columns, not as an object each.
    const enrollments = new PlatformEnrollmentTable();
    await copy(
      "enrollments",
      `select e.id, e.class_id, e.role, e.student_id, e.teacher_id, e.source_id, e.deleted_at::text
       from enrollments e join classes c on c.id = e.class_id where c.district_id = ${district_} order by e.id`,
      (f) => addEnrollmentFrom(f, enrollments),
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

/** A district id written into a statement: only ever an integer the server gave. */
function districtLiteral(id: number): string {
  if (!Number.isSafeInteger(id)) throw new Error(`district id ${id} is not an integer`);
  return String(id);
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
