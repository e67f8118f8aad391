import { assertEquals } from "./helpers/assert.ts";
import fc from "fast-check";
import { IdTable } from "../lib/id-table.ts";

Deno.test("IdTable numbers strings in order of first appearance, as a Map would, through growth", () => {
  fc.assert(
    fc.property(fc.array(fc.string({ maxLength: 12 }), { minLength: 600, maxLength: 3000 }), (strings) => {
      const table = new IdTable(4);
      const map = new Map<string, number>();
      for (const s of strings) {
        if (!map.has(s)) map.set(s, map.size);
        assertEquals(table.add(s), map.get(s));
      }
      assertEquals(table.size, map.size);
      for (const [s, n] of map) {
        assertEquals(table.indexOf(s), n);
        assertEquals(table.at(n), s);
      }
      assertEquals(table.indexOf("\u0000never added\u0000"), -1);
    }),
    { numRuns: 30, endOnFailure: true },
  );
});

Deno.test("IdTable keeps what `keep` returns for a new string, and only for a new one", () => {
  const table = new IdTable();
  let calls = 0;
  const keep = (s: string) => (calls++, `${s}`);
  assertEquals(table.add("a-long-source-id-0001", keep), 0);
  assertEquals(table.add("a-long-source-id-0001", keep), 0);
  assertEquals(calls, 1);
  // 300,000 ids: the table grows many times and still finds each.
  for (let i = 0; i < 300_000; i++) table.add(`stu-${i}`);
  assertEquals(table.size, 300_001);
  let lost = 0;
  for (let i = 0; i < 300_000; i++) if (table.indexOf(`stu-${i}`) !== i + 1) lost++;
  assertEquals(lost, 0);
});
