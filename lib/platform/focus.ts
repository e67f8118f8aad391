/**
 * A focused read of the platform: only the rows one lookup needs (a person,
 * their twins by student number, their classes, their parents' accounts and
 * those accounts' other children), by indexed queries in one read-only
 * transaction. Seconds on a district of any size.
 */
import { type PlatformConnection, readOnly, type ReadOnlyTx } from "./connect.ts";
import { findDistrict } from "./read.ts";
import { foldForSearch, SQL_FOLD } from "../normalize.ts";
import type {
  Parent,
  ParentStudent,
  PlatformClass,
  PlatformEnrollment,
  PlatformSnapshot,
  Student,
  Teacher,
} from "../model/snapshot.ts";
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
  studentOf,
  type StudentRow,
  teacherOf,
  type TeacherRow,
} from "./rows.ts";

/** What to start from; every list may be empty. Emails compare lower-cased and trimmed. */
export interface PlatformFocus {
  studentSourceIds?: string[];
  studentNumbers?: string[];
  studentIds?: number[];
  /** Matches "first last" case-insensitively as a substring. */
  studentName?: string;
  teacherSourceIds?: string[];
  teacherEmails?: string[];
  parentSourceIds?: string[];
  parentEmails?: string[];
  classSourceIds?: string[];
  classIds?: number[];
  classCodes?: string[];
}

/**
 * A focused read scans its few unindexed columns without parallel workers (for this transaction only). A worker is a
 * new server process, and a new process first maps every page of the table it scans: at 200,000 students a scan took
 * 38-45 ms with two workers against 16 ms on the connection's own warm process. Nor does a support tool's lookup take
 * workers from the platform's shared pool.
 */
export const SERIAL_SCANS = "set local max_parallel_workers_per_gather = 0";

const lower = (xs: string[] | undefined) => (xs ?? []).map((x) => x.trim().toLowerCase()).filter(Boolean);

/**
 * Reads the focused slice of one district. `asked` may be a promise: the
 * transaction opens, and reads the district and its campuses, while the
 * caller works out what to ask.
 *
 * @example
 * const slice = await readFocusedSnapshot(conn, "demo-isd", { studentNumbers: ["100042"] });
 */
