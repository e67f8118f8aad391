/**
 * Lookup tables over a roster and a platform snapshot, built once per
 * object and shared by every diagnostic that runs on them.
 */
import { type Class, type Enrollment, isActiveInSource, type Org, type Roster, type User } from "../model/roster.ts";
import { IdTable, type NumberedIds, numberedIds } from "../id-table.ts";
import { release } from "../release.ts";
import { denseSize, IntList, NumberMap } from "../int-list.ts";
import { EnrollmentTable } from "../model/enrollment-table.ts";
import { UserTable } from "../model/user-table.ts";
import { readerOf } from "../model/platform-tables.ts";
import { PlatformEnrollmentTable } from "../model/platform-enrollment-table.ts";
import type { Rows } from "../model/rows.ts";
import type {
  Campus,
  Parent,
  PlatformClass,
  PlatformEnrollment,
  PlatformSnapshot,
  Student,
  Teacher,
} from "../model/snapshot.ts";

/** Dense numbers for source ids, one per distinct id, with the way back. */
export class IdNumbers {
  readonly #table = new IdTable();

  /** The ids, by number. */
  get ids(): readonly string[] {
    return this.#table.ids;
  }

  /** The id's number, given one if it has none. */
  number(id: string): number {
    return this.#table.add(id);
  }

  /** The id's number, or undefined when it has none. */
  peek(id: string): number | undefined {
    const n = this.#table.indexOf(id);
    return n === -1 ? undefined : n;
  }
}

/** The numbers of the class and person ids that both sides' enrollment indexes share, so their keys compare. */
export interface EnrollmentIds {
  classes: IdNumbers;
  users: IdNumbers;
}

/** A fresh pair of id numberings (see {@link EnrollmentIds}). */
export function enrollmentIds(): EnrollmentIds {
  return { classes: new IdNumbers(), users: new IdNumbers() };
}

const USER_SPAN = 2 ** 26;
const ROLES = ["student", "teacher"] as const;

/**
 * Enrollments by class, user and role, packed: a key is one number (class,
 * role and user numbered, see {@link IdNumbers}), kept as its group (class
 * and role: where the group's keys begin) and its user's number, sorted, and
 * the rows the keys stand for in one Int32Array: 8 bytes an enrollment
 * instead of three levels of Maps (about 85 bytes). Only student and teacher
 * enrollments are indexed. Built once from all rows; entries come in key
 * order.
 *
 * @example
 * const index = EnrollmentIndex.build(ids, enrollments, (e) => [e.classSourcedId, e.userSourcedId, e.role]);
 * index.has("cls-1", "stu-1", "student") // true
 * index.get("cls-1", "stu-1", "student") // the first row of that key
 */
export class EnrollmentIndex<V> {
  readonly #ids: EnrollmentIds;
  readonly #rows: Rows<V>;
  /**
   * The distinct keys' users, in key order: key k is (its group) × USER_SPAN
   * + #users[k]. Half the bytes of the keys themselves as 64-bit numbers (75
   * MB less for both sides at 1,000,000 students).
   */
  readonly #users: Int32Array;
  /** The first row of each key. */
  readonly #first: Int32Array;
  /** Further rows of a key, by key position (rare: the platform's duplicates). */
  readonly #more = new Map<number, number[]>();

  /**
   * Where each class-and-role's keys begin among the sorted keys (the part of
   * a key above the user's number): group g's keys are at #groups[g] ..
   * #groups[g + 1]. A key is searched among its class's few dozen keys rather
   * than all of them: at 9.4 million keys a search over the whole array misses
   * the cache at nearly every step.
   */
  readonly #groups: Int32Array;

  private constructor(ids: EnrollmentIds, rows: Rows<V>, users: Int32Array, first: Int32Array, groups: Int32Array) {
    this.#ids = ids;
    this.#rows = rows;
    this.#users = users;
    this.#first = first;
    this.#groups = groups;
  }

