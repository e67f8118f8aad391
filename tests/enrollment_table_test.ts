import { assert, assertEquals, assertNotEquals } from "./helpers/assert.ts";
import { join } from "node:path";
import { EnrollmentTable } from "../lib/model/enrollment-table.ts";
import type { Enrollment } from "../lib/model/roster.ts";
import type { PlatformEnrollment } from "../lib/model/snapshot.ts";
import { PlatformEnrollmentTable } from "../lib/model/platform-enrollment-table.ts";
import { readOneRosterCsv } from "../lib/sources/oneroster-csv/read.ts";
import { generateDistrict } from "../lib/demo/generate.ts";
import { writeOneRosterCsv } from "../lib/sources/oneroster-csv/write.ts";
import { withTempDir } from "./helpers/bundle.ts";
import { Column, IdColumn } from "../lib/model/rows.ts";
import fc from "fast-check";

/** Rows with every optional field present, absent, and in each of its values. */
const ROWS: Enrollment[] = [
  {
    sourcedId: "e1",
    status: "active",
    classSourcedId: "c1",
    schoolSourcedId: "s1",
    userSourcedId: "u1",
    role: "student",
    primary: undefined,
    beginDate: undefined,
    endDate: undefined,
    extensions: undefined,
    origin: { file: "enrollments.csv", line: 2 },
  },
  {
    sourcedId: "e2",
    status: "tobedeleted",
    classSourcedId: "c1",
    schoolSourcedId: "s1",
    userSourcedId: "u2",
    role: "teacher",
    primary: true,
    beginDate: "2026-08-15",
    endDate: "2027-06-01",
    extensions: { "metadata.period": "3" },
    origin: { file: "enrollments.csv", line: 3 },
  },
  {
    sourcedId: "e3",
    status: "active",
    classSourcedId: "c2",
    schoolSourcedId: "",
    userSourcedId: "u1",
    role: "ext:aide",
    primary: false,
    beginDate: "2026-08-15",
    endDate: undefined,
    extensions: undefined,
    origin: undefined,
  },
  {
    // Values equal to another column's (a class and a school named like a status): each column keeps its own.
    sourcedId: "e4",
    status: "active",
    classSourcedId: "active",
    schoolSourcedId: "c2",
    userSourcedId: "c2",
    role: "student",
    primary: undefined,
    beginDate: "active",
    endDate: undefined,
    extensions: undefined,
    origin: { file: "enrollments.csv", line: 2 },
  },
];

Deno.test("an enrollment table gives back every row as it was pushed, with every field in the reader's order", () => {
  const table = EnrollmentTable.from(ROWS);
  assertEquals(table.length, 4);
  assertEquals([...table], ROWS);
  for (const [i, row] of ROWS.entries()) {
    assertEquals(table.at(i), row);
    assertEquals(Object.keys(table.at(i)!), Object.keys(row), "the same fields, in the same order");
  }
  assertEquals(table.at(-1), ROWS[3]);
  assertEquals(table.at(4), undefined);
  assertEquals(table.at(-5), undefined);
  assertEquals(JSON.stringify(table), JSON.stringify(ROWS));
});

Deno.test("an enrollment table's rows are copies: changing one changes nothing in the table", () => {
  const table = EnrollmentTable.from(ROWS);
  const row = table.at(1)!;
  row.userSourcedId = "someone-else";
  row.origin!.line = 99;
  row.extensions!["metadata.period"] = "9";
  assertEquals(table.at(1), ROWS[1]);
  assertEquals(ROWS[1].extensions, { "metadata.period": "3" }, "nor in the row it was pushed from");
  assert(table.at(0) !== table.at(0), "a fresh object each time");
});

Deno.test("two enrollment tables are equal exactly when their rows are", () => {
  assertEquals(EnrollmentTable.from(ROWS), EnrollmentTable.from(ROWS));
  const changed = ROWS.map((r, i) => i === 2 ? { ...r, userSourcedId: "u9" } : r);
  assertNotEquals(EnrollmentTable.from(changed), EnrollmentTable.from(ROWS));
  const line = ROWS.map((r, i) => i === 0 ? { ...r, origin: { file: "enrollments.csv", line: 7 } } : r);
  assertNotEquals(EnrollmentTable.from(line), EnrollmentTable.from(ROWS));
});

