/**
 * Platform rows as postgres.js returns them, and their mapping to the
 * snapshot types: shared by the full read (read.ts) and the focused read
 * (focus.ts).
 */
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
import type { CopyFields } from "./copy-text.ts";
import type { PlatformEnrollmentTable } from "../model/platform-enrollment-table.ts";
import { detach } from "../sources/detach.ts";

const num = (v: string | number) => Number(v);
const numOrNull = (v: string | number | null) => (v === null ? null : Number(v));

/** bigint ids arrive as text from postgres.js; platform ids fit in a double. */
type Id = string;
export interface CampusRow {
  id: Id;
  source_id: string | null;
  name: string;
  deleted_at: string | null;
}
export interface StudentRow {
  id: Id;
  campus_id: Id | null;
  source_id: string | null;
  student_number: string | null;
  first_name: string;
  last_name: string;
  grade: string | null;
  deleted_at: string | null;
}
export interface TeacherRow {
  id: Id;
  campus_id: Id | null;
  source_id: string | null;
  email: string | null;
  first_name: string;
  last_name: string;
  deleted_at: string | null;
}
export interface ParentRow {
  id: Id;
  source_id: string | null;
  email: string;
  first_name: string | null;
  last_name: string | null;
  deleted_at: string | null;
}
export interface ParentStudentRow {
  parent_id: Id;
  student_id: Id;
  origin: "roster" | "invite" | "support";
  deleted_at: string | null;
}
export interface ClassRow {
  id: Id;
  campus_id: Id | null;
  source_id: string | null;
  title: string;
  class_code: string | null;
  deleted_at: string | null;
}
export interface EnrollmentRow {
  id: Id;
  class_id: Id;
  role: "student" | "teacher";
  student_id: Id | null;
  teacher_id: Id | null;
  source_id: string | null;
  deleted_at: string | null;
}

// Values repeated on many rows (a role, a grade, a link's origin) share one string, not one per row.
const sharedValues = new Map<string, string>();
function shared<T extends string>(value: T): T {
  const had = sharedValues.get(value) as T | undefined;
  if (had !== undefined) return had;
  if (sharedValues.size < 1_000) sharedValues.set(value, value);
  return value;
}

export const studentOf = (r: StudentRow): Student => ({
  id: num(r.id),
  campusId: numOrNull(r.campus_id),
  sourceId: r.source_id,
  studentNumber: r.student_number,
  firstName: r.first_name,
  lastName: r.last_name,
  grade: r.grade === null ? null : shared(r.grade),
  deletedAt: r.deleted_at,
});
export const teacherOf = (r: TeacherRow): Teacher => ({
  id: num(r.id),
  campusId: numOrNull(r.campus_id),
  sourceId: r.source_id,
  email: r.email,
  firstName: r.first_name,
  lastName: r.last_name,
  deletedAt: r.deleted_at,
});
export const parentOf = (r: ParentRow): Parent => ({
  id: num(r.id),
  sourceId: r.source_id,
  email: r.email,
  firstName: r.first_name,
  lastName: r.last_name,
  deletedAt: r.deleted_at,
});
export const parentStudentOf = (r: ParentStudentRow): ParentStudent => ({
  parentId: num(r.parent_id),
  studentId: num(r.student_id),
  origin: shared(r.origin),
  deletedAt: r.deleted_at,
});
export const classOf = (r: ClassRow): PlatformClass => ({
  id: num(r.id),
  campusId: numOrNull(r.campus_id),
  sourceId: r.source_id,
  title: r.title,
  classCode: r.class_code,
  deletedAt: r.deleted_at,
});
export const enrollmentOf = (r: EnrollmentRow): PlatformEnrollment => ({
  id: num(r.id),
  classId: num(r.class_id),
  role: r.role === "student" ? "student" : r.role === "teacher" ? "teacher" : r.role,
  studentId: numOrNull(r.student_id),
  teacherId: numOrNull(r.teacher_id),
  sourceId: r.source_id,
  deletedAt: r.deleted_at,
});

export interface RosterSyncRow {
  id: Id;
  source_kind: string;
  started_at: string;
  finished_at: string | null;
  status: "running" | "succeeded" | "partial" | "failed";
  stats: Record<string, unknown> | null;
  error: string | null;
}

/** Maps a campus row. */
export const campusOf = (r: CampusRow): Campus => ({
  id: num(r.id),
  sourceId: r.source_id,
  name: r.name,
  deletedAt: r.deleted_at,
});

/** Maps a roster_syncs row. */
export const rosterSyncOf = (r: RosterSyncRow): RosterSync => ({
  id: num(r.id),
  sourceKind: r.source_kind,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  status: r.status,
  stats: r.stats,
  error: r.error,
});

// The same rows from COPY text (copy-text.ts), fields in the order of read.ts's select lists. A kept string is
// detached: cut from a decoded chunk, it would otherwise hold the whole chunk.
const text = (f: CopyFields, keep: (s: string) => string = detach): string | null => {
  const v = f.text();
  return v === null ? null : keep(v);
};
const required = (f: CopyFields): string => text(f) ?? "";
const sharedText = (f: CopyFields): string | null => {
  const v = text(f);
  return v === null ? null : shared(v);
};
const id = (f: CopyFields): number => f.int() ?? NaN;

/** A students row from COPY text; `names` shares names alike (a textSharer of detach.ts for the read). */
export const studentFrom = (f: CopyFields, names: (s: string) => string = detach): Student => ({
  id: id(f),
  campusId: f.int(),
  sourceId: text(f),
  studentNumber: text(f),
  firstName: text(f, names) ?? "",
  lastName: text(f, names) ?? "",
  grade: sharedText(f),
  deletedAt: text(f),
});
/** A teachers row from COPY text; `names` as for {@link studentFrom}. */
export const teacherFrom = (f: CopyFields, names: (s: string) => string = detach): Teacher => ({
  id: id(f),
  campusId: f.int(),
  sourceId: text(f),
  email: text(f),
  firstName: text(f, names) ?? "",
  lastName: text(f, names) ?? "",
  deletedAt: text(f),
});
/** A parents row from COPY text; `names` as for {@link studentFrom}. */
export const parentFrom = (f: CopyFields, names: (s: string) => string = detach): Parent => ({
  id: id(f),
  sourceId: text(f),
  email: required(f),
  firstName: text(f, names),
  lastName: text(f, names),
  deletedAt: text(f),
});
/** A parent_students row from COPY text. */
export const parentStudentFrom = (f: CopyFields): ParentStudent => ({
  parentId: id(f),
  studentId: id(f),
  origin: shared(required(f) as ParentStudent["origin"]),
  deletedAt: text(f),
});
/** A classes row from COPY text. */
export const classFrom = (f: CopyFields): PlatformClass => ({
  id: id(f),
  campusId: f.int(),
  sourceId: text(f),
  title: required(f),
  classCode: text(f),
  deletedAt: text(f),
});
/** An enrollments row from COPY text, into the table's columns (no object made). */
export const addEnrollmentFrom = (f: CopyFields, table: PlatformEnrollmentTable): void =>
  table.add(id(f), id(f), required(f), f.int(), f.int(), text(f), text(f));
