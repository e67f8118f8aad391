/**
 * Bounded input: every file of the hostile corpus (tests/helpers/hostile-files.ts)
 * ends in one clear error naming the file, the expected exit code, and a peak
 * RSS under 1 GiB, read by `tools/diagnose.ts` as a user would run it; plus
 * the reader's pieces (limits, zip, CSV records) checked in-process.
 */
import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "./helpers/assert.ts";
import { join } from "node:path";
import { Readable } from "node:stream";
import fc from "fast-check";
import {
  type CorpusCustomer,
  deflated,
  healthyEntries,
  HOSTILE_CASES,
  runCase,
  stored,
  writeZip,
} from "./helpers/hostile-files.ts";
import { withCustomer } from "./helpers/customer.ts";
import { MINIMAL_11, withBundle, withTempDir } from "./helpers/bundle.ts";
import { readOneRosterCsv } from "../lib/sources/oneroster-csv/read.ts";
import { csvRecords, csvRecordsContaining } from "../lib/sources/oneroster-csv/records.ts";
import { SourceError } from "../lib/sources/errors.ts";
import { DEFAULT_LIMITS, LimitError, limitsFromEnv, parseBytes } from "../lib/sources/limits.ts";
import { SettingsError } from "../lib/settings/load.ts";
import { CustomCsvSource } from "../lib/settings/schema.ts";
import { readCustomCsv } from "../lib/sources/custom-csv/read.ts";
import { chunked } from "./helpers/chunked.ts";

const RSS_LIMIT = 1024 ** 3;
const dbTest = { sanitizeOps: false, sanitizeResources: false };

for (const c of HOSTILE_CASES.filter((c) => c.mode === "roster-check")) {
  Deno.test(`hostile file: ${c.name} ends in exit ${c.expect.code} and ${c.expect.stderr}, under 1 GiB`, async () => {
    const run = await runCase(c);
    assertEquals(run.code, c.expect.code, run.stderr);
    assertMatch(run.stderr, c.expect.stderr);
    if (c.expect.code !== 0) {
      assertEquals(run.stderr.trim().split("\n").length, 1, `one line of error: ${run.stderr}`);
      assertEquals(run.stdout, "", "no report after an error");
    }
    assert(run.peakRssBytes > 0, "the child's RSS was sampled");
    assert(run.peakRssBytes < RSS_LIMIT, `peak RSS ${(run.peakRssBytes / 2 ** 20).toFixed(0)} MiB`);
  });
}

Deno.test({
  name:
    "hostile file, full diagnose against a database: a zero-byte or runaway users.csv is one error naming it, exit 1",
  ...dbTest,
  fn: () =>
    withCustomer({ customerId: "hostile-usd", students: 60 }, async (customer: CorpusCustomer) => {
      for (const c of HOSTILE_CASES.filter((c) => c.mode === "diagnose")) {
        const run = await runCase(c, customer);
        assertEquals(run.code, c.expect.code, `${c.name}: ${run.stderr}`);
        assertMatch(run.stderr, c.expect.stderr);
        assert(run.peakRssBytes > 0 && run.peakRssBytes < RSS_LIMIT, `${c.name}: peak RSS ${run.peakRssBytes}`);
      }
    }),
});

Deno.test("limits: defaults fit a 1M-student district, and the environment sets each one", () => {
  assertEquals(DEFAULT_LIMITS.maxFileBytes, 2 * 1024 ** 3);
  assertEquals(DEFAULT_LIMITS.maxExportBytes, 4 * 1024 ** 3);
  assertEquals(DEFAULT_LIMITS.maxRecordBytes, 1024 ** 2);
  const limits = limitsFromEnv({
    CDT_MAX_EXPORT_BYTES: "8GiB",
    CDT_MAX_FILE_BYTES: "3G",
    CDT_MAX_ZIP_RATIO: "250",
    CDT_MAX_ZIP_ENTRIES: "50",
    CDT_MAX_RECORD_BYTES: "65536",
  });
  assertEquals(limits, {
    maxExportBytes: 8 * 1024 ** 3,
    maxFileBytes: 3 * 1024 ** 3,
    maxZipRatio: 250,
    maxZipEntries: 50,
    maxRecordBytes: 65536,
  });
  assertEquals(parseBytes("512MiB"), 512 * 1024 ** 2);
  assertEquals(parseBytes("-1"), undefined);
  assertMatch(
    assertThrows(() => limitsFromEnv({ CDT_MAX_ZIP_RATIO: "1.5e3x" }), SettingsError).message,
    /CDT_MAX_ZIP_RATIO/,
  );
});

