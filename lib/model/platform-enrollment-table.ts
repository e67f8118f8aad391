/**
 * A platform snapshot's enrollments as columns: as many as the roster's,
 * read for every diagnosis, kept without one JavaScript object per row
 * (about 120 bytes each as objects; the ids here are numbers in typed
 * arrays). A row is an object again only while a caller holds it.
 */
import type { PlatformEnrollment } from "./snapshot.ts";
import { IdTable } from "../id-table.ts";
import { grown, type Rows } from "./rows.ts";

/**
 * Platform enrollments kept as columns. `push` takes a row apart; `at` and
 * iteration give each row back as a fresh object with the fields of
 * {@link PlatformEnrollment}, in its order. A row given back is a copy.
 * The columns are own properties so that two tables compare by their rows;
 * read them through `at` and iteration only.
 *
 * @example
 * const table = new PlatformEnrollmentTable();
 * table.push({ id: 1, classId: 7, role: "student", studentId: 42, teacherId: null, sourceId: "e-1", deletedAt: null });
 * table.at(0)?.studentId // 42
 */
export class PlatformEnrollmentTable implements Rows<PlatformEnrollment> {
  /** Rows held. */
  count = 0;
  ids = new Float64Array(0);
  classIds = new Float64Array(0);
  /** NaN for null. */
  studentIds = new Float64Array(0);
  /** NaN for null. */
  teacherIds = new Float64Array(0);
  /** Numbers of `values`. */
  roles = new Int32Array(0);
  readonly sourceIds: Array<string | null> = [];
  /** The rows soft-deleted, with when (most rows are not). */
  readonly deletedAt = new Map<number, string>();
  /** The roles, numbered in order of first appearance. */
  readonly values: readonly string[];
  readonly #roles = new IdTable(16);

  constructor() {
    this.values = this.#roles.ids;
  }

  /**
   * The table of `rows`.
   *
   * @example
   * PlatformEnrollmentTable.from(snapshot.enrollments).length === snapshot.enrollments.length // true
   */
  static from(rows: Iterable<PlatformEnrollment>): PlatformEnrollmentTable {
    const table = new PlatformEnrollmentTable();
    for (const e of rows) table.push(e);
    return table;
  }

  get length(): number {
    return this.count;
  }

  /** Adds a row (its values are kept, not the object). */
  push(e: PlatformEnrollment): void {
    const i = this.count;
    if (i === this.ids.length) this.#grow(i + 1);
    this.ids[i] = e.id;
    this.classIds[i] = e.classId;
    this.studentIds[i] = e.studentId ?? NaN;
    this.teacherIds[i] = e.teacherId ?? NaN;
    this.roles[i] = this.#roles.add(e.role);
    this.sourceIds.push(e.sourceId);
    if (e.deletedAt !== null) this.deletedAt.set(i, e.deletedAt);
    this.count = i + 1;
  }

  at(index: number): PlatformEnrollment | undefined {
    const i = index < 0 ? index + this.count : index;
    if (!(i >= 0 && i < this.count)) return undefined;
    const student = this.studentIds[i];
    const teacher = this.teacherIds[i];
    return {
      id: this.ids[i],
      classId: this.classIds[i],
      role: this.values[this.roles[i]] as PlatformEnrollment["role"],
      studentId: student === student ? student : null,
      teacherId: teacher === teacher ? teacher : null,
      sourceId: this.sourceIds[i],
      deletedAt: this.deletedAt.get(i) ?? null,
    };
  }

  *[Symbol.iterator](): Iterator<PlatformEnrollment> {
    for (let i = 0; i < this.count; i++) yield this.at(i)!;
  }

  /** The rows as plain objects, for a report or a message to another thread. */
  toJSON(): PlatformEnrollment[] {
    return [...this];
  }

  #grow(n: number): void {
    const f64 = (size: number) => new Float64Array(size);
    this.ids = grown(this.ids, n, f64);
    this.classIds = grown(this.classIds, n, f64);
    this.studentIds = grown(this.studentIds, n, f64);
    this.teacherIds = grown(this.teacherIds, n, f64);
    this.roles = grown(this.roles, n, (size) => new Int32Array(size));
  }
}
