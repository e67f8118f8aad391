import fc from "fast-check";
import { assertEquals } from "./helpers/assert.ts";
import {
  BATCH_ROWS,
  batchBuffers,
  BatchPacker,
  BatchUnpacker,
  type EnrollmentBatch,
  narrowed,
} from "../lib/sources/oneroster-csv/enrollment-batches.ts";
import type { Enrollment, Status } from "../lib/model/roster.ts";
import { EnrollmentTable } from "../lib/model/enrollment-table.ts";

/** Packs `rows`, sends each batch through a structured clone as postMessage would (batchesOf), and unpacks them. */
function roundTrip(rows: Enrollment[]): { rows: Enrollment[]; users: number[]; batches: number } {
  const batches = batchesOf(rows);
  const out: Enrollment[] = [];
  const users: number[] = [];
  const unpacker = new BatchUnpacker();
  for (const b of batches) {
    unpacker.unpack(b, (e, user) => {
      out.push(e);
      users.push(user);
    });
  }
  return { rows: out, users, batches: batches.length };
}

/** An enrollment with every field present, in the unpacker's order. */
const row = (o: Partial<Enrollment> & { sourcedId: string }): Enrollment => ({
  sourcedId: o.sourcedId,
  status: o.status ?? "active",
  classSourcedId: o.classSourcedId ?? "cls-1",
  schoolSourcedId: o.schoolSourcedId ?? "sch-1",
  userSourcedId: o.userSourcedId ?? "stu-1",
  role: o.role ?? "student",
  primary: o.primary,
  beginDate: o.beginDate,
  endDate: o.endDate,
  extensions: o.extensions,
  origin: o.origin,
});

// Small pools, so that a row often equals the row before in some fields and not in others.
const pick = <T>(...values: T[]) => fc.constantFrom(...values);
const ENROLLMENT = fc.record({
  status: pick<Status>("active", "tobedeleted"),
  classSourcedId: pick("cls-1", "cls-2", "__proto__", ""),
  schoolSourcedId: pick("sch-1", "sch-2"),
  userSourcedId: pick("stu-1", "stu-2", "tch-1", "-1", "constructor"),
  role: pick("student", "teacher"),
  primary: pick(undefined, true, false),
  beginDate: pick(undefined, "2026-08-01", "2026-01-05"),
  endDate: pick(undefined, "2027-06-15"),
  extensions: pick(undefined, { "metadata.x": "1" }),
  origin: pick(
    undefined,
    { file: "enrollments.csv", line: 2 },
    { file: "enrollments.csv", line: 3 },
    { file: "other.csv", line: 2 },
    { file: "other.csv", line: 9 },
  ),
});

Deno.test("enrollments packed into batches come out as they went in, whatever repeats from one row to the next", () => {
  fc.assert(
    fc.property(fc.array(ENROLLMENT, { maxLength: 40 }), (drawn) => {
      const rows = drawn.map((e, i) => row({ ...e, sourcedId: `enr-${i}` }));
      const back = roundTrip(rows);
      assertEquals(back.rows, rows);
      // One number per user id, in order of first appearance.
      const firstSeen = [...new Set(rows.map((e) => e.userSourcedId))];
      assertEquals(back.users, rows.map((e) => firstSeen.indexOf(e.userSourcedId)));
    }),
    { numRuns: 500 },
  );
});

Deno.test("a row that starts a new batch is packed whole, even when it equals the last row of the batch before", () => {
  const rows: Enrollment[] = [];
  for (let i = 0; i < BATCH_ROWS; i++) rows.push(row({ sourcedId: `enr-${i}`, classSourcedId: `cls-${i % 7}` }));
  // The first row of the second batch has the same values as the last of the first: its batch has its own numbers.
  rows.push(row({ sourcedId: "enr-last", classSourcedId: rows[BATCH_ROWS - 1].classSourcedId }));
  rows.push(row({ sourcedId: "enr-after", classSourcedId: "cls-new", beginDate: "2026-08-01" }));
  const back = roundTrip(rows);
  assertEquals(back.batches, 2);
  assertEquals(back.rows.slice(BATCH_ROWS - 2), rows.slice(BATCH_ROWS - 2));
});

Deno.test("a column is kept in the narrowest array that holds every one of its numbers, each as it was", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 50 }), (values) => {
      const column = narrowed(Int32Array.from([...values, 99, 98]), values.length);
      assertEquals([...column], values);
      const fits = (bits: number) => values.every((v) => v >= -(2 ** (bits - 1)) && v < 2 ** (bits - 1));
      assertEquals(column.BYTES_PER_ELEMENT, fits(8) ? 1 : fits(16) ? 2 : 4);
    }),
    { numRuns: 500 },
  );
});