  /**
   * Indexes `rows` by `keyOf` (undefined leaves a row out; a role other than
   * student or teacher too), keeping every row of a key in row order.
   */
  static build<V>(
    ids: EnrollmentIds,
    rows: Rows<V>,
    keyOf: (row: V) => readonly [classSourcedId: string, userSourcedId: string, role: string] | undefined,
  ): EnrollmentIndex<V> {
    // A row's class is most often the previous row's (rows come class by class): its number is kept, not hashed again.
    let lastClass: string | undefined;
    let lastClassNumber = -1;
    return EnrollmentIndex.buildPacked(ids, rows, (row) => {
      const k = keyOf(row);
      if (k === undefined) return undefined;
      const role = k[2] === "student" ? 0 : k[2] === "teacher" ? 1 : -1;
      if (role === -1) return undefined;
      if (k[0] !== lastClass) {
        lastClass = k[0];
        lastClassNumber = ids.classes.number(k[0]);
      }
      return packKey(lastClassNumber, role, ids.users.number(k[1]));
    });
  }

  /**
   * Indexes `rows` by a key the caller packs with {@link enrollmentKey} from
   * numbers of `ids` (undefined leaves a row out), for a caller that can
   * number a row's class and person once for many rows.
   */
  static buildPacked<V>(
    ids: EnrollmentIds,
    rows: Rows<V>,
    packedOf: (row: V) => number | undefined,
  ): EnrollmentIndex<V> {
    return EnrollmentIndex.buildPackedAt(ids, rows, (i) => packedOf(rows.at(i)!));
  }

  /**
   * As {@link buildPacked}, given the row's number rather than the row: for
   * a caller that reads a table's columns without making each row again.
   */
  static buildPackedAt<V>(
    ids: EnrollmentIds,
    rows: Rows<V>,
    packedAt: (i: number) => number | undefined,
  ): EnrollmentIndex<V> {
    const rowKeys = new Float64Array(rows.length);
    // Rows by group (a key's class and role: the part above the user's number), counted first, then each group's
    // rows sorted by key: a class's few dozen rows sorted alone, where sorting ten million keys and searching each
    // row's among them cost seconds at 1,000,000 students.
    let groupCount = 0;
    const group = new Int32Array(rows.length).fill(-1);
    for (let i = 0; i < rows.length; i++) {
      const k = packedAt(i);
      if (k === undefined) continue;
      rowKeys[i] = k;
      const g = Math.floor(k / USER_SPAN);
      group[i] = g;
      if (g >= groupCount) groupCount = g + 1;
    }
    const start = new Int32Array(groupCount + 1);
    for (let i = 0; i < group.length; i++) if (group[i] !== -1) start[group[i] + 1]++;
    for (let g = 0; g < groupCount; g++) start[g + 1] += start[g];
    const order = new Int32Array(start[groupCount]);
    const cursor = start.slice(0, groupCount);
    for (let i = 0; i < group.length; i++) if (group[i] !== -1) order[cursor[group[i]]++] = i;
    // Each group's rows by key, rows of one key in row order (the order they were counted in: the sort is stable).
    for (let g = 0; g < groupCount; g++) sortByKey(order, start[g], start[g + 1], rowKeys);
    let distinct = 0;
    for (let at = 0; at < order.length; at++) {
      if (at === 0 || rowKeys[order[at]] !== rowKeys[order[at - 1]]) distinct++;
    }
    const users = new Int32Array(distinct);
    const first = new Int32Array(distinct);
    // Where each group's keys begin: counted by group, then summed.
    const groups = new Int32Array(groupCount + 1);
    const more = new Map<number, number[]>();
    let d = -1;
    for (let at = 0; at < order.length; at++) {
      const i = order[at];
      if (at === 0 || rowKeys[i] !== rowKeys[order[at - 1]]) {
        const k = rowKeys[i];
        users[++d] = k % USER_SPAN;
        groups[Math.floor(k / USER_SPAN) + 1]++;
        first[d] = i;
      } else {
        const list = more.get(d);
        if (list) list.push(i);
        else more.set(d, [i]);
      }
    }
    // Tens of megabytes at 1,000,000 students, given back now rather than at the next collection.
    release(rowKeys, group, start, order, cursor);
    for (let g = 1; g < groups.length; g++) groups[g] += groups[g - 1];
    const index = new EnrollmentIndex(ids, rows, users, first, groups);
    for (const [at, list] of more) index.#more.set(at, list);
    return index;
  }

  /** Distinct keys. */
  get size(): number {
    return this.#users.length;
  }

  /** The first row of the key. */
  get(classSourcedId: string, userSourcedId: string, role: string): V | undefined {
    const at = this.#find(classSourcedId, userSourcedId, role);
    return at === -1 ? undefined : this.#rows.at(this.#first[at])!;
  }

