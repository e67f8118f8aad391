import { assertEquals } from "./helpers/assert.ts";
import { Readable } from "node:stream";
import fc from "fast-check";
import { csvRecordBatches, csvRecords, csvRecordsContaining } from "../lib/sources/oneroster-csv/records.ts";

const stream = (text: string) => Readable.from([new TextEncoder().encode(text)]);
async function all(gen: AsyncGenerator<{ line: number; fields: string[] }>) {
  const out = [];
  for await (const r of gen) out.push(r);
  return out;
}

const field = fc.oneof(
  fc.constantFrom("", "a", "stu-1", "x y", "Ana", "O'Brien", "5'10\""),
  fc.string({ unit: fc.constantFrom("a", "b", ",", '"', "\n", "\r\n", " ", "é") }).map((s) =>
    `"${s.replaceAll('"', '""')}"`
  ),
);
const csvText = fc.tuple(
  fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 }),
  fc.constantFrom("\n", "\r\n"),
  fc.boolean(),
  fc.boolean(),
).map(([rows, eol, bom, blank]) =>
  (bom ? "\uFEFF" : "") + rows.map((r) => r.join(",")).join(blank ? eol + eol : eol) + eol
);

Deno.test("the skipping reader yields what csv-parse yields, lines included, when every record is wanted", async () => {
  await fc.assert(
    fc.asyncProperty(csvText, async (text) => {
      assertEquals(
        await all(csvRecordsContaining("t.csv", stream(text), [""])),
        await all(csvRecords("t.csv", stream(text))),
      );
    }),
    { numRuns: 300 },
  );
});

Deno.test("the skipping reader keeps the header and the records that contain a needle, at their lines", async () => {
  const text = 'id,name\r\nstu-1,"Ruiz,\r\nAna"\r\nstu-2,Ben\r\n\r\nstu-3,"says ""stu-2"""\r\n';
  assertEquals(await all(csvRecordsContaining("t.csv", stream(text), ["stu-2"])), [
    { line: 1, fields: ["id", "name"] },
    { line: 4, fields: ["stu-2", "Ben"] },
    { line: 6, fields: ["stu-3", 'says "stu-2"'] },
  ]);
});

Deno.test("records come a piece of the file at a time, the same records, and those before a record past the limit come before its error", async () => {
  const rows = Array.from({ length: 300 }, (_, i) => `stu-${i},Ana,${i % 7}`);
  const text = `sourcedId,givenName,grade\n${rows.join("\n")}\n${"x".repeat(5000)}\nstu-after,Bo,1\n`;
  const batches: { line: number; fields: string[] }[][] = [];
  let error: Error | undefined;
  try {
    for await (const batch of csvRecordBatches("users.csv", stream(text), { maxRecordBytes: 4096 })) {
      batches.push(batch);
    }
  } catch (e) {
    error = e as Error;
  }
  assertEquals(error?.message.startsWith("users.csv:302: a record is longer than 4 KiB"), true, error?.message);
  // One piece of text, one batch: every record before the long one, in order, with its line.
  assertEquals(batches.length, 1);
  assertEquals(batches[0].length, 301);
  assertEquals(batches[0].at(-1), { line: 301, fields: ["stu-299", "Ana", "5"] });
  let oneByOne = 0;
  try {
    for await (const _ of csvRecords("users.csv", stream(text), { maxRecordBytes: 4096 })) oneByOne++;
  } catch { /* the same error */ }
  assertEquals(oneByOne, 301);
});
