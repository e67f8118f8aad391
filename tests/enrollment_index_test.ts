import { PlatformEnrollmentTable } from "../lib/model/platform-enrollment-table.ts";
import fc from "fast-check";
import { assertEquals, assertThrows } from "./helpers/assert.ts";
import {
  byId,
  bySource,
  denseSlots,
  type EnrollmentIds,
  enrollmentIds,
  EnrollmentIndex,
  enrollmentKey,
  indexPlatform,
  indexSource,
} from "../lib/diagnostics/indexes.ts";
import { EnrollmentTable } from "../lib/model/enrollment-table.ts";
import { emptyRoster, type Enrollment } from "../lib/model/roster.ts";
import { emptySnapshot, type PlatformSnapshot } from "../lib/model/snapshot.ts";
import { platformClass, platformEnrollment, platformStudent, platformTeacher } from "./helpers/literals.ts";

type Row = { cls: string; user: string; role: string };
const keyOf = (r: Row) => [r.cls, r.user, r.role] as const;
const row = fc.record({
  cls: fc.constantFrom("c1", "c2", "c3", "c4"),
  user: fc.constantFrom("u1", "u2", "u3", "u4", "u5"),
  role: fc.constantFrom("student", "teacher", "aide"),
});

Deno.test("notIn gives, in key order, exactly the entries whose key the other side's index lacks", () => {
  fc.assert(
    fc.property(fc.array(row, { maxLength: 40 }), fc.array(row, { maxLength: 40 }), fc.boolean(), (a, b, aFirst) => {
      const ids = enrollmentIds();
      // Either side may number the ids first, as a run builds whichever index a tool asks for first.
      const [left, right] = aFirst
        ? [EnrollmentIndex.build(ids, a, keyOf), EnrollmentIndex.build(ids, b, keyOf)]
        : (() => {
          const r = EnrollmentIndex.build(ids, b, keyOf);
          return [EnrollmentIndex.build(ids, a, keyOf), r];
        })();
      const expected = [...left.entries()].filter(([c, u, role]) => !right.has(c, u, role));
      assertEquals([...left.notIn(right)], expected);
      const back = [...right.entries()].filter(([c, u, role]) => !left.has(c, u, role));
      assertEquals([...right.notIn(left)], back);
    }),
    { numRuns: 300 },
  );
});

Deno.test("an index keeps keys in order and each key's rows in row order, however many rows a class has", () => {
  // Classes of a few rows (sorted by insertion) and of hundreds (sorted by comparison), users repeated.
  const rowOf = fc.record({
    cls: fc.oneof({ weight: 8, arbitrary: fc.constant("big") }, { weight: 1, arbitrary: fc.constantFrom("c1", "c2") }),
    user: fc.integer({ min: 0, max: 60 }).map((n) => `u${n}`),
    role: fc.constantFrom("student", "teacher"),
  });
  fc.assert(
    fc.property(fc.array(rowOf, { minLength: 150, maxLength: 400 }), (rows) => {
      const ids = enrollmentIds();
      const index = EnrollmentIndex.build(ids, rows, keyOf);
      // The same from a Map of each key's rows, keys sorted by their numbers as the index packs them.
      const byKey = new Map<string, { key: number; rows: Row[] }>();
      for (const r of rows) {
        const id = `${r.cls} ${r.user} ${r.role}`;
        const key = enrollmentKey(ids.classes.number(r.cls), r.role as "student", ids.users.number(r.user));
        (byKey.get(id) ?? byKey.set(id, { key, rows: [] }).get(id)!).rows.push(r);
      }
      const expected = [...byKey.values()].sort((a, b) => a.key - b.key)
        .map(({ rows: [r, ...rest] }) => [r.cls, r.user, r.role, [r, ...rest]]);
      assertEquals([...index.entries()], expected);
    }),
    { numRuns: 200 },
  );
});

Deno.test("notIn refuses to compare indexes whose ids are numbered apart", () => {
  const rows: Row[] = [{ cls: "c1", user: "u1", role: "student" }];
  const a = EnrollmentIndex.build(enrollmentIds(), rows, keyOf);
  const b = EnrollmentIndex.build(enrollmentIds(), rows, keyOf);
  assertThrows(() => [...a.notIn(b)], Error);
});

