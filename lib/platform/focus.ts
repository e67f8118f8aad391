/**
 * A focused read of the platform: only the rows one lookup needs (a person,
 * their twins by student number, their classes, their parents' accounts and
 * those accounts' other children), by indexed queries in one read-only
 * transaction. Seconds on a district of any size.
 */
import { type PlatformConnection, readOnly, type ReadOnlyTx } from "./connect.ts";
import { findDistrict } from "./read.ts";
import type {
  Campus,
  Parent,
  ParentStudent,
  PlatformClass,
  PlatformEnrollment,
  PlatformSnapshot,
  Student,
  Teacher,
} from "./snapshot.ts";

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

const num = (v: string | number) => Number(v);
const numOrNull = (v: string | number | null) => (v === null ? null : Number(v));
const lower = (xs: string[] | undefined) => (xs ?? []).map((x) => x.trim().toLowerCase()).filter(Boolean);

/**
 * Reads the focused slice of one district.
 *
 * @example
 * const slice = await readFocusedSnapshot(conn, "demo-isd", { studentNumbers: ["100042"] });
 */
export async function readFocusedSnapshot(
  conn: PlatformConnection,
  customerId: string,
  focus: PlatformFocus,
): Promise<PlatformSnapshot> {
  return await readOnly(conn, async (tx) => {
    const district = await findDistrict(tx, customerId, conn);
    const d = district.id;
    const students = new Map<number, Student>();
    const teachers = new Map<number, Teacher>();
    const classes = new Map<number, PlatformClass>();
    const parents = new Map<number, Parent>();
    const enrollments = new Map<number, PlatformEnrollment>();
    const links = new Map<string, ParentStudent>();

    const campuses = (await tx<CampusRow[]>`
      select id, source_id, name, deleted_at::text from campuses where district_id = ${d} order by id`).map((
      r,
    ): Campus => ({
      id: num(r.id),
      sourceId: r.source_id,
      name: r.name,
      deletedAt: r.deleted_at,
    }));

    const addStudents = (rows: StudentRow[]) => rows.forEach((r) => students.set(num(r.id), student(r)));
    addStudents(
      await tx<StudentRow[]>`
      select ${STUDENT_COLUMNS(tx)} from students
      where district_id = ${d} and (source_id = any(${focus.studentSourceIds ?? []}) or student_number = any(${
        focus.studentNumbers ?? []
      })
        or id = any(${focus.studentIds ?? []})
        or (${focus.studentName ?? null}::text is not null and (first_name || ' ' || last_name) ilike '%' || ${
        focus.studentName ?? null
      }::text || '%'))
      limit 200`,
    );
    // Twins: every record sharing a found student's number.
    const numbers = [
      ...new Set([...students.values()].map((s) => s.studentNumber?.trim()).filter((n): n is string => !!n)),
    ];
    if (numbers.length) {
      addStudents(
        await tx<StudentRow[]>`
        select ${
          STUDENT_COLUMNS(tx)
        } from students where district_id = ${d} and trim(student_number) = any(${numbers})`,
      );
    }

    (await tx<TeacherRow[]>`
      select id, campus_id, source_id, email, first_name, last_name, deleted_at::text from teachers
      where district_id = ${d} and (source_id = any(${focus.teacherSourceIds ?? []}) or lower(trim(email)) = any(${
      lower(focus.teacherEmails)
    }))`)
      .forEach((r) => teachers.set(num(r.id), teacher(r)));

    const addClasses = (rows: ClassRow[]) => rows.forEach((r) => classes.set(num(r.id), platformClass(r)));
    addClasses(
      await tx<ClassRow[]>`
      select id, campus_id, source_id, title, class_code, deleted_at::text from classes
      where district_id = ${d} and (source_id = any(${focus.classSourceIds ?? []}) or id = any(${focus.classIds ?? []})
        or class_code = any(${focus.classCodes ?? []}))`,
    );
    const focusClassIds = [...classes.keys()];

    (await tx<EnrollmentRow[]>`
      select e.id, e.class_id, e.role, e.student_id, e.teacher_id, e.source_id, e.deleted_at::text
      from enrollments e join classes c on c.id = e.class_id
      where c.district_id = ${d} and (e.student_id = any(${[...students.keys()]}) or e.teacher_id = any(${[
      ...teachers.keys(),
    ]})
        or e.class_id = any(${focusClassIds}))`).forEach((r) => enrollments.set(num(r.id), enrollment(r)));

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
        .forEach((r) => teachers.set(num(r.id), teacher(r)));
    }

    // Parents: by focus, and every account linked to a focused student; then all their links.
    const linkedParentIds = (await tx<{ parent_id: string }[]>`
      select distinct parent_id from parent_students where student_id = any(${[...students.keys()]})`).map((r) =>
      num(r.parent_id)
    );
    (await tx<ParentRow[]>`
      select id, source_id, email, first_name, last_name, deleted_at::text from parents
      where district_id = ${d} and (id = any(${linkedParentIds}) or source_id = any(${focus.parentSourceIds ?? []})
        or lower(trim(email)) = any(${lower(focus.parentEmails)}))`).forEach((r) => parents.set(num(r.id), parent(r)));
    (await tx<LinkRow[]>`
      select parent_id, student_id, origin, deleted_at::text from parent_students where parent_id = any(${[
      ...parents.keys(),
    ]})`)
      .forEach((r) => links.set(`${r.parent_id}:${r.student_id}`, link(r)));
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

const STUDENT_COLUMNS = (tx: ReadOnlyTx) =>
  tx`id, campus_id, source_id, student_number, first_name, last_name, grade, deleted_at::text`;

type Id = string;
interface CampusRow {
  id: Id;
  source_id: string | null;
  name: string;
  deleted_at: string | null;
}
interface StudentRow {
  id: Id;
  campus_id: Id | null;
  source_id: string | null;
  student_number: string | null;
  first_name: string;
  last_name: string;
  grade: string | null;
  deleted_at: string | null;
}
interface TeacherRow {
  id: Id;
  campus_id: Id | null;
  source_id: string | null;
  email: string | null;
  first_name: string;
  last_name: string;
  deleted_at: string | null;
}
interface ParentRow {
  id: Id;
  source_id: string | null;
  email: string;
  first_name: string | null;
  last_name: string | null;
  deleted_at: string | null;
}
interface LinkRow {
  parent_id: Id;
  student_id: Id;
  origin: "roster" | "invite" | "support";
  deleted_at: string | null;
}
interface ClassRow {
  id: Id;
  campus_id: Id | null;
  source_id: string | null;
  title: string;
  class_code: string | null;
  deleted_at: string | null;
}
interface EnrollmentRow {
  id: Id;
  class_id: Id;
  role: "student" | "teacher";
  student_id: Id | null;
  teacher_id: Id | null;
  source_id: string | null;
  deleted_at: string | null;
}

const student = (r: StudentRow): Student => ({
  id: num(r.id),
  campusId: numOrNull(r.campus_id),
  sourceId: r.source_id,
  studentNumber: r.student_number,
  firstName: r.first_name,
  lastName: r.last_name,
  grade: r.grade,
  deletedAt: r.deleted_at,
});
const teacher = (r: TeacherRow): Teacher => ({
  id: num(r.id),
  campusId: numOrNull(r.campus_id),
  sourceId: r.source_id,
  email: r.email,
  firstName: r.first_name,
  lastName: r.last_name,
  deletedAt: r.deleted_at,
});
const parent = (r: ParentRow): Parent => ({
  id: num(r.id),
  sourceId: r.source_id,
  email: r.email,
  firstName: r.first_name,
  lastName: r.last_name,
  deletedAt: r.deleted_at,
});
const link = (r: LinkRow): ParentStudent => ({
  parentId: num(r.parent_id),
  studentId: num(r.student_id),
  origin: r.origin,
  deletedAt: r.deleted_at,
});
const platformClass = (r: ClassRow): PlatformClass => ({
  id: num(r.id),
  campusId: numOrNull(r.campus_id),
  sourceId: r.source_id,
  title: r.title,
  classCode: r.class_code,
  deletedAt: r.deleted_at,
});
const enrollment = (r: EnrollmentRow): PlatformEnrollment => ({
  id: num(r.id),
  classId: num(r.class_id),
  role: r.role,
  studentId: numOrNull(r.student_id),
  teacherId: numOrNull(r.teacher_id),
  sourceId: r.source_id,
  deletedAt: r.deleted_at,
});