Deno.test("limits given per read win over the defaults: a record over a small limit names its file and line", async () => {
  await withBundle(
    { "users.csv": MINIMAL_11["users.csv"] + `stu-9,active,,true,sch-1,student,${"x".repeat(5000)}\n` },
    async (dir) => {
      const e = await assertRejects(() => readOneRosterCsv(dir, { limits: { maxRecordBytes: 4096 } }), LimitError);
      assertEquals(e.limit, "maxRecordBytes");
      assertMatch(e.message, /^users\.csv:4: a record is longer than 4 KiB/);
      assert(e instanceof SourceError, "a LimitError is a SourceError: shells exit 1");
      await readOneRosterCsv(dir, { limits: { maxRecordBytes: 8192 } });
    },
  );
});

Deno.test("a zip64 export and a stored (uncompressed) export read exactly as the directory they were made from", async () => {
  await withBundle({}, async (dir) => {
    const expected = await readOneRosterCsv(dir);
    const strip = (r: typeof expected) => ({ ...r, source: { ...r.source, location: "" }, issues: r.issues });
    await writeZip(join(dir, "a64.zip"), healthyEntries(), { zip64: true });
    await writeZip(join(dir, "stored.zip"), Object.entries(MINIMAL_11).map(([n, t]) => stored(n, t)));
    assertEquals(strip(await readOneRosterCsv(join(dir, "a64.zip"))), strip(expected));
    assertEquals(strip(await readOneRosterCsv(join(dir, "stored.zip"))), strip(expected));
  });
});

Deno.test("a zip entry whose name holds control characters is named escaped in the error", async () => {
  await withTempDir(async (dir) => {
    await writeZip(join(dir, "x.zip"), healthyEntries([deflated("../\u001b[2Jusers.csv", "x\n")]));
    const e = await assertRejects(() => readOneRosterCsv(join(dir, "x.zip")), SourceError);
    assert(!e.message.includes("\u001b"), e.message);
    assertMatch(e.message, /entry "\.\.\/\\u\{1b\}\[2Jusers\.csv" has an unsafe path/);
  });
});

Deno.test("roster-check reads a zero-byte required file as an error issue naming it; a full read refuses it", async () => {
  await withBundle({ "enrollments.csv": "" }, async (dir) => {
    const roster = await readOneRosterCsv(dir, { tolerateMissing: true });
    const empty = roster.issues.filter((i) => i.kind === "empty_file");
    assertEquals(empty.map((i) => [i.severity, i.file]), [["error", "enrollments.csv"]]);
    assertEquals(roster.fileModes.enrollments, "absent", "an unreadable file is not read as an empty bulk file");
    const e = await assertRejects(() => readOneRosterCsv(dir), SourceError);
    assertMatch(e.message, /enrollments\.csv is empty \(no header row\); a OneRoster 1\.1 export needs it/);
  });
  await withBundle({ "courses.csv": "" }, async (dir) => {
    const roster = await readOneRosterCsv(dir);
    assertEquals(roster.issues.filter((i) => i.kind === "empty_file").map((i) => i.severity), ["warning"]);
  });
});

