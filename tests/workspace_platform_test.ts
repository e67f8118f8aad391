import fc from "fast-check";
import { assert, assertEquals, assertNotEquals } from "./helpers/assert.ts";
import { join } from "node:path";
import { withTempDir } from "./helpers/bundle.ts";
import { generateDistrict } from "../lib/demo/generate.ts";
import { openWorkspace } from "../lib/workspace/store.ts";
import { tableDigest } from "../lib/workspace/digest.ts";
import { PLATFORM_ENROLLMENTS, STUDENTS } from "../lib/workspace/tables.ts";
import { PlatformEnrollmentTable } from "../lib/model/platform-enrollment-table.ts";
import type { BuiltSnapshot, PlatformEnrollment, PlatformSnapshot, Student } from "../lib/model/snapshot.ts";
import { CUSTOMER } from "./helpers/workspace-district.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** The generated district's platform as a diagnosis reads it: enrollments as columns. */
function snapshotOf(
  seed: number,
): PlatformSnapshot & Pick<BuiltSnapshot, "students" | "teachers" | "parents" | "parentStudents" | "classes"> {
  const { platform } = generateDistrict({ customerId: CUSTOMER, students: 120, seed });
  return { ...platform, enrollments: PlatformEnrollmentTable.from(platform.enrollments) };
}

Deno.test({
  name: "a platform snapshot read again unchanged is not written again; only the tables that changed are",
  ...opts,
  fn: async () => {
    await withTempDir(async (dir) => {
      const snapshot = snapshotOf(3);
      // A NUL in a cell: the table is read back by the slow path, and must stay so while it is not rewritten.
      snapshot.parents[0] = { ...snapshot.parents[0], firstName: "Ana\u0000Maria" };
      const ws = await openWorkspace(join(dir, "ws"), CUSTOMER, { write: true });
      try {
        const first = await ws.savePlatform(snapshot, {
          readAt: new Date("2026-12-01T09:00:00Z"),
          environment: "staging",
        });
        assertEquals(first.slow, ["parents"]);
        assertEquals(JSON.stringify(await ws.loadPlatform()), JSON.stringify(snapshot));

        // Marks in three stored tables: a table written again loses its mark.
        await ws.sql(`update platform_students set first_name = 'MARK' where seq = 0`);
        await ws.sql(`update platform_enrollments set source_id = 'MARK' where seq = 0`);
        await ws.sql(`update platform_classes set title = 'MARK' where seq = 0`);

        // The same snapshot again: nothing is written, but the state says when it was read.
        const again = await ws.savePlatform(snapshot, {
          readAt: new Date("2026-12-01T10:00:00Z"),
          environment: "staging",
        });
        assertEquals(again.readAt, "2026-12-01T10:00:00.000Z");
        assertEquals(again.slow, ["parents"]);
        let stored = await ws.loadPlatform();
        assertEquals(stored.students.at(0)!.firstName, "MARK");
        assertEquals(stored.enrollments.at(0)?.sourceId, "MARK");
        assertEquals(stored.classes.at(0)!.title, "MARK");
        assertEquals(stored.parents.at(0)!.firstName, "Ana\u0000Maria");

        // A student and an enrollment changed: those two tables are written again, the classes are not.
        const changed: PlatformSnapshot = {
          ...snapshot,
          students: snapshot.students.map((s, i) => i === 5 ? { ...s, grade: "12" } : s),
          enrollments: PlatformEnrollmentTable.from(
            [...snapshot.enrollments].map((e, i) => i === 7 ? { ...e, deletedAt: "2026-11-30 08:00:00+00" } : e),
          ),
        };
        const third = await ws.savePlatform(changed, {
          readAt: new Date("2026-12-01T11:00:00Z"),
          environment: "staging",
        });
        assertEquals(third.slow, ["parents"]);
        stored = await ws.loadPlatform();
        assertEquals(JSON.stringify(stored.students), JSON.stringify(changed.students));
        assertEquals(JSON.stringify([...stored.enrollments]), JSON.stringify([...changed.enrollments]));
        assertEquals(stored.classes.at(0)!.title, "MARK");
        assertEquals(JSON.stringify(stored.parents), JSON.stringify(changed.parents));
      } finally {
        ws.close();
      }
    });
  },
});