  /** Every row of the key, in row order (empty when none). */
  all(classSourcedId: string, userSourcedId: string, role: string): V[] {
    const at = this.#find(classSourcedId, userSourcedId, role);
    return at === -1 ? [] : this.#rowsAt(at);
  }

  has(classSourcedId: string, userSourcedId: string, role: string): boolean {
    return this.#find(classSourcedId, userSourcedId, role) !== -1;
  }

  /** Every key as [classSourcedId, userSourcedId, role, its rows in row order], in key order. */
  *entries(): Generator<[string, string, string, V[]]> {
    const groups = this.#groups;
    for (let g = 0; g + 1 < groups.length; g++) {
      for (let at = groups[g]; at < groups[g + 1]; at++) yield this.#entryAt(at, g);
    }
  }

  /**
   * The entries (as {@link entries} gives them, in key order) whose key
   * `other` does not have: each class-and-role group's sorted users merged
   * with the other side's, no id looked up. Both indexes must number ids
   * with the same {@link EnrollmentIds}.
   *
   * @example
   * for (const [cls, user, role, rows] of source.activeEnrollments.notIn(plat.activeEnrollments)) { … }
   */
  *notIn<W>(other: EnrollmentIndex<W>): Generator<[string, string, string, V[]]> {
    if (other.#ids !== this.#ids) throw new Error("enrollment indexes of different id numberings cannot be compared");
    const mine = this.#users;
    const theirs = other.#users;
    const groups = this.#groups;
    const theirGroups = other.#groups;
    // Group by group (class and role), the users of each merged: the keys in key order, as one merge of the keys.
    for (let g = 0; g + 1 < groups.length; g++) {
      let j = g + 1 < theirGroups.length ? theirGroups[g] : 0;
      const end = g + 1 < theirGroups.length ? theirGroups[g + 1] : 0;
      for (let at = groups[g]; at < groups[g + 1]; at++) {
        const user = mine[at];
        while (j < end && theirs[j] < user) j++;
        if (j < end && theirs[j] === user) continue;
        yield this.#entryAt(at, g);
      }
    }
  }

  /** The entry at key position `at`, of group `group`. */
  #entryAt(at: number, group: number): [string, string, string, V[]] {
    return [
      this.#ids.classes.ids[Math.floor(group / 2)],
      this.#ids.users.ids[this.#users[at]],
      ROLES[group % 2],
      this.#rowsAt(at),
    ];
  }

  #rowsAt(at: number): V[] {
    const first = this.#rows.at(this.#first[at])!;
    const more = this.#more.get(at);
    return more ? [first, ...more.map((i) => this.#rows.at(i)!)] : [first];
  }

  #find(classSourcedId: string, userSourcedId: string, role: string): number {
    const r = role === "student" ? 0 : role === "teacher" ? 1 : -1;
    if (r === -1) return -1;
    const c = this.#ids.classes.peek(classSourcedId);
    const u = c === undefined ? undefined : this.#ids.users.peek(userSourcedId);
    return u === undefined ? -1 : this.#position(packKey(c!, r, u));
  }

  /** The key's position in the sorted keys, or -1. */
  #position(key: number): number {
    const users = this.#users;
    const group = Math.floor(key / USER_SPAN);
    const user = key % USER_SPAN;
    if (group + 1 >= this.#groups.length) return -1;
    let lo = this.#groups[group];
    let hi = this.#groups[group + 1] - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const u = users[mid];
      if (u < user) lo = mid + 1;
      else if (u > user) hi = mid - 1;
      else return mid;
    }
    return -1;
  }
}

/** Groups longer than this are sorted by a comparison sort; shorter ones (a class's students) by insertion. */
const INSERTION_SORT_MAX = 48;

/**
 * Sorts `order[from..to)` (row numbers) by `keys[row]`, stably: rows of one
 * key keep their order.
 */
function sortByKey(order: Int32Array, from: number, to: number, keys: Float64Array): void {
  if (to - from > INSERTION_SORT_MAX) {
    const part = Array.from(order.subarray(from, to));
    part.sort((a, b) => keys[a] - keys[b] || a - b);
    order.set(part, from);
    return;
  }
  for (let at = from + 1; at < to; at++) {
    const row = order[at];
    const key = keys[row];
    let j = at - 1;
    while (j >= from && keys[order[j]] > key) {
      order[j + 1] = order[j];
      j--;
    }
    order[j + 1] = row;
  }
}

