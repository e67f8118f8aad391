/**
 * Enrollments in batches that cross from one thread to another: the reader of
 * `enrollments.csv` in a worker packs the rows it keeps (`BatchPacker`), the
 * main thread unpacks them (`BatchUnpacker`) into the very rows the reader
 * built. A batch is a few flat values (typed arrays, moved without a copy,
 * and one string of all its sourcedIds) instead of 65,536 objects, so a
 * structured clone costs little; a user id crosses once, the first time it is
 * met, and is numbered after that.
 */
import type { Enrollment, Status } from "../../model/roster.ts";
import type { EnrollmentColumns, EnrollmentTable, SmallNumbers } from "../../model/enrollment-table.ts";
import { IdTable } from "../../id-table.ts";
import { detach } from "../detach.ts";

/** Rows per batch. */
export const BATCH_ROWS = 65_536;

const NONE = -1;

/**
 * One batch of enrollments, as it crosses threads: its rows as columns (users numbered over the whole read, the other
 * strings within the batch), and `newUsers`, the user ids numbered first in this batch.
 */
export interface EnrollmentBatch extends EnrollmentColumns {
  newUsers: string[];
}

/** The buffers of a batch, to move (not copy) with `postMessage`. */
export function batchBuffers(b: EnrollmentBatch): ArrayBuffer[] {
  return [b.idLengths, b.users, b.status, b.classes, b.schools, b.roles, b.begins, b.ends, b.files, b.lines, b.primary]
    .map((a) => a.buffer as ArrayBuffer);
}

/**
 * Packs enrollments into batches, on the reading side.
 *
 * @example
 * const packer = new BatchPacker((batch) => port.postMessage(batch, batchBuffers(batch)));
 * packer.add(enrollment); // … then
 * packer.flush();
 */
export class BatchPacker {
  /** Every user id met, numbered; kept detached from the file's text the rows were cut from. */
  readonly #users = new IdTable(1 << 16);
  #newUsers: string[] = [];
  #ids: string[] = [];
  #values = new Map<string, number>();
  #count = 0;
  #idLengths = new Int32Array(BATCH_ROWS);
  #userNumbers = new Int32Array(BATCH_ROWS);
  #cols = newColumns();
  #primary = new Int8Array(BATCH_ROWS);
  /** The line of the batch's first row, which every row's line is kept less. */
  #lineBase = 0;
  #extensions: Array<[number, Record<string, string>]> = [];
  /** The row added last (in this batch when the next row's index is not 0). */
  #last: Enrollment | undefined;

  constructor(readonly send: (batch: EnrollmentBatch) => void) {}

  add(e: Enrollment): void {
    const i = this.#count;
    this.#ids.push(e.sourcedId);
    this.#idLengths[i] = e.sourcedId.length;
    const known = this.#users.size;
    const user = this.#users.add(e.userSourcedId, detach);
    if (user === known) this.#newUsers.push(this.#users.at(user));
    this.#userNumbers[i] = user;
    const c = this.#cols;
    // The row added before this one: its values number this row's equal ones (see #put).
    const p = this.#last;
    this.#last = e;
    this.#put(c.status, i, e.status, p?.status);
    this.#put(c.classes, i, e.classSourcedId, p?.classSourcedId);
    this.#put(c.schools, i, e.schoolSourcedId, p?.schoolSourcedId);
    this.#put(c.roles, i, e.role, p?.role);
    this.#put(c.begins, i, e.beginDate, p?.beginDate);
    this.#put(c.ends, i, e.endDate, p?.endDate);
    this.#put(c.files, i, e.origin?.file, p?.origin?.file);
    this.#primary[i] = e.primary === undefined ? NONE : e.primary ? 1 : 0;
    // Less the row's place and the batch's first line: rows a line each are then all 0.
    if (i === 0) this.#lineBase = e.origin === undefined ? 0 : e.origin.line;
    c.lines[i] = e.origin === undefined ? 0 : e.origin.line - i - this.#lineBase;
    if (e.extensions !== undefined) this.#extensions.push([i, e.extensions]);
    if (++this.#count === BATCH_ROWS) this.flush();
  }

  /** Sends the rows not yet sent, if any. */
  flush(): void {
    const n = this.#count;
    if (n === 0) return;
    const c = this.#cols;
    // Each column in the narrowest array that holds it: a batch waits on the main thread until the read of the other
    // files is done (6.5 million rows at 1,000,000 students), and 41 bytes a row of 32-bit numbers came to 16.
    this.send({
      count: n,
      ids: this.#ids.join(""),
      idLengths: narrowed(this.#idLengths, n),
      users: this.#userNumbers.slice(0, n),
      newUsers: this.#newUsers,
      values: [...this.#values.keys()],
      status: narrowed(c.status, n),
      classes: narrowed(c.classes, n),
      schools: narrowed(c.schools, n),
      roles: narrowed(c.roles, n),
      begins: narrowed(c.begins, n),
      ends: narrowed(c.ends, n),
      files: narrowed(c.files, n),
      lines: narrowed(c.lines, n),
      lineBase: this.#lineBase,
      primary: this.#primary.slice(0, n),
      extensions: this.#extensions,
    });
    this.#count = 0;
    this.#ids = [];
    this.#newUsers = [];
    this.#values = new Map();
    this.#extensions = [];
  }

  /**
   * Puts the number of `v` (NONE when absent) at row `i` of `column`. Rows come grouped by class, school and term: a
   * value equal to the row before's (`before`, that row's value) takes its number without a Map lookup.
   */
  #put(column: Int32Array, i: number, v: string | undefined, before: string | undefined): void {
    column[i] = i > 0 && v === before ? column[i - 1] : v === undefined ? NONE : this.#value(v);
  }

  #value(v: string): number {
    let n = this.#values.get(v);
    if (n === undefined) this.#values.set(v, n = this.#values.size);
    return n;
  }
}

/**
 * The first `n` numbers of `column`, copied into the narrowest of Int8Array, Int16Array and Int32Array that holds
 * them all.
 *
 * @example
 * narrowed(Int32Array.of(-1, 3, 200), 3) // Int16Array [-1, 3, 200]
 */
export function narrowed(column: Int32Array, n: number): SmallNumbers {
  let min = 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const v = column[i];
    if (v < min) min = v;
    else if (v > max) max = v;
  }
  const values = column.subarray(0, n);
  const out = min >= -0x80 && max < 0x80
    ? new Int8Array(n)
    : min >= -0x8000 && max < 0x8000
    ? new Int16Array(n)
    : new Int32Array(n);
  out.set(values);
  return out;
}

