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
import { Column, ColumnTable, TextColumn } from "./rows.ts";

const NONE = -1;

/**
 * Rows given as columns (a batch from the thread reading enrollments.csv):
 * each row's sourcedId one after the other in `ids`, users by number, and
 * the other strings numbered within the batch in `values` (NONE: absent).
 */
export interface EnrollmentColumns {
  /** Rows given. */
  count: number;
  /** Every row's sourcedId, one after the other, and each one's length. */
  ids: string;
  idLengths: SmallNumbers;
  /** Each row's user, by number. */
  users: Int32Array;
  /** Statuses, classes, schools, roles, dates and files, numbered in these columns (-1: none). */
  values: readonly string[];
  status: SmallNumbers;
  classes: SmallNumbers;
  schools: SmallNumbers;
  roles: SmallNumbers;
  begins: SmallNumbers;
  ends: SmallNumbers;
  files: SmallNumbers;
  /** Each row's line, less its place among these rows and less `lineBase`: rows a line each are all 0. */
  lines: SmallNumbers;
  lineBase: number;
  /** -1 absent, 0 false, 1 true. */
  primary: Int8Array;
  /** The rare rows with extension columns: row number and columns. */
  extensions: ReadonlyArray<readonly [number, Record<string, string>]>;
}

/** Numbers in the narrowest typed array that holds them (see `narrowed` in enrollment-batches.ts). */
export type SmallNumbers = Int8Array | Int16Array | Int32Array;

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
  // The value nearly every row has its own of: packed, never hashed.
  readonly sourcedIds = new TextColumn();
  /** Each row's user, numbered in order of first appearance: the number of its id in `userIds`. */
  readonly userNumbers = new Column(Int32Array);
  /** The users' ids, by number. */
  readonly userIds: readonly string[];
  readonly #users = new IdTable();
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
  /**
   * Each row's line less its row number: rows come a line each, so these are nearly all the same small number, kept
   * in 8 bits where the lines themselves took 32 (28 MB less at 1,000,000 students).
   */
  readonly lines = new Column(Int32Array);
  /** -1 absent, 0 false, 1 true. */
  readonly primary = new Column(Int8Array);
  /** The rare rows with extension columns. */
  readonly extensions = new Map<number, Record<string, string>>();

  constructor() {
    super();
    this.values = this.#numbers.ids;
    this.userIds = this.#users.ids;
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
    this.#push(e, this.#users.add(e.userSourcedId));
  }

  /**
   * Adds a row whose user the caller numbered already, in order of first
   * appearance over every row it gives this table (as the worker reading
   * enrollments.csv does): a user met before is not hashed again. A number
   * that does not name the row's user here is not trusted: the id is
   * numbered as `push` would.
   *
   * @example
   * table.pushNumbered(row, 0); // the first user
   */
  pushNumbered(e: Enrollment, user: number): void {
    const known = user >= 0 && user < this.userIds.length && this.userIds[user] === e.userSourcedId;
    this.#push(e, known ? user : this.#users.add(e.userSourcedId));
  }

  /**
   * Adds rows given as columns, with `userIds` naming the users by number:
   * the table it would be had each row been made and pushed with
   * {@link pushNumbered} (the same numbers, in the same order), without
   * making a row. At 1,000,000 students, 9.4 million objects made only to
   * be taken apart again.
   *
   * @example
   * table.pushColumns(batch, userIdsSoFar);
   */
  pushColumns(b: EnrollmentColumns, userIds: readonly string[]): void {
    const start = this.count;
    this.sourcedIds.pushJoined(b.ids, b.idLengths, b.count);
    // A batch value's number here, made the first time a row uses it (in the order push would number it).
    const numberOf = new Int32Array(b.values.length).fill(NONE);
    const number = (v: number) =>
      v === NONE ? NONE : numberOf[v] !== NONE ? numberOf[v] : (numberOf[v] = this.#numbers.add(b.values[v]));
    let ext = 0;
    for (let r = 0; r < b.count; r++) {
      const i = start + r;
      const u = b.users[r];
      const known = u < this.userIds.length && this.userIds[u] === userIds[u];
      this.userNumbers.set(i, known ? u : this.#users.add(userIds[u]));
      this.status.set(i, number(b.status[r]));
      this.classes.set(i, number(b.classes[r]));
      this.schools.set(i, number(b.schools[r]));
      this.roles.set(i, number(b.roles[r]));
      this.begins.set(i, number(b.begins[r]));
      this.ends.set(i, number(b.ends[r]));
      this.primary.set(i, b.primary[r]);
      const file = b.files[r];
      this.files.set(i, number(file));
      if (file !== NONE) this.lines.set(i, b.lines[r] + b.lineBase + r - i);
      if (ext < b.extensions.length && b.extensions[ext][0] === r) this.extensions.set(i, b.extensions[ext++][1]);
    }
    this.count = start + b.count;
  }

  #push(e: Enrollment, user: number): void {
    const i = this.count;
    this.sourcedIds.push(e.sourcedId);
    this.userNumbers.set(i, user);
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
      this.lines.set(i, e.origin.line - i);
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
      sourcedId: this.sourcedIds.get(i)!,
      status: v[this.status.get(i)] as Status,
      classSourcedId: v[this.classes.get(i)],
      schoolSourcedId: v[this.schools.get(i)],
      userSourcedId: this.userIds[this.userNumbers.get(i)],
      role: v[this.roles.get(i)],
      primary: primary === NONE ? undefined : primary === 1,
      beginDate: begin === NONE ? undefined : v[begin],
      endDate: end === NONE ? undefined : v[end],
      extensions: this.#extensionsOf(i),
      origin: file === NONE ? undefined : { file: v[file], line: this.lines.get(i) + i },
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