/**
 * The packed key of a student or teacher enrollment, from its class's and
 * person's numbers in one {@link EnrollmentIds}.
 *
 * @example
 * enrollmentKey(ids.classes.number("cls-1"), "student", ids.users.number("stu-1"))
 */
export function enrollmentKey(cls: number, role: "student" | "teacher", user: number): number {
  return packKey(cls, role === "student" ? 0 : 1, user);
}

/** One number for (class, role, user); exact below 2^53 (67 million users, 67 million classes). */
function packKey(cls: number, role: number, user: number): number {
  if (user >= USER_SPAN || cls >= USER_SPAN) throw new RangeError("more than 67,108,864 distinct classes or users");
  return (cls * 2 + role) * USER_SPAN + user;
}

/** Lookups over a roster. */
export interface SourceIndex {
  /** The first row of each sourcedId (numbered in file order: see {@link Keyed}). */
  orgs: KeyedRows<Org>;
  users: KeyedRows<User>;
  classes: KeyedRows<Class>;
  /** Active student and teacher enrollments by class, user and role (use `get` for the first row of a key). */
  readonly activeEnrollments: EnrollmentIndex<Enrollment>;
  /** Lets go of `activeEnrollments` (built again if asked for again): see {@link DiagnosticContext}. */
  releaseEnrollments(): void;
  /** Ids of rows the reader rejected: never called absent. */
  rejected: Set<string>;
}

/** Lookups over a platform snapshot. */
export interface PlatformIndex {
  campusById: ById<Campus>;
  campusBySource: Keyed<Campus>;
  studentById: ById<Student>;
  studentBySource: KeyedRows<Student>;
  teacherById: ById<Teacher>;
  teacherBySource: KeyedRows<Teacher>;
  classById: ById<PlatformClass>;
  classBySource: Keyed<PlatformClass>;
  parentById: ById<Parent>;
  /**
   * Active enrollments (row, class and person all active, class and person
   * rostered) by class and person source id and role, in id order.
   */
  readonly activeEnrollments: EnrollmentIndex<PlatformEnrollment>;
  /** Lets go of `activeEnrollments` (built again if asked for again): see {@link DiagnosticContext}. */
  releaseEnrollments(): void;
}

/** Indexes a roster (once per run: see {@link DiagnosticContext}); `ids` are shared with the platform's index. */
export function indexSource(roster: Roster, ids: EnrollmentIds = enrollmentIds()): SourceIndex {
  let active: EnrollmentIndex<Enrollment> | undefined;
  return {
    orgs: bySourcedId(roster.orgs),
    users: bySourcedId(roster.users),
    classes: bySourcedId(roster.classes),
    // Built on first use: roster-check never asks for it (9.4 M keys to sort at 1,000,000 students).
    get activeEnrollments() {
      return active ??= roster.enrollments instanceof EnrollmentTable
        ? activeFromTable(ids, roster.enrollments)
        : EnrollmentIndex.build(
          ids,
          roster.enrollments,
          (e) => isActiveInSource(e) ? [e.classSourcedId, e.userSourcedId, e.role] : undefined,
        );
    },
    releaseEnrollments() {
      active = undefined;
    },
    rejected: new Set(roster.rejected.map((r) => r.sourcedId)),
  };
}

/**
 * The active student and teacher enrollments of a table, from its columns:
 * the index `build` makes of its rows (the same keys, and ids numbered in
 * the same order), without making each row again or hashing a class or user
 * id more than once.
 */
function activeFromTable(ids: EnrollmentIds, table: EnrollmentTable): EnrollmentIndex<Enrollment> {
  const values = table.values;
  // A table's value and user numbers, numbered in `ids` when first part of an active key (-1: not yet).
  const classes = new Int32Array(values.length).fill(-1);
  const users = new Int32Array(table.userIds.length).fill(-1);
  const roleOf = new Int8Array(values.length).fill(-1);
  roleOf[values.indexOf("student")] = 0;
  roleOf[values.indexOf("teacher")] = 1;
  const active = values.indexOf("active");
  const index = EnrollmentIndex.buildPackedAt(ids, table, (i) => {
    if (table.status.get(i) !== active) return undefined;
    const role = roleOf[table.roles.get(i)];
    if (role === -1) return undefined;
    const c = table.classes.get(i);
    let cls = classes[c];
    if (cls === -1) cls = classes[c] = ids.classes.number(values[c]);
    const u = table.userNumbers.get(i);
    let user = users[u];
    if (user === -1) user = users[u] = ids.users.number(table.userIds[u]);
    return enrollmentKey(cls, role === 0 ? "student" : "teacher", user);
  });
  release(classes, users, roleOf);
  return index;
}