Deno.test("the CSV reader keeps enrollments as a table that holds, row for row, what the file says", async () => {
  await withTempDir(async (dir) => {
    const district = generateDistrict({ customerId: "t", students: 120, seed: 3 });
    await writeOneRosterCsv(join(dir, "export"), district.roster);
    const roster = await readOneRosterCsv(join(dir, "export"));
    assert(roster.enrollments instanceof EnrollmentTable);
    assertEquals(roster.enrollments.length, district.roster.enrollments.length);
    const read = [...roster.enrollments];
    for (const [i, e] of district.roster.enrollments.entries()) {
      const { origin, ...rest } = read[i];
      assertEquals(origin, { file: "enrollments.csv", line: i + 2 });
      assertEquals(
        [rest.sourcedId, rest.classSourcedId, rest.userSourcedId, rest.role, rest.status, rest.beginDate, rest.endDate],
        [e.sourcedId, e.classSourcedId, e.userSourcedId, e.role, e.status, e.beginDate, e.endDate],
      );
    }
  });
});

/** Platform rows with and without a student, a teacher, a source id and a deletion. */
const PLATFORM_ROWS: PlatformEnrollment[] = [
  { id: 1, classId: 7, role: "student", studentId: 42, teacherId: null, sourceId: "e-1", deletedAt: null },
  { id: 2, classId: 7, role: "teacher", studentId: null, teacherId: 9, sourceId: null, deletedAt: null },
  {
    id: 9_007_199_254_740_991,
    classId: 8,
    role: "student",
    studentId: 43,
    teacherId: 9,
    sourceId: "e-3",
    deletedAt: "2026-11-20 09:30:00+00",
  },
  {
    id: 4,
    classId: 0,
    role: "aide" as PlatformEnrollment["role"],
    studentId: 0,
    teacherId: null,
    sourceId: "",
    deletedAt: null,
  },
];

Deno.test("a platform enrollment table gives back every row as it was pushed: nulls, deletions, large ids and any role", () => {
  const table = PlatformEnrollmentTable.from(PLATFORM_ROWS);
  assertEquals(table.length, 4);
  assertEquals([...table], PLATFORM_ROWS);
  for (const [i, row] of PLATFORM_ROWS.entries()) {
    assertEquals(Object.keys(table.at(i)!), Object.keys(row), "the same fields, in the same order");
  }
  assertEquals(table.at(-1), PLATFORM_ROWS[3]);
  assertEquals(table.at(4), undefined);
  assertEquals(JSON.stringify(table), JSON.stringify(PLATFORM_ROWS));
  const row = table.at(0)!;
  row.studentId = 1;
  assertEquals(table.at(0), PLATFORM_ROWS[0], "a row given back is a copy");
  assertEquals(PlatformEnrollmentTable.from(PLATFORM_ROWS), table);
  const moved = PLATFORM_ROWS.map((r, i) => i === 1 ? { ...r, classId: 8 } : r);
  assertNotEquals(PlatformEnrollmentTable.from(moved), table);
});

Deno.test("a table past one chunk of rows keeps every row, across the chunks' edges", () => {
  const rows: PlatformEnrollment[] = Array.from({ length: 140_000 }, (_, i) => ({
    id: i + 1,
    classId: i % 977,
    role: i % 9 === 0 ? "teacher" : "student",
    studentId: i % 9 === 0 ? null : i,
    teacherId: i % 9 === 0 ? i : null,
    sourceId: `e-${i}`,
    deletedAt: i % 1000 === 0 ? "2026-11-20 09:30:00+00" : null,
  }));
  const table = PlatformEnrollmentTable.from(rows);
  for (const i of [0, 65_535, 65_536, 65_537, 131_071, 131_072, 139_999]) {
    assertEquals(table.at(i), rows[i], `row ${i}`);
  }
  assertEquals([...table], rows);
  const roster = EnrollmentTable.from(rows.map((r, i): Enrollment => ({
    ...ROWS[i % ROWS.length],
    sourcedId: r.sourceId!,
    origin: { file: "enrollments.csv", line: i + 2 },
  })));
  assertEquals(roster.at(65_536)?.origin?.line, 65_538);
  assertEquals(roster.at(139_999)?.sourcedId, "e-139999");
});

