/**
 * The platform's people and their links as columns: at 1,000,000 students
 * a million students, a million parents and a million and a half links,
 * about 150 bytes each as objects (the object and its own strings) and 400
 * MB of the heap after the read. Here ids are numbers in typed arrays, the
 * strings nearly every row has its own of (source id, student number,
 * email) are packed, and names, grades, origins and deletion times are
 * numbered once each. A row is an object again only while a caller holds it.
 */
import type { Parent, ParentStudent, PlatformClass, Student, Teacher } from "./snapshot.ts";
import { IdTable } from "../id-table.ts";
import { Column, ColumnTable, IdColumn, type Rows, TextColumn } from "./rows.ts";

const NONE = -1;

/**
 * How a field is kept: `id` a number (NaN kept as NaN), `nullableId` a
 * number (NaN too) or null, `text` a string (or null) packed with the others of its
 * column, `value` a string (or null) numbered among the table's values.
 */
type Kind = "id" | "nullableId" | "text" | "value";

type Held = IdColumn | NullableIds | TextColumn | Column<Int32Array>;

/** Ids that may be null: the numbers (NaN kept as NaN), and which rows are null (1) in 8 bits a row. */
class NullableIds {
  readonly ids = new IdColumn();
  readonly nulls = new Column(Int8Array);

  get(i: number): number | null {
    return this.nulls.get(i) === 1 ? null : this.ids.get(i);
  }

  set(i: number, value: number | null): void {
    this.nulls.set(i, value === null ? 1 : 0);
    this.ids.set(i, value ?? 0);
  }
}

/**
 * Records of one shape kept as columns, a column a field, as `fields` says
 * (the fields in the record's own order). `at` and iteration give each row
 * back as a fresh object with the same fields in that order; `reader` reads
 * one field of any row without making the row. The columns are own
 * properties so that two tables compare by their rows (as `assertEquals`
 * does).
 *
 * @example
 * const students = new StudentTable();
 * students.push({ id: 1, campusId: null, sourceId: "stu-1", studentNumber: "N1", firstName: "Ana",
 *   lastName: "Ruiz", grade: "05", deletedAt: null });
 * students.reader("sourceId")(0) // "stu-1"
 */
export class RecordTable<T extends object> extends ColumnTable<T> {
  readonly names: readonly (keyof T & string)[];
  readonly kinds: readonly Kind[];
  readonly columns: readonly Held[];
  /** The `value` fields' strings, numbered in order of first appearance. */
  readonly #values = new IdTable(1024);
  // Rows come in id order, and neighbours often share a value (a grade, a name): the same as the column's last is
  // not hashed again.
  readonly #last: Array<string | null | undefined> = [];
  readonly #lastNumber: number[] = [];
  /** Each field's reader, in the fields' order: a row is made from them (see {@link row}). */
  protected readonly fieldReaders: ReadonlyArray<(i: number) => unknown>;

  constructor(fields: ReadonlyArray<readonly [keyof T & string, Kind]>) {
    super();
    this.names = fields.map(([name]) => name);
    this.kinds = fields.map(([, kind]) => kind);
    this.columns = this.kinds.map((kind) =>
      kind === "id"
        ? new IdColumn()
        : kind === "nullableId"
        ? new NullableIds()
        : kind === "text"
        ? new TextColumn()
        : new Column(Int32Array)
    );
    this.fieldReaders = this.names.map((name) => this.reader(name));
  }

  push(row: T): void {
    const i = this.count;
    const record = row as Record<string, unknown>;
    for (let k = 0; k < this.names.length; k++) {
      const v = record[this.names[k]];
      const column = this.columns[k];
      switch (this.kinds[k]) {
        case "id":
          (column as IdColumn).set(i, v as number);
          break;
        case "nullableId":
          (column as NullableIds).set(i, v as number | null);
          break;
        case "text":
          (column as TextColumn).push((v ?? null) as string | null);
          break;
        default:
          (column as Column<Int32Array>).set(i, this.#number(k, (v ?? null) as string | null));
      }
    }
    this.count = i + 1;
  }

  /**
   * A reader of one field: its value at any row (0 ≤ i < length), as the row would hold it, without making the row.
   *
   * @example
   * const numberOf = students.reader("studentNumber");
   * numberOf(0) // "N1"
   */
  reader<K extends keyof T & string>(key: K): (i: number) => T[K] {
    const k = this.names.indexOf(key);
    if (k === -1) throw new TypeError(`no field ${key}`);
    const column = this.columns[k];
    const values = this.#values;
    switch (this.kinds[k]) {
      case "id":
        return (i) => (column as IdColumn).get(i) as T[K];
      case "nullableId":
        return (i) => (column as NullableIds).get(i) as T[K];
      case "text":
        return (i) => (column as TextColumn).get(i) as T[K];
      default:
        return (i) => {
          const n = (column as Column<Int32Array>).get(i);
          return (n === NONE ? null : values.at(n)) as T[K];
        };
    }
  }

  /** Row `i` made from the fields' readers; each table below writes its own as one object literal, which is faster. */
  protected row(i: number): T {
    const out: Record<string, unknown> = {};
    for (let k = 0; k < this.names.length; k++) out[this.names[k]] = this.fieldReaders[k](i);
    return out as T;
  }

  #number(column: number, value: string | null): number {
    if (value === this.#last[column]) return this.#lastNumber[column];
    this.#last[column] = value;
    return this.#lastNumber[column] = value === null ? NONE : this.#values.add(value);
  }
}

/** The platform's students as columns (see {@link RecordTable}). */
export class StudentTable extends RecordTable<Student> {
  constructor() {
    super([
      ["id", "id"],
      ["campusId", "nullableId"],
      ["sourceId", "text"],
      ["studentNumber", "text"],
      ["firstName", "value"],
      ["lastName", "value"],
      ["grade", "value"],
      ["deletedAt", "value"],
    ]);
  }