/** Indexes a platform snapshot (once per run: see {@link DiagnosticContext}); `ids` are shared with the roster's index. */
export function indexPlatform(platform: PlatformSnapshot, ids: EnrollmentIds = enrollmentIds()): PlatformIndex {
  const index: Omit<PlatformIndex, "activeEnrollments" | "releaseEnrollments"> = {
    campusById: byId(platform.campuses),
    campusBySource: bySource(platform.campuses),
    studentById: byId(platform.students),
    studentBySource: bySource(platform.students),
    teacherById: byId(platform.teachers),
    teacherBySource: bySource(platform.teachers),
    classById: byId(platform.classes),
    classBySource: bySource(platform.classes),
    parentById: byId(platform.parents),
  };
  // Numbers of a class's and a person's source ids, kept by platform id: each is hashed once, not once per
  // enrollment. Still numbered in enrollment order (an id is numbered the first time a whole key is), as build does.
  // Kept in arrays indexed by platform id when the ids are dense (they are serial numbers): at 1,000,000 students,
  // ten million enrollments asked Maps of a million entries four times each.
  const classes = new KeyParts(index.classById, platform.classes, (id) => ids.classes.number(id));
  const people = {
    student: new KeyParts(index.studentById, platform.students, (id) => ids.users.number(id)),
    teacher: new KeyParts(index.teacherById, platform.teachers, (id) => ids.users.number(id)),
  };
  let active: EnrollmentIndex<PlatformEnrollment> | undefined;
  return {
    ...index,
    // Built on first use, as the roster's is: a diagnostic that asks for both sides' asks the roster's first, and ids
    // numbered from the roster's are its own strings, where the platform's are cut fresh from its columns (60 MB more
    // at 1,000,000 students).
    get activeEnrollments() {
      if (active) return active;
      const table = PlatformEnrollmentTable.of(platform.enrollments);
      return active = EnrollmentIndex.buildPackedAt(ids, table, platformKeyAt(table, classes, people));
    },
    releaseEnrollments() {
      active = undefined;
    },
  };
}

/**
 * The active key of the platform enrollment at row `i` (row, class and
 * person active, class and person rostered), read from the table's columns
 * without making the row (ten million objects at 1,000,000 students).
 */
function platformKeyAt(
  table: PlatformEnrollmentTable,
  classes: KeyParts<PlatformClass>,
  people: { student: KeyParts<Student>; teacher: KeyParts<Teacher> },
): (i: number) => number | undefined {
  const roleOf = new Int8Array(table.values.length).fill(-1);
  for (const [n, role] of table.values.entries()) roleOf[n] = role === "student" ? 0 : role === "teacher" ? 1 : -1;
  const deleted = table.deletedAt;
  return (i) => {
    if (deleted.size !== 0 && deleted.has(i)) return undefined;
    const role = roleOf[table.roles.get(i)];
    if (role === -1) return undefined;
    // NaN stands for null.
    const personId = role === 0 ? table.studentIds.get(i) : table.teacherIds.get(i);
    if (personId !== personId) return undefined;
    const classId = table.classIds.get(i);
    const cls = classes.state(classId);
    if (cls === INVALID) return undefined;
    const side = role === 0 ? people.student : people.teacher;
    const person = side.state(personId);
    if (person === INVALID) return undefined;
    return enrollmentKey(
      classes.number(classId, cls),
      role === 0 ? "student" : "teacher",
      side.number(personId, person),
    );
  };
}

/**
 * Slots 0, 1, 2… for distinct platform ids given in that order, and the way
 * from an id to its slot (-1 for an id not given): an Int32Array indexed by
 * id when the ids are dense non-negative integers (serial numbers, as the
 * platform's are), else a Map. For a lookup asked once per enrollment, where
 * a Map of a million entries, each pointing at an object, costs hashing,
 * cache misses and the collector's time.
 *
 * @example
 * const slotOf = denseSlots([7, 3]);
 * slotOf(3) // 1
 * slotOf(4) // -1
 */