Deno.test("an id column gives back every number as it was set, whole or not, NaN and -0 included, across chunks", () => {
  const value = fc.oneof(
    fc.integer({ min: -5, max: 200_000 }),
    fc.constantFrom(NaN, -0, -(2 ** 31), 2 ** 31 - 1, 2 ** 31, 2 ** 40, 0.5, -1e300, Number.MAX_SAFE_INTEGER),
  );
  // Values set in order from index 0, as a table adds rows; some at a chunk's end and the next chunk's start.
  fc.assert(
    fc.property(fc.array(value, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 3 }), (values, skip) => {
      const column = new IdColumn();
      // The first 20 at 0…19, the rest from 10 before a chunk's edge on (65,526…), crossing it.
      const at = (n: number) => n < 20 ? n : 65_536 * skip - 10 + (n - 20);
      const expected = new Float64Array(at(values.length - 1) + 1);
      values.forEach((v, n) => {
        column.set(at(n), v);
        expected[at(n)] = v;
      });
      values.forEach((v, n) => assert(Object.is(column.get(at(n)), v), `value ${n}: ${column.get(at(n))} for ${v}`));
      // The digest's bytes: 64-bit numbers, whatever width the chunk keeps.
      const bytes = new Uint8Array([...column.bytes(expected.length)].flatMap((b) => [...b]));
      assertEquals(bytes, new Uint8Array(expected.buffer));
    }),
    { numRuns: 300 },
  );
});

Deno.test("a 32-bit column kept in 8 or 16 bits where it can reads back every value as an Int32Array would", () => {
  const value = fc.oneof(
    fc.integer({ min: -3, max: 130 }),
    fc.integer({ min: -40_000, max: 40_000 }),
    fc.constantFrom(
      -1,
      -128,
      127,
      128,
      -129,
      -32768,
      32767,
      32768,
      -32769,
      2 ** 31 - 1,
      -(2 ** 31),
      2 ** 32 + 5,
      3.7,
      -0.5,
    ),
  );
  // Values set in order from index 0, as a table adds rows; some at a chunk's end and the next chunk's start.
  fc.assert(
    fc.property(fc.array(value, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 3 }), (values, skip) => {
      const column = new Column(Int32Array);
      const at = (n: number) => n < 20 ? n : 65_536 * skip - 10 + (n - 20);
      const expected = new Int32Array(at(values.length - 1) + 1);
      values.forEach((v, n) => {
        column.set(at(n), v);
        expected[at(n)] = v;
      });
      values.forEach((_, n) => assertEquals(column.get(at(n)), expected[at(n)], `value ${n}`));
      // The digest's bytes: 32-bit numbers, whatever width the chunk keeps.
      const bytes = new Uint8Array([...column.bytes(expected.length)].flatMap((b) => [...b]));
      assertEquals(bytes, new Uint8Array(expected.buffer));
    }),
    { numRuns: 300 },
  );
});

Deno.test("an enrollment table of a district holds its small numbers in a byte each", () => {
  // Status, role, dates and file: a handful of values each, numbered early. A chunk of 65,536 rows in 64 KiB, not 256.
  const table = EnrollmentTable.from(generateDistrict({ students: 300, seed: 3 }).roster.enrollments);
  for (const column of [table.status, table.roles, table.begins, table.ends, table.files]) {
    assertEquals(column.heldBytes, 65_536);
  }
  // The classes are numbered past 127 and 32,767 here: a chunk wide enough for them.
  assertEquals(table.classes.heldBytes, 65_536 * (table.values.length > 32_767 ? 4 : 2));
});

Deno.test("two narrowed columns of the same kept values compare equal, whatever numbers gave them", () => {
  // NaN, fractions and numbers beyond 32 bits are kept as an Int32Array keeps them: the chunk's width follows that.
  const a = new Column(Int32Array);
  const b = new Column(Int32Array);
  for (const [i, x, y] of [[0, 0, NaN], [1, 127, 127.5], [2, 1, 2 ** 32 + 1], [3, -1, -1.25]] as const) {
    a.set(i, x);
    b.set(i, y);
  }
  assertEquals(b, a);
  assertEquals(b.heldBytes, 65_536);
});