Deno.test("an error thrown while the CSV parser takes a chunk ends the read as one SourceError, not an uncaught one", async () => {
  // A chunk csv-parse's stream refuses by throwing from write(): with pipe() that throw escaped every try.
  const poison = { length: 3, indexOf: () => -1, lastIndexOf: () => -1, subarray: () => poison };
  const input = Readable.from([new TextEncoder().encode("id,name\nstu-1,Ana\n"), poison as unknown as Uint8Array]);
  const seen: number[] = [];
  const e = await assertRejects(async () => {
    for await (const r of csvRecords("users.csv", input)) seen.push(r.line);
  }, SourceError);
  assertMatch(e.message, /^users\.csv:\d+: not readable as CSV/);
  assert(input.destroyed, "the input is released");
});

Deno.test("an input stream that fails midway ends the read as one SourceError naming the file", async () => {
  async function* failing() {
    yield new TextEncoder().encode("id,name\nstu-1,Ana\n");
    throw new Error("disk went away");
  }
  const e = await assertRejects(async () => {
    for await (const _ of csvRecords("users.csv", Readable.from(failing()))) { /* drain */ }
  }, SourceError);
  assertMatch(e.message, /^users\.csv:\d+: not readable as CSV \(disk went away\)/);
});

const field = fc.oneof(
  fc.constantFrom("", "a", "stu-1", "Zoë", "Nguyễn", "O'Brien"),
  fc.string({ unit: fc.constantFrom("a", ",", '"', "\n", "\r\n", "\r", " ", "é") }).map((s) =>
    `"${s.replaceAll('"', '""')}"`
  ),
);
const csvText = fc.tuple(
  fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
  fc.constantFrom("\n", "\r\n"),
  fc.boolean(),
).map(([rows, eol, bom]) => (bom ? "\uFEFF" : "") + rows.map((r) => r.join(",")).join(eol) + eol);

Deno.test("the streaming skipping reader gives the same records and lines however its input is cut into chunks", async () => {
  await fc.assert(
    fc.asyncProperty(csvText, fc.array(fc.nat(400), { maxLength: 12 }), async (text, cuts) => {
      const bytes = new TextEncoder().encode(text);
      const whole: unknown[] = [];
      for await (const r of csvRecords("t.csv", Readable.from([bytes]))) whole.push(r);
      const pieces: unknown[] = [];
      for await (const r of csvRecordsContaining("t.csv", chunked(bytes, cuts), [""])) pieces.push(r);
      assertEquals(pieces, whole);
      const split: unknown[] = [];
      for await (const r of csvRecords("t.csv", chunked(bytes, cuts))) split.push(r);
      assertEquals(split, whole);
    }),
    { numRuns: 300 },
  );
});

Deno.test("the skipping reader stops a runaway record at the limit, naming the line it starts on", async () => {
  const text = 'id,name\nstu-1,Ana\nstu-2,"' + "x".repeat(300_000);
  const e = await assertRejects(async () => {
    const stream = chunked(new TextEncoder().encode(text), [5000, 100_000, 200_000]);
    for await (const _ of csvRecordsContaining("users.csv", stream, ["stu-9"], { maxRecordBytes: 65536 })) {
      /* drain */
    }
  }, LimitError);
  assertMatch(e.message, /^users\.csv:3: a record is longer than 64 KiB/);
});

Deno.test("a custom-csv file that is empty, or has a runaway record, is one error naming the file", async () => {
  const source = CustomCsvSource.parse({
    kind: "custom-csv",
    path: ".",
    files: {
      users: { file: "students.csv", columns: { sourcedId: "Code", givenName: "Name" }, defaults: { role: "student" } },
    },
  });
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "students.csv"), "");
    assertMatch(
      (await assertRejects(() => readCustomCsv(source, dir), SourceError)).message,
      /students\.csv is empty \(no header row\)/,
    );
    await Deno.writeTextFile(join(dir, "students.csv"), `Code,Name\nS1,"${"x".repeat(2 * 1024 * 1024)}"\n`);
    assertMatch(
      (await assertRejects(() => readCustomCsv(source, dir), LimitError)).message,
      /^students\.csv:2: a record is longer than 1 MiB/,
    );
  });
});