function newColumns() {
  return {
    status: new Int32Array(BATCH_ROWS),
    classes: new Int32Array(BATCH_ROWS),
    schools: new Int32Array(BATCH_ROWS),
    roles: new Int32Array(BATCH_ROWS),
    begins: new Int32Array(BATCH_ROWS),
    ends: new Int32Array(BATCH_ROWS),
    files: new Int32Array(BATCH_ROWS),
    lines: new Int32Array(BATCH_ROWS),
  };
}

/**
 * Unpacks batches, in the order they were packed, into the rows the reader
 * built: the same fields in the same order, an absent optional field present
 * and undefined. Each user id is one string however many rows name it.
 *
 * @example
 * const unpacker = new BatchUnpacker();
 * unpacker.unpack(batch, (e) => table.push(e));
 */
export class BatchUnpacker {
  readonly #users: string[] = [];

  /**
   * Adds the rows of `batch` to `table` as columns ({@link EnrollmentTable.pushColumns}): the table `unpack` with
   * `pushNumbered` would make, without making a row.
   */
  unpackInto(b: EnrollmentBatch, table: EnrollmentTable): void {
    for (const u of b.newUsers) this.#users.push(u);
    table.pushColumns(b, this.#users);
  }

  /**
   * Calls `take` with each row of `batch`, in order, and its user's number
   * (in order of first appearance over the whole read).
   */
  unpack(b: EnrollmentBatch, take: (e: Enrollment, user: number) => void): void {
    for (const u of b.newUsers) this.#users.push(u);
    const users = this.#users;
    const v = b.values;
    let at = 0;
    let ext = 0;
    for (let i = 0; i < b.count; i++) {
      const len = b.idLengths[i];
      const begin = b.begins[i];
      const end = b.ends[i];
      const primary = b.primary[i];
      const file = b.files[i];
      let extensions: Record<string, string> | undefined;
      if (ext < b.extensions.length && b.extensions[ext][0] === i) extensions = b.extensions[ext++][1];
      take({
        sourcedId: b.ids.slice(at, at += len),
        status: v[b.status[i]] as Status,
        classSourcedId: v[b.classes[i]],
        schoolSourcedId: v[b.schools[i]],
        userSourcedId: users[b.users[i]],
        role: v[b.roles[i]],
        primary: primary === NONE ? undefined : primary === 1,
        beginDate: begin === NONE ? undefined : v[begin],
        endDate: end === NONE ? undefined : v[end],
        extensions,
        origin: file === NONE ? undefined : { file: v[file], line: b.lines[i] + b.lineBase + i },
      }, b.users[i]);
    }
  }
}