  // An object literal of the record's shape: a row made field by field took twice as long (2 s at 1,000,000 students).
  protected override row(i: number): Student {
    const r = this.fieldReaders;
    return {
      id: r[0](i),
      campusId: r[1](i),
      sourceId: r[2](i),
      studentNumber: r[3](i),
      firstName: r[4](i),
      lastName: r[5](i),
      grade: r[6](i),
      deletedAt: r[7](i),
    } as Student;
  }
}

/** The platform's teachers as columns (see {@link RecordTable}). */
export class TeacherTable extends RecordTable<Teacher> {
  constructor() {
    super([
      ["id", "id"],
      ["campusId", "nullableId"],
      ["sourceId", "text"],
      ["email", "text"],
      ["firstName", "value"],
      ["lastName", "value"],
      ["deletedAt", "value"],
    ]);
  }

  // An object literal of the record's shape: a row made field by field took twice as long (2 s at 1,000,000 students).
  protected override row(i: number): Teacher {
    const r = this.fieldReaders;
    return {
      id: r[0](i),
      campusId: r[1](i),
      sourceId: r[2](i),
      email: r[3](i),
      firstName: r[4](i),
      lastName: r[5](i),
      deletedAt: r[6](i),
    } as Teacher;
  }
}

/** The platform's classes as columns (see {@link RecordTable}). */
export class PlatformClassTable extends RecordTable<PlatformClass> {
  constructor() {
    super([
      ["id", "id"],
      ["campusId", "nullableId"],
      ["sourceId", "text"],
      ["title", "text"],
      ["classCode", "text"],
      ["deletedAt", "value"],
    ]);
  }

  // An object literal of the record's shape: a row made field by field took twice as long (2 s at 1,000,000 students).
  protected override row(i: number): PlatformClass {
    const r = this.fieldReaders;
    return {
      id: r[0](i),
      campusId: r[1](i),
      sourceId: r[2](i),
      title: r[3](i),
      classCode: r[4](i),
      deletedAt: r[5](i),
    } as PlatformClass;
  }
}

/** The platform's parent accounts as columns (see {@link RecordTable}). */
export class ParentTable extends RecordTable<Parent> {
  constructor() {
    super([
      ["id", "id"],
      ["sourceId", "text"],
      ["email", "text"],
      ["firstName", "value"],
      ["lastName", "value"],
      ["deletedAt", "value"],
    ]);
  }

  // An object literal of the record's shape: a row made field by field took twice as long (2 s at 1,000,000 students).
  protected override row(i: number): Parent {
    const r = this.fieldReaders;
    return {
      id: r[0](i),
      sourceId: r[1](i),
      email: r[2](i),
      firstName: r[3](i),
      lastName: r[4](i),
      deletedAt: r[5](i),
    } as Parent;
  }
}

/** The platform's parent-student links as columns (see {@link RecordTable}). */
export class ParentStudentTable extends RecordTable<ParentStudent> {
  constructor() {
    super([
      ["parentId", "id"],
      ["studentId", "id"],
      ["origin", "value"],
      ["deletedAt", "value"],
    ]);
  }

  // An object literal of the record's shape: a row made field by field took twice as long (2 s at 1,000,000 students).
  protected override row(i: number): ParentStudent {
    const r = this.fieldReaders;
    return {
      parentId: r[0](i),
      studentId: r[1](i),
      origin: r[2](i),
      deletedAt: r[3](i),
    } as ParentStudent;
  }
}

/**
 * A reader of one field of `rows`: from a table's column (no row made), or from an array's rows.
 *
 * @example
 * const studentIdAt = readerOf(platform.parentStudents, "studentId");
 * studentIdAt(0) // 42
 */
export function readerOf<T extends object, K extends keyof T & string>(
  rows: Rows<T>,
  key: K,
): (i: number) => T[K] {
  return rows instanceof RecordTable ? rows.reader(key) : (i) => rows.at(i)![key];
}