export function denseSlots(ids: readonly number[]): (id: number) => number {
  const slots = NumberMap.over(ids);
  ids.forEach((id, slot) => slots.set(id, slot));
  return (id) => slots.get(id);
}

const UNKNOWN = -3;
const INVALID = -2;
const UNNUMBERED = -1;

/**
 * For the platform's enrollment index: whether a class or person (by
 * platform id) can be part of an active key (present, not deleted,
 * rostered), and its source id's number once it is.
 */
class KeyParts<R extends { deletedAt: string | null; sourceId: string | null }> {
  /** By platform id when the ids are dense non-negative integers: UNKNOWN, INVALID, UNNUMBERED or the number. */
  readonly #dense: Int32Array | undefined;
  readonly #sparse = new Map<number, number>();

  // The rows' fields, read by row (from a table's columns, no row made).
  readonly #deletedAt: (row: number) => string | null;
  readonly #sourceId: (row: number) => string | null;

  /** `byId`: the index of `rows` by platform id (the last row of an id, as byId keeps it). */
  constructor(readonly byId: ById<R>, rows: Rows<R>, readonly numberOf: (sourceId: string) => number) {
    const size = denseSize(byId.keys(), byId.size);
    this.#dense = size === undefined ? undefined : new Int32Array(size).fill(UNKNOWN);
    this.#deletedAt = readerOf(rows, "deletedAt");
    this.#sourceId = readerOf(rows, "sourceId");
  }

  /** INVALID, UNNUMBERED, or the number of the row's source id. */
  state(id: number): number {
    const dense = this.#dense;
    let state = dense && Number.isInteger(id) && id >= 0 && id < dense.length
      ? dense[id]
      : dense
      ? INVALID
      : this.#sparse.get(id) ?? UNKNOWN;
    if (state !== UNKNOWN) return state;
    const row = this.byId.rowOf(id);
    state = row !== -1 && this.#deletedAt(row) === null && this.#sourceId(row) !== null ? UNNUMBERED : INVALID;
    this.#set(id, state);
    return state;
  }

  /** The number of a valid row's source id (`state` is what {@link state} gave). */
  number(id: number, state: number): number {
    if (state !== UNNUMBERED) return state;
    const n = this.numberOf(this.#sourceId(this.byId.rowOf(id))!);
    this.#set(id, n);
    return n;
  }

  #set(id: number, value: number): void {
    if (this.#dense) this.#dense[id] = value;
    else this.#sparse.set(id, value);
  }
}

/** Platform rows by id: what a `Map` of them gives (the last row of an id; ids in the order first seen). */
export interface ById<T> {
  get(id: number): T | undefined;
  /** Where in the rows indexed the id's row is, or -1 (a caller keeping that, not the row, keeps no object). */
  rowOf(id: number): number;
  /** Each id's row, in the order the ids first came. */
  values(): IterableIterator<T>;
  keys(): IterableIterator<number>;
  readonly size: number;
}

/**
 * Rows by id, in an array indexed by id when the ids are dense non-negative
 * integers (serial numbers, as the platform's are), else in a Map: a Map of
 * a million rows took a second to fill at 1,000,000 students, and each of its
 * entries is more for the collector to walk.
 *
 * @example
 * byId([{ id: 2, name: "a" }, { id: 2, name: "b" }]).get(2)?.name // "b"
 */
export function byId<T extends { id: number }>(rows: Rows<T>): ById<T> {
  // Each row's id read without making the row where the rows are columns.
  const idAt = readerOf(rows, "id");
  const ids = new Float64Array(rows.length);
  for (let i = 0; i < ids.length; i++) ids[i] = idAt(i);
  const size = denseSize(ids, rows.length);
  // The row (its index in `rows`) of each id: rows, not the objects, so that a table's rows are made only when asked.
  if (size === undefined) {
    const rowOf = new Map<number, number>();
    for (let i = 0; i < ids.length; i++) rowOf.set(ids[i], i);
    return {
      get: (id) => {
        const row = rowOf.get(id);
        return row === undefined ? undefined : rows.at(row);
      },
      rowOf: (id) => rowOf.get(id) ?? -1,
      *values() {
        for (const row of rowOf.values()) yield rows.at(row)!;
      },
      keys: () => rowOf.keys(),
      size: rowOf.size,
    };
  }
  const rowOf = new Int32Array(size).fill(-1);
  const order: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    // + 0: -0 becomes 0, as a Map keeps it.
    if (rowOf[ids[i]] === -1) order.push(ids[i] + 0);
    rowOf[ids[i]] = i;
  }
  return {
    get: (id) => (Number.isInteger(id) && id >= 0 && id < size && rowOf[id] !== -1 ? rows.at(rowOf[id]) : undefined),
    rowOf: (id) => (Number.isInteger(id) && id >= 0 && id < size ? rowOf[id] : -1),
    *values() {
      for (const id of order) yield rows.at(rowOf[id])!;
    },
    keys: () => order.values(),
    size: order.length,
  };
}

