import fc from "fast-check";
import { assert, assertEquals, assertNotEquals } from "./helpers/assert.ts";
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

/** A chunk's worth (65,536) of values after `recipe`: a prefix and numbers, padded or not, with what breaks the rule. */
function chunkOf(recipe: { prefix: string; width: number; step: number; odd: string | null; oddAt: number }): Array<
  string | null
> {
  const values: Array<string | null> = [];
  for (let j = 0; j < 65_536; j++) {
    const n = (j * recipe.step) % 1_000_000_000;
    const digits = recipe.width === 0 ? String(n) : String(n % 10 ** recipe.width).padStart(recipe.width, "0");
    values.push(j === recipe.oddAt ? recipe.odd : recipe.prefix + digits);
  }
  return values;
}

Deno.test("chunks of prefixed numbers give back every value exactly, whatever breaks the rule, pushed or joined", () => {
  fc.assert(
    fc.property(
      fc.record({
        prefix: fc.constantFrom("", "enr-", "é😀-", "stu_2024_", "0", "-", "enr-0"),
        width: fc.constantFrom(0, 1, 4, 7, 9),
        step: fc.integer({ min: 1, max: 1_000_003 }),
        // What a value of the chunk may be instead: another width, a leading zero, ten digits, no digits, another
        // prefix, a sign, empty, null, or one like the others.
        odd: fc.constantFrom("enr-1", "enr-0012", "enr-1234567890", "enr-", "stu-42", "enr--5", "", null, "00", "0"),
        oddAt: fc.nat(70_000),
      }),
      (recipe) => {
        const values = [...chunkOf(recipe), ...chunkOf({ ...recipe, oddAt: -1 }).slice(0, 100)];
        const pushed = new TextColumn();
        for (const v of values) pushed.push(v);
        // As the thread reading enrollments.csv hands a batch over: a whole chunk joined, with each value's length.
        const joined = new TextColumn();
        const first = values.slice(0, 65_536);
        if (!first.includes(null)) {
          joined.pushJoined(first.join(""), Int32Array.from(first, (v) => v!.length), first.length);
          for (const v of values.slice(65_536)) joined.push(v);
          assertEquals(joined, pushed);
        }
        for (let i = 0; i < values.length; i++) if (pushed.get(i) !== values[i]) assertEquals(pushed.get(i), values[i]);
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("a chunk of prefixed numbers holds 4 bytes a value; text that is not one holds its characters", () => {
  const numbered = new TextColumn();
  for (let i = 0; i < 65_536; i++) numbered.push(`enr-${String(i).padStart(7, "0")}`);
  const text = new TextColumn();
  for (let i = 0; i < 65_536; i++) text.push(`enr-${i.toString(36).padStart(7, "z")}`);
  assert(numbered.heldBytes < 4.1 * 65_536, `${numbered.heldBytes} bytes`);
  assert(text.heldBytes >= 15 * 65_536, `${text.heldBytes} bytes`);
});

Deno.test("a value compared in place (is) answers as comparing the value given back, in every kind of chunk", () => {
  const values: Array<string | null> = [
    ...chunkOf({ prefix: "enr-", width: 7, step: 3, odd: null, oddAt: 5 }),
    ...chunkOf({ prefix: "s", width: 0, step: 7, odd: null, oddAt: 9 }),
    ...Array.from({ length: 65_536 }, (_, j) => (j % 3 === 0 ? null : j % 3 === 1 ? "" : `é${j}x`)),
    ...Array.from({ length: 65_536 }, (_, j) => (j % 2 === 0 ? null : "")),
    "open",
    null,
  ];
  const column = new TextColumn();
  for (const v of values) column.push(v);
  const probes = (v: string | null) =>
    v === null ? ["", "null"] : [
      v,
      "",
      `${v}0`,
      v.slice(0, -1),
      `0${v}`,
      v.replace(/(\d+)$/, "0$1"),
      v.replace(/\d$/, (d) => String((Number(d) + 1) % 10)),
    ];
  let wrong = 0;
  for (let i = 0; i < values.length; i += 7) {
    for (const p of probes(values[i])) if (column.is(i, p) !== (column.get(i) === p)) wrong++;
  }
  assertEquals(wrong, 0);
});
