/**
 * The fast CSV reader (csvRecords) against csv-parse (csvRecordsWithCsvParse):
 * on any text, cut into chunks anywhere, the same records on the same lines,
 * and the same error when csv-parse fails.
 */
import { assertEquals, assertRejects } from "./helpers/assert.ts";
import { Readable } from "node:stream";
import fc from "fast-check";
import { csvRecords, csvRecordsWithCsvParse } from "../lib/sources/oneroster-csv/records.ts";
import { LimitError } from "../lib/sources/limits.ts";
import { chunked } from "./helpers/chunked.ts";

/**
 * The records, then the error if any. csv-parse names the line a record grew
 * past the limit on only as far as it had parsed when the feeder stopped it,
 * which depends on how the input was cut; so a limit error is compared
 * without its line (the line the fast reader names is checked below).
 */
async function collect(records: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  try {
    for await (const r of records) out.push(r);
  } catch (e) {
    const limit = e instanceof LimitError;
    const message = limit ? (e as Error).message.replace(/^t\.csv:\d+:/, "t.csv:?:") : (e as Error).message;
    out.push({ error: (e as Error).constructor.name, message });
  }
  return out;
}

const piece = fc.constantFrom("a", "stu-1", ",", '"', "\n", "\r\n", "\r", " ", "é", "Nguyễn", "", "\uFEFF");
const raw = fc.array(piece, { maxLength: 4 }).map((xs) => xs.join(""));
const plain = fc.constantFrom("", "a", "stu-000123", "Zoë", "O'Brien", " x ", "2026-08-01T00:00:00Z");
const field = fc.oneof(
  { arbitrary: plain, weight: 6 },
  { arbitrary: raw.map((s) => `"${s.replaceAll('"', '""')}"`), weight: 3 },
  // Unquoted, quotes included but no line break: csv-parse's own line count goes astray on a CR or LF that is
  // not the file's record delimiter (it names "\r\n\n"'s one record line 1), so those are left out.
  { arbitrary: raw.map((s) => s.replace(/[\r\n]/g, "")), weight: 1 },
);
const csvText = fc.tuple(
  fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { minLength: 0, maxLength: 8 }),
  fc.constantFrom("\n", "\r\n", "\r"),
  fc.boolean(),
  fc.boolean(),
  fc.array(fc.nat(8), { maxLength: 2 }),
).map(([rows, eol, bom, last, blanks]) => {
  const lines = rows.map((r) => r.join(","));
  for (const b of blanks) lines.splice(b % (lines.length + 1), 0, "");
  return (bom ? "\uFEFF" : "") + lines.join(eol) + (last ? eol : "");
});

Deno.test("the fast CSV reader gives csv-parse's records, lines and errors however the input is cut", async () => {
  await fc.assert(
    fc.asyncProperty(
      csvText,
      fc.array(fc.nat(300), { maxLength: 10 }),
      fc.constantFrom(undefined, 24, 60),
      async (text, cuts, maxRecordBytes) => {
        const bytes = new TextEncoder().encode(text);
        const options = { maxRecordBytes };
        const expected = await collect(csvRecordsWithCsvParse("t.csv", Readable.from([bytes]), options));
        const got = await collect(csvRecords("t.csv", chunked(bytes, cuts), options));
        // A read that fails fails whole: which records came before the error does not matter, the error does.
        const failed = (xs: unknown[]) => (xs.at(-1) as { error?: string } | undefined)?.error ? [xs.at(-1)] : xs;
        assertEquals(failed(got), failed(expected), JSON.stringify(text));
      },
    ),
    { numRuns: 3000 },
  );
});

Deno.test("the fast CSV reader agrees with csv-parse on a plain export with quoted commas cut into 40 chunks", async () => {
  const rows = ["sourcedId,status,name", ...Array.from({ length: 5000 }, (_, i) => `stu-${i},active,"Ruiz, Ana ${i}"`)];
  const bytes = new TextEncoder().encode("\uFEFF" + rows.join("\r\n") + "\r\n");
  const cuts = Array.from({ length: 40 }, (_, i) => i * 3001);
  const fast = await collect(csvRecords("t.csv", chunked(bytes, cuts)));
  assertEquals(fast.length, 5001);
  assertEquals(fast, await collect(csvRecordsWithCsvParse("t.csv", Readable.from([bytes]))));
  assertEquals(fast[5000], { line: 5001, fields: ["stu-4999", "active", "Ruiz, Ana 4999"] });
});

Deno.test("the fast CSV reader stops a line past the record limit at that line, however the input is cut", async () => {
  const text = "id,name\nstu-1,Ana\nstu-2," + "x".repeat(100) + "\nstu-3,Ben\n";
  for (const cuts of [[], [3], [20, 21, 60], [30, 90, 110]]) {
    const bytes = new TextEncoder().encode(text);
    const seen: number[] = [];
    const e = await assertRejects(async () => {
      for await (const r of csvRecords("t.csv", chunked(bytes, cuts), { maxRecordBytes: 64 })) seen.push(r.line);
    }, LimitError);
    assertEquals([seen, e.message.split(" a record")[0]], [[1, 2], "t.csv:3:"]);
  }
});

Deno.test("a reader stopped after the header releases its input, on the fast path and after csv-parse took over", async () => {
  for (const text of ["id,name\nstu-1,Ana\n", 'id,"na\nme"\nstu-1,Ana\n']) {
    // A stream with more to come: it is not ended (so not released by itself) when the reader stops.
    const slow = async function* () {
      yield new TextEncoder().encode(text);
      await new Promise((r) => setTimeout(r, 20));
      yield new TextEncoder().encode("stu-2,Ben\n");
    };
    const input = Readable.from(slow());
    for await (const _ of csvRecords("t.csv", input)) break;
    assertEquals(input.destroyed, true, JSON.stringify(text));
    await new Promise((r) => setTimeout(r, 30));
  }
});