/** {@link Keyed} rows that say where each key's row is among the rows indexed (see {@link keyedBy}). */
export type KeyedRows<T> = Keyed<T> & { rowAt(n: number): number };

/** Rows by a string key, each key numbered 0, 1, 2… in the order the rows first gave it. */
export interface Keyed<T> {
  get(key: string): T | undefined;
  has(key: string): boolean;
  /** The key's number, or -1. */
  numberOf(key: string): number;
  /** The row of the key numbered `n`. */
  at(n: number): T | undefined;
  /** How many keys (the numbers run from 0 to size - 1). */
  readonly size: number;
}

/**
 * Rows by a key (`key` gives null for a row left out): the first row of each
 * key, unless `replaces(had, row)` says a later one takes its place. The keys
 * are numbered in an IdTable and each key's row kept as its place in `rows`:
 * at 1,000,000 students a Map of a million strings took 1.3 s to fill in a
 * heap of gigabytes.
 *
 * @example
 * keyedBy(platform.parents, (p) => p.deletedAt === null ? p.sourceId : null).get("par-000001")?.id
 */
export function keyedBy<T>(
  rows: Rows<T>,
  key: (row: T) => string | null,
  replaces?: (had: T, row: T) => boolean,
): KeyedRows<T> {
  return keyedByRow(
    rows,
    (i) => key(rows.at(i)!),
    replaces && ((had, i) => replaces(rows.at(had)!, rows.at(i)!)),
  );
}

/**
 * As {@link keyedBy}, the key and the rule read by row (`keyAt(i)`, `replacesAt(hadRow, row)`): over a table's
 * columns, no row is made to be indexed.
 *
 * @example
 * const sourceId = readerOf(platform.students, "sourceId");
 * keyedByRow(platform.students, sourceId).get("stu-000001")?.id
 */
export function keyedByRow<T>(
  rows: Rows<T>,
  keyAt: (i: number) => string | null,
  replacesAt?: (had: number, i: number) => boolean,
): KeyedRows<T> {
  // Packed: the keys are most often cut fresh from a table's packed column, and kept as strings they took 60 MB at
  // 1,000,000 students.
  const ids = IdTable.packed(rows.length);
  const rowOf = new IntList(1024);
  for (let i = 0; i < rows.length; i++) {
    const k = keyAt(i);
    if (k === null) continue;
    const known = ids.size;
    const n = ids.add(k);
    if (n === known) rowOf.push(i);
    else if (replacesAt?.(rowOf.at(n), i)) rowOf.view()[n] = i;
  }
  const byNumber = rowOf.view().slice();
  rowOf.free();
  // rowAt: where in `rows` the key numbered n's row is (a caller keeping that, not the row, keeps no object).
  return Object.assign(keyedView(ids, { at: (n: number) => rows.at(byNumber[n]) }), {
    rowAt: (n: number) => byNumber[n],
  });
}

/** The user table each view of {@link usersView} reads. */
const VIEWED = new WeakMap<Keyed<User>, UserTable>();

/**
 * The user table whose rows `keyed` numbers, when it is a view of one (its numbers are then the table's rows, and a
 * caller may read a user's fields from the table's columns instead of making the user).
 *
 * @example
 * tableOf(indexSource(roster).users)?.roleAt(0) // "student", when roster.users is a UserTable
 */
export function tableOf(keyed: Keyed<User>): UserTable | undefined {
  return VIEWED.get(keyed);
}

/**
 * The number in `users` of the user with `sourcedId` when it is active with `role`, else -1: read from the table's
 * columns where `users` views a user table (no user made whole), else from the index's own row.
 *
 * @example
 * activeUser(indexSource(roster).users, "stu-000001", "student") !== -1 // an active source student
 */
