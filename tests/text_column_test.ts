import fc from "fast-check";
import { assertEquals, assertNotEquals } from "./helpers/assert.ts";
import { TextColumn } from "../lib/model/rows.ts";

Deno.test("a text column gives back every value pushed, null and empty ones included, across packed chunks", () => {
  const values: Array<string | null> = [];
  for (let i = 0; i < 150_000; i++) {
    values.push(i % 7 === 0 ? null : i % 11 === 0 ? "" : i % 13 === 0 ? `é😀${i}` : `enr-${i}`);
  }
  const column = new TextColumn();
  for (const v of values) column.push(v);
  assertEquals(column.length, values.length);
  const back = Array.from({ length: values.length }, (_, i) => column.get(i));
  assertEquals(back, values);
});

Deno.test("text columns compare by their values, packed or not", () => {
  fc.assert(
    fc.property(fc.array(fc.option(fc.string(), { nil: null }), { maxLength: 40 }), (values) => {
      const a = new TextColumn();
      const b = new TextColumn();
      for (const v of values) a.push(v);
      for (const v of values) b.push(v);
      assertEquals(a, b);
      b.push("one more");
      assertNotEquals(a, b);
    }),
  );
  const big = (last: string | null) => {
    const c = new TextColumn();
    for (let i = 0; i < 65_536; i++) c.push(i === 65_535 ? last : "x");
    return c;
  };
  assertEquals(big("y"), big("y"));
  assertNotEquals(big("y"), big("z"));
  assertNotEquals(big(null), big(""));
});

Deno.test("values too long to join into one string are kept as they are, and read back", () => {
  // 65,536 values of 8,200 characters (the read limits allow such ids): joined, more than V8's longest string.
  const long = "e".repeat(8_200);
  const column = new TextColumn();
  for (let i = 0; i < 65_538; i++) column.push(i === 7 ? null : `${long}${i}`);
  assertEquals(column.length, 65_538);
  assertEquals([column.get(0), column.get(7), column.get(65_535), column.get(65_537)], [
    `${long}0`,
    null,
    `${long}65535`,
    `${long}65537`,
  ]);
});
