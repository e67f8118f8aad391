import fc from "fast-check";
import { assertEquals, assertMatch, assertRejects } from "./helpers/assert.ts";
import { CopyFields, type CopyStream, readCopyText, unescapeCopyText } from "../lib/platform/copy-text.ts";

/** A field as PostgreSQL's COPY text writes it (sql-copy.html, "Text Format"). */
function copyField(v: string | number | null): string {
  if (v === null) return "\\N";
  if (typeof v === "number") return String(v);
  return v.replace(
    /[\\\t\n\r\b\f\v]/g,
    (c) => ({ "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\b": "\\b", "\f": "\\f", "\v": "\\v" })[c]!,
  );
}

/** A stream that hands `bytes` over in the pieces `cuts` makes, one per macrotask, as a socket would. */
function streamOf(bytes: Uint8Array, cuts: number[]): CopyStream & { ended: boolean } {
  const listeners: Record<string, (x?: unknown) => void> = {};
  const stream = {
    ended: false,
    on(event: string, listener: (x?: never) => void) {
      listeners[event] = listener as (x?: unknown) => void;
      return stream;
    },
  };
  const points = [...new Set([0, ...cuts.filter((c) => c > 0 && c < bytes.length), bytes.length])].sort((a, b) =>
    a - b
  );
  (async () => {
    for (let i = 0; i + 1 < points.length; i++) {
      await new Promise((r) => setTimeout(r, 0));
      listeners.data?.(bytes.subarray(points[i], points[i + 1]));
    }
    await new Promise((r) => setTimeout(r, 0));
    stream.ended = true;
    listeners.end?.();
  })();
  return stream as CopyStream & { ended: boolean };
}

// Text a district or a support agent might have typed, and what a crafted row might hold.
const TEXT = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.constantFrom("", "\\N", "\\", "a\tb", "line\nbreak", "cr\r", "\u0000x", "é", "😀", "O'Brien", "\\\\N", "x\\"),
);
const INT = fc.oneof(fc.integer({ min: -1e9, max: 1e9 }), fc.constantFrom(0, 2 ** 53 - 1, -(2 ** 53 - 1), 10 ** 15));

Deno.test("COPY text is read back field for field, however the bytes are cut into chunks", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.option(INT, { nil: null }), fc.option(TEXT, { nil: null }), fc.option(TEXT, { nil: null }))),
      fc.array(fc.nat(), { maxLength: 12 }),
      async (rows, cuts) => {
        const bytes = new TextEncoder().encode(rows.map((r) => r.map(copyField).join("\t") + "\n").join(""));
        const read: typeof rows = [];
        const n = await readCopyText(
          streamOf(bytes, cuts.map((c) => c % (bytes.length + 1))),
          (f) => read.push([f.int(), f.text(), f.text()]),
        );
        assertEquals(n, rows.length);
        assertEquals(read, rows);
      },
    ),
    { numRuns: 400 },
  );
});

Deno.test("chunks larger than the gathering buffer, and rows longer than a chunk, are read whole", async () => {
  const long = "x".repeat(200_000);
  const rows = [[1, long], [2, "short"], [3, "é".repeat(70_000)]] as const;
  const bytes = new TextEncoder().encode(rows.map(([i, s]) => `${i}\t${s}\n`).join(""));
  for (const cuts of [[], [5, 100_000, 150_001], [200_003, 200_004]]) {
    const read: Array<[number | null, string | null]> = [];
    await readCopyText(streamOf(bytes, cuts), (f) => read.push([f.int(), f.text()]));
    assertEquals(read, rows.map(([i, s]) => [i, s]));
  }
});

Deno.test("the escapes PostgreSQL reads are undone: control letters, octal, hex, and any other escaped character", () => {
  assertEquals(unescapeCopyText("a\\\\b\\tc\\nd\\re\\bf\\fg\\vh"), "a\\b\tc\nd\re\bf\fg\vh");
  assertEquals(unescapeCopyText("\\101\\x42\\x4\\7z\\q"), "AB\u0004\u0007zq");
  assertEquals(unescapeCopyText("end\\"), "end\\");
  const f = new CopyFields();
  f.reset("x7\t\\N\t-12\t12345678901234567\tA\\tB\tq", 1, 36);
  assertEquals([f.int(), f.int(), f.int(), f.int(), f.text(), f.text()], [
    7,
    null,
    -12,
    12345678901234567,
    "A\tB",
    "q",
  ]);
});

Deno.test("a stream that ends inside a line is an error; a row that throws fails the read once the stream has ended", async () => {
  const cut = streamOf(new TextEncoder().encode("1\tok\n2\tunfinished"), []);
  assertMatch((await assertRejects(() => readCopyText(cut, () => {}), Error)).message, /ended inside a line/);
  const stream = streamOf(new TextEncoder().encode("1\n2\n3\n4\n"), [2, 4, 6]);
  const seen: number[] = [];
  const error = await assertRejects(
    () =>
      readCopyText(stream, (f) => {
        const n = f.int()!;
        seen.push(n);
        if (n === 2) throw new Error("row 2 refused");
      }),
    Error,
  );
  assertEquals(error.message, "row 2 refused");
  // The stream was read to its end (the connection stays usable), and no row after the error was handed over.
  assertEquals(stream.ended, true);
  assertEquals(seen, [1, 2]);
});