export async function readFocusedSnapshot(
  conn: PlatformConnection,
  customerId: string,
  asked: PlatformFocus | PromiseLike<PlatformFocus>,
): Promise<PlatformSnapshot> {
  return await readOnly(conn, async (tx) => {
    await tx.unsafe(SERIAL_SCANS);
    const district = await findDistrict(tx, customerId, conn);
    const d = district.id;
    const students = new Map<number, Student>();
    const teachers = new Map<number, Teacher>();
    const classes = new Map<number, PlatformClass>();
    const parents = new Map<number, Parent>();
    const enrollments = new Map<number, PlatformEnrollment>();
    const links = new Map<string, ParentStudent>();

    const campuses = (await tx<CampusRow[]>`
      select id, source_id, name, deleted_at::text from campuses where district_id = ${d} order by id`).map(campusOf);
    // What to read may still be worked out (a lookup reads its roster side meanwhile): the connection, the district
    // and its campuses are ready by then. A focus that fails ends the transaction.
    const focus = await asked;

    // Accent- and case-insensitive, LIKE's own wildcards taken literally.
    const studentName = focus.studentName === undefined
      ? null
      : foldForSearch(focus.studentName).replace(/[\\%_]/g, (c) => `\\${c}`);
    const addStudents = (rows: StudentRow[]) => rows.forEach((r) => students.set(Number(r.id), studentOf(r)));
    // Students by id through the index. Student numbers have no index: when numbers are asked, one scan answers them
    // as asked and trimmed of spaces as PostgreSQL's trim() does (as twins compare), together with the twins of the
    // students found by id, whose numbers an indexed subquery gives once, so that those need no second scan. trim()
    // is asked only of the rare number that starts or ends with a space: any other equals its trim. Each condition a
    // scan tests costs on every row (the ids beside the numbers took it from 25 to 45 ms at 200,000), so the ids are
    // asked apart, in the same statement (`union all`: one round trip to a distant server). Without numbers, the twins
    // are read below.
    const spaceTrim = (n: string) => n.replace(/^ +| +$/g, "");
    const spaceTrimmed = [...new Set((focus.studentNumbers ?? []).map(spaceTrim).filter(Boolean))];
    const studentById = anyOf(tx, [[tx`source_id`, focus.studentSourceIds], [tx`id`, focus.studentIds]]);
    /** Numbers (trimmed) whose every twin is read already. */
    const covered = new Set(spaceTrimmed);
    if (focus.studentNumbers?.length) {
      // The numbers to compare, as one array made once (an array built in the condition is built again on each row).
      const trimmed = studentById
        ? tx`array(select unnest(${spaceTrimmed}::text[]) union all select trim(student_number) from students
            where district_id = ${d} and ${studentById} and trim(student_number) <> '')`
        : tx`${spaceTrimmed}::text[]`;
      const rows = await tx<Array<StudentRow & { by_id: boolean }>>`
        select ${STUDENT_COLUMNS(tx)}, true as by_id from students where district_id = ${d} and ${
        studentById ?? tx`false`
      }
        union all
        select ${STUDENT_COLUMNS(tx)}, false from students
        where district_id = ${d} and (student_number = any(array(select unnest(${focus.studentNumbers}::text[])
            union all select unnest(${trimmed})))
          or ((student_number like ' %' or student_number like '% ') and trim(student_number) = any(${trimmed})))`;
      const found = rows.filter((r) => r.by_id);
      addStudents(found);
      // Twins are those whose number, trimmed of spaces, is a found student's number trimmed as JavaScript trims (as
      // the lookup compares them); a number with other white space at its ends keeps its own query below.
      const asked = new Set(spaceTrimmed);
      const twinNumbers = new Set<string>();
      for (const r of found) {
        const n = (r.student_number ?? "").trim();
        if (!n) continue;
        twinNumbers.add(n);
        if (n === spaceTrim(r.student_number!)) covered.add(n);
      }
      const numbers = new Set(focus.studentNumbers);
      addStudents(rows.filter((r) => {
        const trimmed = spaceTrim(r.student_number ?? "");
        return !r.by_id && (numbers.has(r.student_number!) || asked.has(trimmed) || twinNumbers.has(trimmed));
      }));
    } else if (studentById) {
      addStudents(
        await tx<StudentRow[]>`select ${STUDENT_COLUMNS(tx)} from students where district_id = ${d} and ${studentById}`,
      );
    }
    if (studentName !== null) {
      addStudents(
        await tx<StudentRow[]>`
        select ${STUDENT_COLUMNS(tx)} from students
        where district_id = ${d}
          and translate(lower(first_name || ' ' || last_name), ${SQL_FOLD.from}, ${SQL_FOLD.to}) like '%' || ${studentName}::text || '%'
        limit 200`,
      );
    }
    // Twins of the students found by id alone or by name, and by numbers the first scan did not cover.
    const numbers = [
      ...new Set(
        [...students.values()].map((s) => s.studentNumber?.trim()).filter((n): n is string => !!n && !covered.has(n)),
      ),
    ];
    if (numbers.length) {
      addStudents(
        await tx<StudentRow[]>`
        select ${
          STUDENT_COLUMNS(tx)
        } from students where district_id = ${d} and trim(student_number) = any(${numbers})`,
      );
    }

    const teacherWhere = anyOf(tx, [
      [tx`source_id`, focus.teacherSourceIds],
      [tx`lower(trim(email))`, lower(focus.teacherEmails)],
    ]);
    if (teacherWhere) {
      (await tx<TeacherRow[]>`
        select id, campus_id, source_id, email, first_name, last_name, deleted_at::text from teachers
        where district_id = ${d} and ${teacherWhere}`)
        .forEach((r) => teachers.set(Number(r.id), teacherOf(r)));
    }

    const addClasses = (rows: ClassRow[]) => rows.forEach((r) => classes.set(Number(r.id), classOf(r)));
    const classWhere = anyOf(tx, [
      [tx`source_id`, focus.classSourceIds],
      [tx`id`, focus.classIds],
      [tx`class_code`, focus.classCodes],
    ]);
    if (classWhere) {
      addClasses(
        await tx<ClassRow[]>`
        select id, campus_id, source_id, title, class_code, deleted_at::text from classes
        where district_id = ${d} and ${classWhere}`,
      );
    }
    const focusClassIds = [...classes.keys()];

    // One query per indexed column (an OR across them makes PostgreSQL scan every enrollment: 64 ms at 1.9 M);
    // teacher_id has no index in the platform's schema, so it is asked only when there are teachers.
    const enrollmentsWhere = async (column: "student_id" | "teacher_id" | "class_id", ids: number[]) => {
      if (ids.length === 0) return;
      (await tx<EnrollmentRow[]>`
        select e.id, e.class_id, e.role, e.student_id, e.teacher_id, e.source_id, e.deleted_at::text
        from enrollments e join classes c on c.id = e.class_id
        where c.district_id = ${d} and ${tx(`e.${column}`)} = any(${ids})`).forEach((r) =>
        enrollments.set(Number(r.id), enrollmentOf(r))
      );
    };
    await enrollmentsWhere("student_id", [...students.keys()]);
    await enrollmentsWhere("teacher_id", [...teachers.keys()]);
    await enrollmentsWhere("class_id", focusClassIds);
    const missing = <T>(ids: Iterable<number | null>, have: Map<number, T>) => [
      ...new Set([...ids].filter((i): i is number => i !== null && !have.has(i))),
    ];
    const classIds = missing([...enrollments.values()].map((e) => e.classId), classes);
    if (classIds.length) {
      addClasses(
        await tx<ClassRow[]>`
        select id, campus_id, source_id, title, class_code, deleted_at::text from classes where id = any(${classIds})`,
      );
    }
    const memberStudents = missing([...enrollments.values()].map((e) => e.studentId), students);
    if (memberStudents.length) {
      addStudents(
        await tx<StudentRow[]>`select ${STUDENT_COLUMNS(tx)} from students where id = any(${memberStudents})`,
      );
    }
    const memberTeachers = missing([...enrollments.values()].map((e) => e.teacherId), teachers);
    if (memberTeachers.length) {
      (await tx<TeacherRow[]>`
        select id, campus_id, source_id, email, first_name, last_name, deleted_at::text from teachers where id = any(${memberTeachers})`)
        .forEach((r) => teachers.set(Number(r.id), teacherOf(r)));
    }

    // Parents: by focus, and every account linked to a focused student; then all their links.
    const linkedParentIds = students.size
      ? (await tx<{ parent_id: string }[]>`
      select distinct parent_id from parent_students where student_id = any(${[...students.keys()]})`).map((r) =>
        Number(r.parent_id)
      )
      : [];
    // Emails compare trimmed and lower-cased, which no index answers; but an active parent's email without
    // surrounding spaces is found by the platform's index on lower(email), so the scan need only look at the rest.
    const emails = lower(focus.parentEmails);
    const oddEmail = emails.length
      ? tx`((deleted_at is not null or email like ' %' or email like '% ') and lower(trim(email)) = any(${emails}))` as Fragment
      : undefined;
    const addParents = (rows: ParentRow[]) => rows.forEach((r) => parents.set(Number(r.id), parentOf(r)));
    // The linked accounts by id through the index, apart from the scan (which would test the ids on every row), in
    // one statement.
    const scanned = either(tx, [anyOf(tx, [[tx`source_id`, focus.parentSourceIds]]), oddEmail]);
    const parentQuery = unionAll(tx, [
      linkedParentIds.length
        ? tx`select ${PARENT_COLUMNS(tx)} from parents where district_id = ${d} and id = any(${linkedParentIds})`
        : undefined,
      scanned && tx`select ${PARENT_COLUMNS(tx)} from parents where district_id = ${d} and ${scanned}`,
    ]);
    if (parentQuery) addParents(await tx<ParentRow[]>`${parentQuery}`);
    if (emails.length) {
      addParents(
        await tx<ParentRow[]>`
        select ${PARENT_COLUMNS(tx)} from parents
        where district_id = ${d} and lower(email) = any(${emails}) and deleted_at is null`,
      );
    }
    if (parents.size) {
      (await tx<ParentStudentRow[]>`
      select parent_id, student_id, origin, deleted_at::text from parent_students where parent_id = any(${[
        ...parents.keys(),
      ]})`)
        .forEach((r) => links.set(`${r.parent_id}:${r.student_id}`, parentStudentOf(r)));
    }
    const siblings = missing([...links.values()].map((l) => l.studentId), students);
    if (siblings.length) {
      addStudents(await tx<StudentRow[]>`select ${STUDENT_COLUMNS(tx)} from students where id = any(${siblings})`);
    }

    const byId = <T extends { id: number }>(m: Map<number, T>) => [...m.values()].sort((a, b) => a.id - b.id);
    return {
      district,
      campuses,
      students: byId(students),
      teachers: byId(teachers),
      parents: byId(parents),
      parentStudents: [...links.values()],
      classes: byId(classes),
      enrollments: byId(enrollments),
      rosterSyncs: [],
    };
  });
}