export function activeUser(users: Keyed<User>, sourcedId: string, role: string): number {
  const table = tableOf(users);
  if (table) {
    const n = table.indexOf(sourcedId);
    return n !== -1 && table.roleAt(n) === role && table.activeAt(n) ? n : -1;
  }
  const n = users.numberOf(sourcedId);
  const user = n === -1 ? undefined : users.at(n)!;
  return user && user.role === role && isActiveInSource(user) ? n : -1;
}

/**
 * A user table's rows by sourcedId, numbered by row: the table finds its own ids (see {@link UserTable.indexOf}). Its
 * size is the table's rows, one key each as a reader keeps them (a table built by hand with an id twice numbers only
 * the first).
 */
function usersView(users: UserTable): KeyedRows<User> {
  const view: KeyedRows<User> = {
    get(k) {
      const n = users.indexOf(k);
      return n === -1 ? undefined : users.at(n);
    },
    has: (k) => users.indexOf(k) !== -1,
    numberOf: (k) => users.indexOf(k),
    at: (n) => (Number.isInteger(n) && n >= 0 ? users.at(n) : undefined),
    rowAt: (n) => n,
    get size() {
      return users.length;
    },
  };
  VIEWED.set(view, users);
  return view;
}

/** Rows by number, found by key through `ids` (which numbers them). */
function keyedView<T>(ids: NumberedIds, byNumber: { at(n: number): T | undefined }): Keyed<T> {
  return {
    get(k) {
      const n = ids.indexOf(k);
      return n === -1 ? undefined : byNumber.at(n);
    },
    has: (k) => ids.indexOf(k) !== -1,
    numberOf: (k) => ids.indexOf(k),
    at: (n) => (Number.isInteger(n) && n >= 0 && n < ids.size ? byNumber.at(n) : undefined),
    get size() {
      return ids.size;
    },
  };
}

/**
 * A roster's rows by sourcedId, each id once (a reader keeps the first row of an id): by the reader's own table of
 * the ids when it is still theirs (see `numberedIds`), else by {@link keyedBy}. Either answers alike while the rows stay as
 * they were when it was made (both read the rows themselves, by their place): build it once the rows are final, as
 * {@link DiagnosticContext} does.
 *
 * @example
 * bySourcedId(roster.users).get("stu-000001")?.role // "student"
 */
export function bySourcedId<T extends { sourcedId: string }>(rows: Rows<T>): KeyedRows<T> {
  if (rows instanceof UserTable) return usersView(rows) as unknown as KeyedRows<T>;
  if (!Array.isArray(rows)) return keyedBy([...rows], (row) => row.sourcedId);
  const ids = numberedIds(rows);
  // The reader's table numbers the rows themselves: id n is row n.
  return ids === undefined
    ? keyedBy(rows, (row) => row.sourcedId)
    : Object.assign(keyedView(ids, rows), { rowAt: (n: number) => n });
}

/**
 * By source id, preferring the active row when a soft-deleted twin shares it.
 *
 * @example
 * bySource(platform.students).get("stu-000001")?.id
 */
export function bySource<T extends { sourceId: string | null; deletedAt: string | null }>(
  rows: Rows<T>,
): KeyedRows<T> {
  const deletedAt = readerOf(rows, "deletedAt");
  return keyedByRow(rows, readerOf(rows, "sourceId"), (had, i) => deletedAt(had) !== null && deletedAt(i) === null);
}

/**
 * Pairs (group, value) grouped by group number (0 ≤ group < groups), each
 * group's values in the order given: `start` (groups + 1 offsets) and the
 * values, group g's at `values[start[g] .. start[g + 1])`. One array for
 * every group, where a list per group would be an object each.
 *
 * @example
 * const [start, values] = groupBy(2, [1, 0, 1], [7, 8, 9]);
 * [...values.subarray(start[1], start[2])] // [7, 9]
 */
export function groupBy(groups: number, group: ArrayLike<number>, value: ArrayLike<number>): [Int32Array, Int32Array] {
  const start = new Int32Array(groups + 1);
  for (let i = 0; i < group.length; i++) start[group[i] + 1]++;
  for (let g = 0; g < groups; g++) start[g + 1] += start[g];
  const values = new Int32Array(value.length);
  const cursor = start.slice(0, groups);
  for (let i = 0; i < group.length; i++) values[cursor[group[i]]++] = value[i];
  return [start, values];
}
