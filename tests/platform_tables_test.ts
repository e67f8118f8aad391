import { assertEquals, assertThrows } from "./helpers/assert.ts";
import fc from "fast-check";
import {
  ParentStudentTable,
  ParentTable,
  PlatformClassTable,
  readerOf,
  StudentTable,
  TeacherTable,
} from "../lib/model/platform-tables.ts";
import type { Parent, ParentStudent, PlatformClass, Student, Teacher } from "../lib/model/snapshot.ts";
import { byId, bySource, keyedBy } from "../lib/diagnostics/indexes.ts";

// Platform ids: serial, far apart, beyond 32 bits, negative, fractional, -0 and NaN (a null id read as a number).
const ID = fc.constantFrom(1, 2, 3, 2 ** 40, -7, 0.5, -0, NaN);
const TEXT = fc.option(fc.constantFrom("", "stu-1", "stu-2", "N 1042 ", "ünï", "a\u0000b", "x".repeat(300)), {
  nil: null,
});
const WHEN = fc.option(fc.constantFrom("2026-01-01 00:00:00+00", "2026-11-20 09:30:00+00"), { nil: null, freq: 2 });

const student = fc.record({
  id: ID,
  campusId: fc.option(ID, { nil: null }),
  sourceId: TEXT,
  studentNumber: TEXT,
  firstName: fc.constantFrom("", "Ana", "Zoë"),
  lastName: fc.constantFrom("Ruiz", "Lopez"),
  grade: fc.option(fc.constantFrom("05", "KG"), { nil: null }),
  deletedAt: WHEN,
}, { noNullPrototype: true }) as fc.Arbitrary<Student>;
const parent = fc.record({
  id: ID,
  sourceId: TEXT,
  email: fc.constantFrom("", "rosa@example.org", " ROSA@example.org "),
  firstName: fc.option(fc.constantFrom("Rosa", ""), { nil: null }),
  lastName: fc.option(fc.constantFrom("Ruiz"), { nil: null }),
  deletedAt: WHEN,
}, { noNullPrototype: true }) as fc.Arbitrary<Parent>;
const teacher = fc.record({
  id: ID,
  campusId: fc.option(ID, { nil: null }),
  sourceId: TEXT,
  email: TEXT,
  firstName: fc.constantFrom("", "Ana"),
  lastName: fc.constantFrom("Ruiz"),
  deletedAt: WHEN,
}, { noNullPrototype: true }) as fc.Arbitrary<Teacher>;
const platformClass = fc.record({
  id: ID,
  campusId: fc.option(ID, { nil: null }),
  sourceId: TEXT,
  title: fc.constantFrom("", "Math 5", "x".repeat(300)),
  classCode: TEXT,
  deletedAt: WHEN,
}, { noNullPrototype: true }) as fc.Arbitrary<PlatformClass>;
const parentStudent = fc.record({
  parentId: ID,
  studentId: ID,
  origin: fc.constantFrom("roster", "invite", "support"),
  deletedAt: WHEN,
}, { noNullPrototype: true }) as fc.Arbitrary<ParentStudent>;

Deno.test("a platform table gives back every row as pushed, field for field and in the same order, and reads each field alike", () => {
  const cases = [
    [student, () => new StudentTable()],
    [parent, () => new ParentTable()],
    [parentStudent, () => new ParentStudentTable()],
    [teacher, () => new TeacherTable()],
    [platformClass, () => new PlatformClassTable()],
  ] as const;
  for (const [arbitrary, make] of cases) {
    fc.assert(
      fc.property(fc.array(arbitrary as fc.Arbitrary<object>, { maxLength: 30 }), (rows) => {
        const table = (make() as StudentTable).pushAll(rows as Student[]);
        assertEquals([...table], rows);
        assertEquals(JSON.stringify(table), JSON.stringify(rows));
        for (const key of table.names) {
          const read = table.reader(key);
          const fromArray = readerOf(rows as Student[], key);
          rows.forEach((row, i) => {
            assertEquals(read(i), (row as Record<string, unknown>)[key]);
            assertEquals(fromArray(i), (row as Record<string, unknown>)[key]);
          });
        }
      }),
      { numRuns: 300 },
    );
  }
});

Deno.test("a platform table's row is a copy: changing it changes nothing kept; an unknown field has no reader", () => {
  const row: Student = {
    id: 11,
    campusId: null,
    sourceId: "stu-1",
    studentNumber: "1042",
    firstName: "Ana",
    lastName: "Ruiz",
    grade: "05",
    deletedAt: null,
  };
  const table = new StudentTable().pushAll([row]);
  table.at(0)!.firstName = "changed";
  row.lastName = "changed";
  assertEquals(table.at(0), { ...row, lastName: "Ruiz" });
  assertThrows(() => table.reader("nope" as keyof Student & string), TypeError);
});

Deno.test("indexes of a platform table by id and by source id answer as indexes of the same rows in an array", () => {
  fc.assert(
    fc.property(fc.array(student, { maxLength: 20 }), (rows) => {
      const table = new StudentTable().pushAll(rows);
      const [overArray, overTable] = [byId(rows), byId(table)];
      assertEquals([...overTable.keys()], [...overArray.keys()]);
      assertEquals([...overTable.values()], [...overArray.values()]);
      for (const id of [1, 2, 3, 2 ** 40, -7, 0.5, 0, -0, NaN, 99]) {
        assertEquals(overTable.get(id), overArray.get(id));
        assertEquals(overTable.rowOf(id), overArray.rowOf(id));
      }
      const [sourceOfArray, sourceOfTable] = [bySource(rows), bySource(table)];
      const byNumber = keyedBy(table, (s) => s.studentNumber);
      for (const key of ["", "stu-1", "stu-2", "N 1042 ", "ünï", "a\u0000b", "none"]) {
        assertEquals(sourceOfTable.get(key), sourceOfArray.get(key));
        const n = sourceOfTable.numberOf(key);
        assertEquals(n === -1 ? -1 : sourceOfTable.rowAt(n), n === -1 ? -1 : sourceOfArray.rowAt(n));
        // The first row with the key (no replacing rule given).
        const k = byNumber.numberOf(key);
        assertEquals(k === -1 ? -1 : byNumber.rowAt(k), rows.findIndex((s) => s.studentNumber === key));
      }
      for (const n of [-1, 0.5, NaN]) assertEquals([sourceOfTable.at(n), sourceOfArray.at(n)], [undefined, undefined]);
      assertEquals(sourceOfTable.at(sourceOfTable.size), undefined);
    }),
    { numRuns: 300 },
  );
});

Deno.test("a table compared with a list of the same rows fails at once, saying to compare its rows", () => {
  const rows: ParentStudent[] = [{ parentId: 1, studentId: 2, origin: "roster", deletedAt: null }];
  const error = assertThrows(() => assertEquals<unknown>(new ParentStudentTable().pushAll(rows), rows), Error);
  assertEquals(/compare \[\.\.\.table\] with the list/.test(error.message), true);
  assertEquals([...new ParentStudentTable().pushAll(rows)], rows);
});