/**
 * `(a = any($1) or b = any($2) …)` over the columns that have values, or
 * undefined when none has: a condition on an empty list would still make
 * PostgreSQL evaluate it on every row (an expression such as
 * `lower(trim(email))` has no index), and an unused one can keep it from
 * using the index of another.
 */
type Fragment = ReturnType<ReadOnlyTx>;
function anyOf(
  tx: ReadOnlyTx,
  branches: ReadonlyArray<readonly [Fragment, ReadonlyArray<string | number> | undefined]>,
): Fragment | undefined {
  return either(
    tx,
    branches.map(([column, values]) =>
      values?.length ? tx`${column} = any(${values as (string | number)[]})` as Fragment : undefined
    ),
  );
}

/** `(a or b …)` of the conditions given, or undefined when none is. */
function either(tx: ReadOnlyTx, conditions: ReadonlyArray<Fragment | undefined>): Fragment | undefined {
  const given = conditions.filter((c) => c !== undefined);
  if (!given.length) return undefined;
  return tx`(${given.reduce((a, b) => tx`${a} or ${b}` as Fragment)})` as Fragment;
}

/** `a union all b …` of the queries given, or undefined when none is. */
function unionAll(tx: ReadOnlyTx, queries: ReadonlyArray<Fragment | undefined>): Fragment | undefined {
  const given = queries.filter((q) => q !== undefined);
  return given.length ? given.reduce((a, b) => tx`${a} union all ${b}` as Fragment) : undefined;
}

const STUDENT_COLUMNS = (tx: ReadOnlyTx) =>
  tx`id, campus_id, source_id, student_number, first_name, last_name, grade, deleted_at::text`;

const PARENT_COLUMNS = (tx: ReadOnlyTx) => tx`id, source_id, email, first_name, last_name, deleted_at::text`;
