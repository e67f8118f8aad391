/**
 * A roster's enrollments as columns: the bulk of every export (ten per
 * student) kept without one JavaScript object per row. Ids, roles, statuses
 * and dates repeat across rows and are kept once each, numbered; a row is an
 * object again only while a caller holds it ({@link EnrollmentTable.at}, or
 * iterating). At 200,000 students that is 1.9 million enrollments: about
 * 200 bytes each as objects (row and origin), a quarter of that here.
 */
import type { Enrollment, Status } from "./roster.ts";
import { IdTable } from "../id-table.ts";
import { Column, ColumnTable } from "./rows.ts";

const NONE = -1;

/**
 * Enrollments kept as columns. `push` takes a read row apart; `at` and
 * iteration give each row back as a fresh object with the same fields, in the
 * same order, as the reader built it (an absent optional field is there,
 * undefined). A row given back is a copy: changing it changes nothing here.
 * The columns are own properties so that two tables compare by their rows
 * (as `assertEquals` does); read them through `at` and iteration only.
 *
 * @example
 * const table = new EnrollmentTable();
 * table.push({ sourcedId: "e1", status: "active", classSourcedId: "c1", schoolSourcedId: "s1",
 *   userSourcedId: "u1", role: "student", primary: undefined, beginDate: undefined, endDate: undefined,
 *   extensions: undefined, origin: { file: "enrollments.csv", line: 2 } });
 * table.at(0)?.userSourcedId // "u1"
 */
export class EnrollmentTable extends ColumnTable<Enrollment> {
  // The two values nearly every row has its own of: a reference to the reader's string, never hashed again.
  readonly sourcedIds: string[] = [];
  readonly users: string[] = [];
  /** Statuses, classes, schools, roles, dates and origin files, numbered in order of first appearance. */
  readonly values: readonly string[];
  readonly #numbers = new IdTable();
  // Rows come grouped by class, school and term: a value equal to the same column's previous one is not hashed.
  readonly #last: Array<string | undefined> = [];
  readonly #lastNumber: number[] = [];
  readonly status = new Column(Int32Array);
  readonly classes = new Column(Int32Array);
  readonly schools = new Column(Int32Array);
  readonly roles = new Column(Int32Array);
  readonly begins = new Column(Int32Array);
  readonly ends = new Column(Int32Array);
  readonly files = new Column(Int32Array);
  readonly lines = new Column(Int32Array);
  /** -1 absent, 0 false, 1 true. */
  readonly primary = new Column(Int8Array);
  /** The rare rows with extension columns. */
  readonly extensions = new Map<number, Record<string, string>>();

  constructor() {
    super();
    this.values = this.#numbers.ids;
  }

  /**
   * The table of `rows` (a roster built by hand or by another reader).
   *
   * @example
   * EnrollmentTable.from(roster.enrollments).length === roster.enrollments.length // true
   */
  static from(rows: Iterable<Enrollment>): EnrollmentTable {
    return new EnrollmentTable().pushAll(rows);
  }

  push(e: Enrollment): void {
    const i = this.count;
    this.sourcedIds.push(e.sourcedId);
    this.users.push(e.userSourcedId);
    this.status.set(i, this.#number(0, e.status));
    this.classes.set(i, this.#number(1, e.classSourcedId));
    this.schools.set(i, this.#number(2, e.schoolSourcedId));
    this.roles.set(i, this.#number(3, e.role));
    this.begins.set(i, e.beginDate === undefined ? NONE : this.#number(4, e.beginDate));
    this.ends.set(i, e.endDate === undefined ? NONE : this.#number(5, e.endDate));
    this.primary.set(i, e.primary === undefined ? NONE : e.primary ? 1 : 0);
    if (e.origin === undefined) this.files.set(i, NONE);
    else {
      this.files.set(i, this.#number(6, e.origin.file));
      this.lines.set(i, e.origin.line);
    }
    if (e.extensions !== undefined) this.extensions.set(i, e.extensions);
    this.count = i + 1;
  }

  protected row(i: number): Enrollment {
    const v = this.values;
    const begin = this.begins.get(i);
    const end = this.ends.get(i);
    const primary = this.primary.get(i);
    const file = this.files.get(i);
    return {
      sourcedId: this.sourcedIds[i],
      status: v[this.status.get(i)] as Status,
      classSourcedId: v[this.classes.get(i)],
      schoolSourcedId: v[this.schools.get(i)],
      userSourcedId: this.users[i],
      role: v[this.roles.get(i)],
      primary: primary === NONE ? undefined : primary === 1,
      beginDate: begin === NONE ? undefined : v[begin],
      endDate: end === NONE ? undefined : v[end],
      extensions: this.#extensionsOf(i),
      origin: file === NONE ? undefined : { file: v[file], line: this.lines.get(i) },
    };
  }

  /** A row's extension columns, copied like the rest of the row. */
  #extensionsOf(i: number): Record<string, string> | undefined {
    const ext = this.extensions.get(i);
    return ext && { ...ext };
  }

  #number(column: number, value: string): number {
    if (value === this.#last[column]) return this.#lastNumber[column];
    this.#last[column] = value;
    return this.#lastNumber[column] = this.#numbers.add(value);
  }
}
