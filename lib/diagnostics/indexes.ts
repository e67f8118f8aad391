/**
 * Lookup tables over a roster and a platform snapshot, built once per
 * object and shared by every diagnostic that runs on them.
 */
import { type Class, type Enrollment, isActiveInSource, type Org, type Roster, type User } from "../model/roster.ts";
import type {
  Campus,
  Parent,
  PlatformClass,
  PlatformEnrollment,
  PlatformSnapshot,
  Student,
  Teacher,
} from "../model/snapshot.ts";

/** The key of an enrollment: class, user and role. */
export function enrollmentKey(classSourcedId: string, userSourcedId: string, role: string): string {
  return `${classSourcedId}\u0000${userSourcedId}\u0000${role}`;
}

/**
 * Enrollments by class, user and role, without a key string per enrollment:
 * a map per role and class of the user ids (strings the rows already hold).
 * At a million enrollments per side this saves a string and its hashing
 * per row, the largest share of the comparison's time and memory.
 *
 * @example
 * const index = new EnrollmentIndex<Enrollment>();
 * index.add("cls-1", "stu-1", "student", enrollment); // kept: the first row of a key
 * index.has("cls-1", "stu-1", "student") // true
 */
export class EnrollmentIndex<V> {
  readonly #byRole = new Map<string, Map<string, Map<string, V>>>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(classSourcedId: string, userSourcedId: string, role: string): V | undefined {
    return this.#byRole.get(role)?.get(classSourcedId)?.get(userSourcedId);
  }

  has(classSourcedId: string, userSourcedId: string, role: string): boolean {
    return this.#byRole.get(role)?.get(classSourcedId)?.has(userSourcedId) ?? false;
  }

  /** Sets the value unless the key has one; returns the value the key holds. */
  add(classSourcedId: string, userSourcedId: string, role: string, value: V): V {
    let byClass = this.#byRole.get(role);
    if (!byClass) this.#byRole.set(role, byClass = new Map());
    let users = byClass.get(classSourcedId);
    if (!users) byClass.set(classSourcedId, users = new Map());
    const had = users.get(userSourcedId);
    if (had !== undefined) return had;
    users.set(userSourcedId, value);
    this.#size++;
    return value;
  }

  /** Every entry as [classSourcedId, userSourcedId, role, value]. */
  *entries(): Generator<[string, string, string, V]> {
    for (const [role, byClass] of this.#byRole) {
      for (const [cls, users] of byClass) for (const [user, value] of users) yield [cls, user, role, value];
    }
  }
}

/** Lookups over a roster. */
export interface SourceIndex {
  orgs: Map<string, Org>;
  users: Map<string, User>;
  classes: Map<string, Class>;
  /** Active student and teacher enrollments by class, user and role (the first row of each). */
  activeEnrollments: EnrollmentIndex<Enrollment>;
  /** Ids of rows the reader rejected: never called absent. */
  rejected: Set<string>;
}

/** Lookups over a platform snapshot. */
export interface PlatformIndex {
  campusById: Map<number, Campus>;
  campusBySource: Map<string, Campus>;
  studentById: Map<number, Student>;
  studentBySource: Map<string, Student>;
  teacherById: Map<number, Teacher>;
  teacherBySource: Map<string, Teacher>;
  classById: Map<number, PlatformClass>;
  classBySource: Map<string, PlatformClass>;
  parentById: Map<number, Parent>;
  /**
   * Active enrollments (row, class and person all active, class and person
   * rostered) by class and person source id and role, in id order.
   */
  activeEnrollments: EnrollmentIndex<PlatformEnrollment[]>;
}

/** Indexes a roster (once per run: see {@link DiagnosticContext}). */
export function indexSource(roster: Roster): SourceIndex {
  const index: SourceIndex = {
    orgs: firstBy(roster.orgs, (o) => o.sourcedId),
    users: firstBy(roster.users, (u) => u.sourcedId),
    classes: firstBy(roster.classes, (c) => c.sourcedId),
    activeEnrollments: new EnrollmentIndex(),
    rejected: new Set(roster.rejected.map((r) => r.sourcedId)),
  };
  for (const e of roster.enrollments) {
    if ((e.role === "student" || e.role === "teacher") && isActiveInSource(e)) {
      index.activeEnrollments.add(e.classSourcedId, e.userSourcedId, e.role, e);
    }
  }
  return index;
}

/** Indexes a platform snapshot (once per run: see {@link DiagnosticContext}). */
export function indexPlatform(platform: PlatformSnapshot): PlatformIndex {
  const index: PlatformIndex = {
    campusById: byId(platform.campuses),
    campusBySource: bySource(platform.campuses),
    studentById: byId(platform.students),
    studentBySource: bySource(platform.students),
    teacherById: byId(platform.teachers),
    teacherBySource: bySource(platform.teachers),
    classById: byId(platform.classes),
    classBySource: bySource(platform.classes),
    parentById: byId(platform.parents),
    activeEnrollments: new EnrollmentIndex(),
  };
  for (const e of platform.enrollments) {
    const key = activeKeyOf(e, index);
    if (key === undefined) continue;
    const list = index.activeEnrollments.add(key[0], key[1], e.role, [e]);
    if (list[0] !== e) list.push(e);
  }
  return index;
}

/**
 * The key of a platform enrollment when it, its class and its person are all
 * active and rostered; undefined otherwise.
 */
export function platformEnrollmentKey(e: PlatformEnrollment, index: PlatformIndex): string | undefined {
  const key = activeKeyOf(e, index);
  return key && enrollmentKey(key[0], key[1], e.role);
}

/** The class and person source ids of an active, rostered platform enrollment (see {@link platformEnrollmentKey}). */
function activeKeyOf(e: PlatformEnrollment, index: PlatformIndex): [string, string] | undefined {
  if (e.deletedAt !== null) return undefined;
  const cls = index.classById.get(e.classId);
  if (!cls || cls.deletedAt !== null || cls.sourceId === null) return undefined;
  const person = e.role === "student"
    ? e.studentId === null ? undefined : index.studentById.get(e.studentId)
    : e.teacherId === null
    ? undefined
    : index.teacherById.get(e.teacherId);
  if (!person || person.deletedAt !== null || person.sourceId === null) return undefined;
  return [cls.sourceId, person.sourceId];
}

function firstBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T> {
  const map = new Map<string, T>();
  for (const row of rows) {
    const k = key(row);
    if (!map.has(k)) map.set(k, row);
  }
  return map;
}

function byId<T extends { id: number }>(rows: readonly T[]): Map<number, T> {
  const map = new Map<number, T>();
  for (const row of rows) map.set(row.id, row);
  return map;
}

/** By source id, preferring the active row when a soft-deleted twin shares it. */
function bySource<T extends { sourceId: string | null; deletedAt: string | null }>(rows: readonly T[]): Map<string, T> {
  const map = new Map<string, T>();
  for (const row of rows) {
    if (row.sourceId === null) continue;
    const had = map.get(row.sourceId);
    if (!had || (had.deletedAt !== null && row.deletedAt === null)) map.set(row.sourceId, row);
  }
  return map;
}