Deno.test("rows deep in a file, lines skipped, long ids and thousands of classes in a batch come back as they went in", () => {
  const rows: Enrollment[] = [];
  let line = 9_999_990;
  for (let i = 0; i < 40_000; i++) {
    // A record over several lines now and then, and a line number past what 16 bits hold.
    line += i % 997 === 0 ? 3 : 1;
    rows.push(row({
      sourcedId: i % 5000 === 0 ? `enr-${"x".repeat(300)}-${i}` : `enr-${i}`,
      classSourcedId: `cls-${i}`,
      origin: { file: "enrollments.csv", line },
    }));
  }
  const batch = batchesOf(rows)[0];
  assertEquals([batch.idLengths, batch.classes].map((c) => c.BYTES_PER_ELEMENT), [2, 4]);
  assertEquals(roundTrip(rows).rows, rows);
  const [byRow, byColumns] = bothTables(rows);
  assertEquals(byColumns, byRow);
});

Deno.test("a batch of a usual export holds about 16 bytes of numbers a row, not 41", () => {
  // Classes of 25 students, a school every 1,000 rows, one term, rows a line each.
  const rows: Enrollment[] = [];
  for (let i = 0; i < BATCH_ROWS; i++) {
    rows.push(row({
      sourcedId: `enr-${i}`,
      classSourcedId: `cls-${Math.floor(i / 25)}`,
      schoolSourcedId: `sch-${Math.floor(i / 1000)}`,
      userSourcedId: `stu-${i}`,
      beginDate: "2026-08-01",
      endDate: "2027-06-15",
      origin: { file: "enrollments.csv", line: 2 + i },
    }));
  }
  const [batch] = batchesOf(rows);
  const bytes = batchBuffers(batch).reduce((sum, b) => sum + b.byteLength, 0);
  assertEquals(bytes / BATCH_ROWS, 16);
});

/** The batches of `rows`, as they arrive from the worker (through a structured clone, as postMessage sends them). */
function batchesOf(rows: Enrollment[]): EnrollmentBatch[] {
  const batches: EnrollmentBatch[] = [];
  const packer = new BatchPacker((b) => batches.push(structuredClone(b)));
  for (const e of rows) packer.add(e);
  packer.flush();
  return batches;
}

/** The table made row by row (pushNumbered after rows pushed first) and the one made batch by batch as columns. */
function bothTables(rows: Enrollment[], before: Enrollment[] = []): [EnrollmentTable, EnrollmentTable] {
  const byRow = EnrollmentTable.from(before);
  const byColumns = EnrollmentTable.from(before);
  const rowUnpacker = new BatchUnpacker();
  const columnUnpacker = new BatchUnpacker();
  for (const b of batchesOf(rows)) {
    rowUnpacker.unpack(b, (e, user) => byRow.pushNumbered(e, user));
    columnUnpacker.unpackInto(structuredClone(b), byColumns);
  }
  return [byRow, byColumns];
}

Deno.test("batches taken into a table as columns make the table their rows pushed one by one make", () => {
  fc.assert(
    fc.property(
      fc.array(ENROLLMENT, { maxLength: 30 }),
      fc.array(ENROLLMENT, { maxLength: 3 }),
      (drawn, first) => {
        const rows = drawn.map((e, i) => row({ ...e, sourcedId: `enr-${i}` }));
        // Rows the table held before the batches came: their users are numbered otherwise than the worker's.
        const before = first.map((e, i) => row({ ...e, sourcedId: `pre-${i}` }));
        const [byRow, byColumns] = bothTables(rows, before);
        assertEquals(byColumns, byRow);
        assertEquals([...byColumns], [...before, ...rows]);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("whole batches keep their joined ids as they came, and a table built from them equals one built row by row", () => {
  const rows: Enrollment[] = [];
  for (let i = 0; i < 2 * BATCH_ROWS + 5; i++) {
    rows.push(row({ sourcedId: `enr-${i}-${"é".repeat(i % 3)}`, userSourcedId: `stu-${i % 1000}` }));
  }
  const [byRow, byColumns] = bothTables(rows);
  assertEquals(byColumns.length, rows.length);
  assertEquals(byColumns.at(BATCH_ROWS)?.sourcedId, rows[BATCH_ROWS].sourcedId);
  assertEquals(byColumns.at(-1), rows.at(-1));
  assertEquals([...byColumns], rows);
  assertEquals(byColumns, byRow);
});