Deno.test({
  name: "a workspace stored without digests (an earlier version) has every platform table written again",
  ...opts,
  fn: async () => {
    await withTempDir(async (dir) => {
      const snapshot = snapshotOf(4);
      const ws = await openWorkspace(join(dir, "ws"), CUSTOMER, { write: true });
      try {
        await ws.savePlatform(snapshot, { readAt: new Date("2026-12-01T09:00:00Z"), environment: "staging" });
        const [meta] = await ws.sql(`select value from workspace_meta where key = 'platform'`);
        const { digests: _, ...earlier } = JSON.parse(String(meta.value));
        await ws.sql(`update workspace_meta set value = $1 where key = 'platform'`, [JSON.stringify(earlier)]);
        await ws.sql(`update platform_students set first_name = 'MARK' where seq = 0`);
        const state = await ws.savePlatform(snapshot, {
          readAt: new Date("2026-12-01T10:00:00Z"),
          environment: "staging",
        });
        assert(state.digests?.students?.startsWith("sha256:"));
        assertEquals((await ws.loadPlatform()).students.at(0)!.firstName, snapshot.students[0].firstName);
      } finally {
        ws.close();
      }
    });
  },
});

const enrollment: fc.Arbitrary<PlatformEnrollment> = fc.record({
  id: fc.integer({ min: 1, max: 50 }),
  classId: fc.integer({ min: 1, max: 5 }),
  role: fc.constantFrom("student" as const, "teacher" as const),
  studentId: fc.option(fc.integer({ min: 1, max: 5 })),
  teacherId: fc.option(fc.integer({ min: 1, max: 5 })),
  sourceId: fc.option(fc.constantFrom("", "e", "e1", "1:e", "n", "s1:n")),
  deletedAt: fc.option(fc.constantFrom("2026-11-30", "2026-12-01")),
});

const FIELDS = ["id", "classId", "role", "studentId", "teacherId", "sourceId", "deletedAt"] as const;

Deno.test("two enrollment tables have the same digest exactly when they hold the same rows in the same order", () => {
  const digests = (rows: PlatformEnrollment[]) => [
    tableDigest(PLATFORM_ENROLLMENTS, PlatformEnrollmentTable.from(rows)),
    tableDigest(PLATFORM_ENROLLMENTS, rows),
  ];
  fc.assert(
    fc.property(
      fc.array(enrollment, { minLength: 1, maxLength: 6 }),
      // b: a with one field of one row taken from another row, or a different list altogether.
      fc.nat(),
      fc.constantFrom(...FIELDS),
      enrollment,
      fc.option(fc.array(enrollment, { maxLength: 6 }), { freq: 4 }),
      (a, at, field, other, unrelated) => {
        const b = unrelated ?? a.map((e, i) => i === at % a.length ? { ...e, [field]: other[field] } : e);
        const same = JSON.stringify(a) === JSON.stringify(b);
        const [columnsA, rowsA] = digests(a);
        const [columnsB, rowsB] = digests(b);
        assertEquals(columnsA === columnsB, same);
        assertEquals(rowsA === rowsB, same);
      },
    ),
    { numRuns: 3000 },
  );
  // Source ids never run into each other.
  const row: PlatformEnrollment = {
    id: 1,
    classId: 1,
    role: "student",
    studentId: 1,
    teacherId: null,
    sourceId: null,
    deletedAt: null,
  };
  const split = (x: string | null, y: string | null) => digests([{ ...row, sourceId: x }, { ...row, sourceId: y }]);
  for (const [one, other] of [[["e", "s1"], ["es", "1"]], [[null, "a"], ["a", null]], [[null, ""], ["", null]]]) {
    const [columnsA, rowsA] = split(one[0], one[1]);
    const [columnsB, rowsB] = split(other[0], other[1]);
    assertNotEquals(columnsA, columnsB, JSON.stringify(one));
    assertNotEquals(rowsA, rowsB, JSON.stringify(one));
  }
});

Deno.test("a change to any one cell of a table of rows changes its digest", () => {
  const base: Student = {
    id: 1,
    campusId: 2,
    sourceId: "s-1",
    studentNumber: "100",
    firstName: "Ana",
    lastName: "Ruiz",
    grade: "05",
    deletedAt: null,
  };
  const digest = tableDigest(STUDENTS, [base, { ...base, id: 2 }]);
  const changes: Partial<Student>[] = [
    { id: 3 },
    { campusId: null },
    { sourceId: null },
    { studentNumber: "" },
    { firstName: "Ana " },
    { lastName: "Ruiz\u0000" },
    { grade: null },
    { deletedAt: "2026-11-30" },
  ];
  for (const change of changes) {
    assertNotEquals(
      tableDigest(STUDENTS, [{ ...base, ...change }, { ...base, id: 2 }]),
      digest,
      JSON.stringify(change),
    );
  }
  // Cells never run into each other: moving a character from one name to the next is a change.
  assertNotEquals(
    tableDigest(STUDENTS, [{ ...base, firstName: "An", lastName: "aRuiz" }]),
    tableDigest(STUDENTS, [{ ...base, firstName: "Ana", lastName: "Ruiz" }]),
  );
  assertEquals(tableDigest(STUDENTS, [base, { ...base, id: 2 }]), digest);
});
