import fc from "fast-check";
import { assertEquals, assertThrows } from "./helpers/assert.ts";
import { enrollmentIds, EnrollmentIndex } from "../lib/diagnostics/indexes.ts";

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

Deno.test("notIn refuses to compare indexes whose ids are numbered apart", () => {
  const rows: Row[] = [{ cls: "c1", user: "u1", role: "student" }];
  const a = EnrollmentIndex.build(enrollmentIds(), rows, keyOf);
  const b = EnrollmentIndex.build(enrollmentIds(), rows, keyOf);
  assertThrows(() => [...a.notIn(b)], Error);
});
