/**
 * The platform's view of one district: the rows of `schema.sql` that the
 * diagnostics compare with a roster, read in one read-only transaction.
 */
import type { Rows } from "./rows.ts";
import { z } from "zod";

const id = z.number().int();
const nullableText = z.string().nullable();
/** `deleted_at` as text, or null while the row is active. */
const deletedAt = z.string().nullable();

export const District = z.object({ id, slug: z.string(), name: z.string() });
export type District = z.infer<typeof District>;

export const Campus = z.object({ id, sourceId: nullableText, name: z.string(), deletedAt });
export type Campus = z.infer<typeof Campus>;

export const Student = z.object({
  id,
  campusId: id.nullable(),
  sourceId: nullableText,
  studentNumber: nullableText,
  firstName: z.string(),
  lastName: z.string(),
  grade: nullableText,
  deletedAt,
});
export type Student = z.infer<typeof Student>;

export const Teacher = z.object({
  id,
  campusId: id.nullable(),
  sourceId: nullableText,
  email: nullableText,
  firstName: z.string(),
  lastName: z.string(),
  deletedAt,
});
export type Teacher = z.infer<typeof Teacher>;

export const Parent = z.object({
  id,
  sourceId: nullableText,
  email: z.string(),
  firstName: nullableText,
  lastName: nullableText,
  deletedAt,
});
export type Parent = z.infer<typeof Parent>;

export const ParentStudent = z.object({
  parentId: id,
  studentId: id,
  origin: z.enum(["roster", "invite", "support"]),
  deletedAt,
});
export type ParentStudent = z.infer<typeof ParentStudent>;

export const PlatformClass = z.object({
  id,
  campusId: id.nullable(),
  sourceId: nullableText,
  title: z.string(),
  classCode: nullableText,
  deletedAt,
});
export type PlatformClass = z.infer<typeof PlatformClass>;

export const PlatformEnrollment = z.object({
  id,
  classId: id,
  role: z.enum(["student", "teacher"]),
  studentId: id.nullable(),
  teacherId: id.nullable(),
  sourceId: nullableText,
  deletedAt,
});
export type PlatformEnrollment = z.infer<typeof PlatformEnrollment>;

export const RosterSync = z.object({
  id,
  sourceKind: z.string(),
  startedAt: z.string(),
  finishedAt: nullableText,
  status: z.enum(["running", "succeeded", "partial", "failed"]),
  stats: z.record(z.string(), z.unknown()).nullable(),
  error: nullableText,
});
export type RosterSync = z.infer<typeof RosterSync>;

/** Everything the diagnostics read about one district. */
export interface PlatformSnapshot {
  district: District;
  campuses: Campus[];
  /** As columns when read from the platform (platform-tables.ts: `StudentTable` and the like); arrays when built by hand. */
  students: Rows<Student>;
  teachers: Rows<Teacher>;
  parents: Rows<Parent>;
  parentStudents: Rows<ParentStudent>;
  classes: Rows<PlatformClass>;
  /** As many as the roster's: as columns when read from the platform ({@link PlatformEnrollmentTable}), an array when built by hand. */
  enrollments: Rows<PlatformEnrollment>;
  rosterSyncs: RosterSync[];
}

/** A snapshot built in memory (the demo district's, a test's): its large tables arrays, to push to and filter. */
export interface BuiltSnapshot extends PlatformSnapshot {
  students: Student[];
  teachers: Teacher[];
  parents: Parent[];
  parentStudents: ParentStudent[];
  classes: PlatformClass[];
  enrollments: PlatformEnrollment[];
}

/**
 * An empty snapshot of one district, for building one by hand in tests.
 *
 * @example
 * const platform = { ...emptySnapshot(), campuses: [campus] };
 */
export function emptySnapshot(district: District = { id: 1, slug: "test-isd", name: "Test ISD" }): BuiltSnapshot {
  return {
    district,
    campuses: [],
    students: [],
    teachers: [],
    parents: [],
    parentStudents: [],
    classes: [],
    enrollments: [],
    rosterSyncs: [],
  };
}

/** True while a platform row is not soft-deleted. */
export function isActiveInPlatform(row: { deletedAt: string | null }): boolean {
  return row.deletedAt === null;
}