/** The platform's active enrollment keys as indexPlatform built them before it kept states in arrays. */
function platformIndexByMaps(platform: PlatformSnapshot, ids: EnrollmentIds) {
  const byId = <T extends { id: number }>(rows: Iterable<T>) => new Map([...rows].map((r) => [r.id, r] as const));
  const classById = byId(platform.classes);
  const people = { student: byId(platform.students), teacher: byId(platform.teachers) };
  const classNumbers = new Map<number, number>();
  const personNumbers = { student: new Map<number, number>(), teacher: new Map<number, number>() };
  return EnrollmentIndex.buildPacked(ids, platform.enrollments, (e) => {
    if (e.deletedAt !== null || (e.role !== "student" && e.role !== "teacher")) return undefined;
    const cls = classById.get(e.classId);
    if (!cls || cls.deletedAt !== null || cls.sourceId === null) return undefined;
    const personId = e.role === "student" ? e.studentId : e.teacherId;
    const person = personId === null ? undefined : people[e.role].get(personId);
    if (!person || person.deletedAt !== null || person.sourceId === null) return undefined;
    let c = classNumbers.get(e.classId);
    if (c === undefined) classNumbers.set(e.classId, c = ids.classes.number(cls.sourceId));
    let u = personNumbers[e.role].get(personId!);
    if (u === undefined) personNumbers[e.role].set(personId!, u = ids.users.number(person.sourceId));
    return enrollmentKey(c, e.role, u);
  });
}

