/**
 * A platform snapshot's enrollments as columns: as many as the roster's,
 * read for every diagnosis, kept without one JavaScript object per row
 * (about 120 bytes each as objects; the ids here are numbers in typed
 * arrays). A row is an object again only while a caller holds it.
 */
import type { PlatformEnrollment } from "./snapshot.ts";
import { IdTable } from "../id-table.ts";
import { Column, ColumnTable, IdColumn, TextColumn } from "./rows.ts";

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
export class PlatformEnrollmentTable extends ColumnTable<PlatformEnrollment> {
  readonly ids = new IdColumn();
  readonly classIds = new IdColumn();
  /** NaN for null. */
  readonly studentIds = new IdColumn();
  /** NaN for null. */
  readonly teacherIds = new IdColumn();
  /** Numbers of `values`. */
  readonly roles = new Column(Int32Array);
  readonly sourceIds = new TextColumn();
  /** The rows soft-deleted, with when (most rows are not). */
  readonly deletedAt = new Map<number, string>();
  /** The roles, numbered in order of first appearance. */
  readonly values: readonly string[];
  readonly #roles = new IdTable(16);

  constructor() {
    super();
    this.values = this.#roles.ids;
  }

  /**
   * The table of `rows`.
   *
   * @example
   * PlatformEnrollmentTable.from(snapshot.enrollments).length === snapshot.enrollments.length // true
   */
  static from(rows: Iterable<PlatformEnrollment>): PlatformEnrollmentTable {
    return new PlatformEnrollmentTable().pushAll(rows);
  }

  /**
   * `rows` as a table: the very table when it is one (a platform read keeps
   * them so), else a table of them (a list made by hand or by a test), so
   * that code reading the columns needs no second path for lists.
   *
   * @example
   * PlatformEnrollmentTable.of(snapshot.enrollments).classIds.get(0)
   */
  static of(rows: Iterable<PlatformEnrollment>): PlatformEnrollmentTable {
    return rows instanceof PlatformEnrollmentTable ? rows : PlatformEnrollmentTable.from(rows);
  }

  push(e: PlatformEnrollment): void {
    this.add(e.id, e.classId, e.role, e.studentId, e.teacherId, e.sourceId, e.deletedAt);
  }

  /**
   * Adds a row from its values, without an object (the platform read's COPY path).
   *
   * @example
   * table.add(1, 7, "student", 42, null, "e-1", null);
   */
  add(
    id: number,
    classId: number,
    role: string,
    studentId: number | null,
    teacherId: number | null,
    sourceId: string | null,
    deletedAt: string | null,
  ): void {
    const i = this.count;
    this.ids.set(i, id);
    this.classIds.set(i, classId);
    this.studentIds.set(i, studentId ?? NaN);
    this.teacherIds.set(i, teacherId ?? NaN);
    this.roles.set(i, this.#roles.add(role));
    this.sourceIds.push(sourceId);
    if (deletedAt !== null) this.deletedAt.set(i, deletedAt);
    this.count = i + 1;
  }

  /**
   * Hands the table's contents to `update`, column by column (for a digest:
   * two tables with the same rows give the same parts in the same order).
   *
   * @example
   * const parts: Array<string | Uint8Array> = [];
   * table.feed((p) => parts.push(p));
   */
  feed(update: (part: string | Uint8Array) => void): void {
    update(`columns ${this.count} ${JSON.stringify(this.values)}\n`);
    for (const column of [this.ids, this.classIds, this.studentIds, this.teacherIds, this.roles]) {
      for (const bytes of column.bytes(this.count)) update(bytes);
    }
    let text = "";
    for (let i = 0; i < this.count; i++) {
      const id = this.sourceIds.get(i);
      text += id === null ? "n" : `s${id.length}:${id}`;
      if (text.length >= 1 << 20) {
        update(text);
        text = "";
      }
    }
    update(text);
    for (const [i, at] of this.deletedAt) update(`\n${i} ${at.length}:${at}`);
  }

  protected row(i: number): PlatformEnrollment {
    const student = this.studentIds.get(i);
    const teacher = this.teacherIds.get(i);
    return {
      id: this.ids.get(i),
      classId: this.classIds.get(i),
      role: this.values[this.roles.get(i)] as PlatformEnrollment["role"],
      studentId: student === student ? student : null,
      teacherId: teacher === teacher ? teacher : null,
      sourceId: this.sourceIds.get(i),
      deletedAt: this.deletedAt.get(i) ?? null,
    };
  }
}