Deno.test("the platform's enrollment index numbers and keys what Maps by platform id gave, dense ids or not", () => {
  // Ids: small serial numbers (kept in arrays), or sparse, negative and fractional ones (kept in Maps).
  const id = fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constantFrom(-1, 0.5, 2 ** 40, 10 ** 9));
  const sourceId = fc.option(fc.constantFrom("a", "b", "c", "d"), { nil: null });
  const deletedAt = fc.option(fc.constant("2026-01-01"), { nil: null, freq: 3 });
  const part = fc.record({ id, sourceId, deletedAt });
  const enrollment = fc.record({
    classId: id,
    personId: fc.option(id, { nil: null, freq: 8 }),
    role: fc.constantFrom("student", "teacher", "aide"),
    deletedAt,
  });
  fc.assert(
    fc.property(
      fc.array(part, { maxLength: 14 }),
      fc.array(part, { maxLength: 14 }),
      fc.array(part, { maxLength: 8 }),
      fc.array(enrollment, { maxLength: 60 }),
      (classes, students, teachers, enrollments) => {
        const platform = {
          ...emptySnapshot(),
          classes: classes.map((c) => platformClass(c.id, c.sourceId, { deletedAt: c.deletedAt })),
          students: students.map((s) => platformStudent(s.id, s.sourceId, { deletedAt: s.deletedAt })),
          teachers: teachers.map((t) => platformTeacher(t.id, t.sourceId, { deletedAt: t.deletedAt })),
          enrollments: enrollments.map((e, i) => ({
            ...platformEnrollment(i + 1, e.classId, e.role === "teacher" ? "teacher" : "student", e.personId ?? 0, {
              deletedAt: e.deletedAt,
            }),
            role: e.role as "student",
            studentId: e.role === "student" ? e.personId : null,
            teacherId: e.role === "student" ? null : e.personId,
          })),
        };
        const before = enrollmentIds();
        const expected = platformIndexByMaps(platform, before);
        // The rows as a list, and as the columns a platform read keeps them in.
        for (const enrollments of [platform.enrollments, PlatformEnrollmentTable.from(platform.enrollments)]) {
          const ids = enrollmentIds();
          const built = indexPlatform({ ...platform, enrollments }, ids).activeEnrollments;
          assertEquals([...built.entries()], [...expected.entries()]);
          assertEquals([ids.classes.ids, ids.users.ids], [before.classes.ids, before.users.ids]);
        }
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("the roster's index from its table's columns is the index of its rows: keys, rows and numbering", () => {
  const enrollment = fc.record({
    sourcedId: fc.constantFrom("e1", "e2", "e3", "e4", "e5", "e6"),
    status: fc.constantFrom("active", "tobedeleted"),
    classSourcedId: fc.constantFrom("c1", "c2", "active", "student"),
    schoolSourcedId: fc.constantFrom("s1", "c1"),
    userSourcedId: fc.constantFrom("u1", "u2", "u3", "c2", "teacher"),
    role: fc.constantFrom("student", "teacher", "aide", "ext:tutor"),
  });
  fc.assert(
    fc.property(fc.array(enrollment, { maxLength: 50 }), fc.boolean(), (rows, numbered) => {
      const full: Enrollment[] = rows.map((r) => ({
        ...r,
        status: r.status as Enrollment["status"],
        primary: undefined,
        beginDate: undefined,
        endDate: undefined,
        extensions: undefined,
        origin: undefined,
      }));
      const table = new EnrollmentTable();
      // Numbered by the caller (as from the worker) or by the table itself; a wrong number is not trusted.
      const seen = new Map<string, number>();
      for (const e of full) {
        if (!numbered) table.push(e);
        else {
          if (!seen.has(e.userSourcedId)) seen.set(e.userSourcedId, seen.size);
          table.pushNumbered(e, e.sourcedId === "e6" ? 99 : seen.get(e.userSourcedId)!);
        }
      }
      assertEquals([...table], full);
      const fromArray = enrollmentIds();
      const fromTable = enrollmentIds();
      const a = indexSource({ ...emptyRoster(), enrollments: full }, fromArray).activeEnrollments;
      const t = indexSource({ ...emptyRoster(), enrollments: table }, fromTable).activeEnrollments;
      assertEquals([...t.entries()], [...a.entries()]);
      assertEquals([fromTable.classes.ids, fromTable.users.ids], [fromArray.classes.ids, fromArray.users.ids]);
    }),
    { numRuns: 500 },
  );
});

Deno.test("platform rows by source id are what a Map gave: the first row of an id, or its first active one", () => {
  const row = fc.record({
    id: fc.integer({ min: 1, max: 1_000 }),
    sourceId: fc.option(fc.constantFrom("a", "b", "c", "stu-1", "", "__proto__", "-1", "constructor", "a\u0000b"), {
      nil: null,
    }),
    deletedAt: fc.option(fc.constant("2026-01-01"), { nil: null }),
  });
  fc.assert(
    fc.property(fc.array(row, { maxLength: 30 }), (rows) => {
      const map = new Map<string, (typeof rows)[number]>();
      for (const r of rows) {
        if (r.sourceId === null) continue;
        const had = map.get(r.sourceId);
        if (!had || (had.deletedAt !== null && r.deletedAt === null)) map.set(r.sourceId, r);
      }
      const index = bySource(rows);
      for (const id of ["a", "b", "c", "stu-1", "", "d", "__proto__", "-1", "constructor", "a\u0000b", "0"]) {
        assertEquals(index.get(id), map.get(id), id);
      }
    }),
    { numRuns: 1000 },
  );
});

Deno.test("platform rows by id answer as a Map of them does: the last row of an id, ids in the order first seen", () => {
  // Small serial ids (kept in an array) or sparse, negative and fractional ones (kept in a Map), repeated.
  const id = fc.oneof(fc.integer({ min: 0, max: 30 }), fc.constantFrom(-1, -0, 0.5, 2 ** 40, 10 ** 9));
  fc.assert(
    fc.property(fc.array(id, { maxLength: 40 }), fc.array(id, { maxLength: 10 }), (ids, asked) => {
      const rows = ids.map((id, n) => ({ id, n }));
      const map = new Map(rows.map((r) => [r.id, r] as const));
      const built = byId(rows);
      assertEquals(built.size, map.size);
      assertEquals([...built.keys()], [...map.keys()]);
      assertEquals([...built.values()], [...map.values()]);
      for (const a of [...ids, ...asked, NaN]) assertEquals(built.get(a), map.get(a));
    }),
    { numRuns: 500 },
  );
});

Deno.test("dense slots give each distinct id its place in the list and -1 for any other, dense ids or not", () => {
  const id = fc.oneof(fc.integer({ min: 0, max: 30 }), fc.constantFrom(-1, 0.5, 2 ** 40, 10 ** 9));
  fc.assert(
    fc.property(fc.uniqueArray(id, { maxLength: 40 }), fc.array(id, { maxLength: 10 }), (ids, asked) => {
      const slotOf = denseSlots(ids);
      ids.forEach((id, slot) => assertEquals(slotOf(id), slot));
      for (const a of [...asked, NaN, -0.5, 31]) assertEquals(slotOf(a), ids.indexOf(a));
    }),
    { numRuns: 500 },
  );
});
