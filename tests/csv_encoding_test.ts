/**
 * What a CSV file's encoding does to a read: UTF-16 (with its byte order mark) is refused by name, and bytes that
 * are not UTF-8 (a Latin-1 é) read as U+FFFD with one warning per file at the first line they are on, whichever
 * way the file is read (fast path, csv-parse, the enrollments worker, a focused read, a custom CSV).
 */
import { assert, assertEquals, assertMatch, assertRejects } from "./helpers/assert.ts";
import { join } from "node:path";
import { Readable } from "node:stream";
import { readOneRosterCsv, type ReadOptions } from "../lib/sources/oneroster-csv/read.ts";
import { csvRecords, csvRecordsContaining, csvRecordsWithCsvParse } from "../lib/sources/oneroster-csv/records.ts";
import { readCustomCsv } from "../lib/sources/custom-csv/read.ts";
import { SourceError } from "../lib/sources/errors.ts";
import type { Roster } from "../lib/model/roster.ts";
import { CustomCsvSource } from "../lib/settings/schema.ts";
import { HEADERS, withBundle, withTempDir } from "./helpers/bundle.ts";
import { chunked } from "./helpers/chunked.ts";

const CUSTOM = new URL("./fixtures/custom-csv", import.meta.url).pathname;

/** The students of the custom-CSV fixture, mapped as its settings would. */
const MAPPING = CustomCsvSource.parse({
  kind: "custom-csv",
  path: CUSTOM,
  files: {
    users: {
      file: "students.csv",
      columns: { sourcedId: "StudentID", givenName: "First Name", familyName: "Last Name", grades: "Grade" },
      defaults: { role: "student" },
    },
  },
});

/** `text` in UTF-16 with its byte order mark. */
function utf16(text: string, order: "le" | "be"): Uint8Array {
  const out = new Uint8Array(2 + text.length * 2);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0xfeff, order === "le");
  for (let i = 0; i < text.length; i++) view.setUint16(2 + i * 2, text.charCodeAt(i), order === "le");
  return out;
}

/** `text` in UTF-8, with every "é" written as Latin-1 would (the single byte 0xE9, which is not UTF-8). */
function latin1E(text: string): Uint8Array {
  const parts = text.split("é").map((p) => new TextEncoder().encode(p));
  const out: number[] = [];
  parts.forEach((p, i) => {
    if (i > 0) out.push(0xe9);
    out.push(...p);
  });
  return new Uint8Array(out);
}

const encodingIssues = (roster: Roster) => roster.issues.filter((i) => i.kind === "encoding");

/** Copies the custom-CSV fixture into `dir`. */
async function copyCustom(dir: string): Promise<void> {
  for await (const f of Deno.readDir(CUSTOM)) await Deno.copyFile(join(CUSTOM, f.name), join(dir, f.name));
}

for (const order of ["le", "be"] as const) {
  const endian = order === "le" ? "little-endian" : "big-endian";

  Deno.test(`a OneRoster file in UTF-16 ${endian} with a byte order mark is refused by name, asking for UTF-8`, async () => {
    await withBundle({}, async (dir) => {
      const users = await Deno.readTextFile(join(dir, "users.csv"));
      await Deno.writeFile(join(dir, "users.csv"), utf16(users, order));
      const err = await assertRejects(() => readOneRosterCsv(dir), SourceError);
      assertMatch(
        err.message,
        new RegExp(`^users\\.csv: the file is in UTF-16 \\(${endian}.*export it again as UTF-8`),
      );
    });
  });

  Deno.test(`enrollments.csv in UTF-16 ${endian} is refused by name when read in the worker too`, async () => {
    await withBundle({}, async (dir) => {
      const enrollments = await Deno.readTextFile(join(dir, "enrollments.csv"));
      await Deno.writeFile(join(dir, "enrollments.csv"), utf16(enrollments, order));
      const err = await assertRejects(() => readOneRosterCsv(dir, { enrollmentsThread: "always" }), SourceError);
      assertMatch(err.message, /enrollments\.csv: the file is in UTF-16 .*export it again as UTF-8/);
    });
  });

  Deno.test(`a custom file in UTF-16 ${endian} with a byte order mark is refused by name, asking for UTF-8`, async () => {
    await withTempDir(async (dir) => {
      await copyCustom(dir);
      const students = await Deno.readTextFile(join(dir, "students.csv"));
      await Deno.writeFile(join(dir, "students.csv"), utf16(students, order));
      const err = await assertRejects(() => readCustomCsv(MAPPING, dir), SourceError);
      assertMatch(err.message, new RegExp(`^students\\.csv: the file is in UTF-16 \\(${endian}.*as UTF-8`));
    });
  });
}

/** users.csv whose lines 4 and 6 carry a Latin-1 é; `quoted` puts a quoted line break on line 2 (csv-parse reads on). */
function latin1Users(quoted: boolean): Uint8Array {
  const row = (id: string, given: string) => `${id},active,,true,sch-1,student,${id},,${given},Ruiz,,,,,,,03,`;
  const second = quoted ? `tch-1,active,,true,sch-1,teacher,li,,"Li\nMei",Lee,,T1,,,,,,` : row("stu-2", "Ana");
  const text =
    [HEADERS.users, second, ...(quoted ? [] : [row("stu-3", "Ana")]), row("stu-4", "Ren"), row("stu-5", "Zoé")]
      .concat([row("stu-6", "Ana"), row("stu-7", "Aimé")]).join("\n") + "\n";
  return latin1E(text);
}

const readWays: Array<{ way: string; options: ReadOptions; quoted: boolean }> = [
  { way: "the fast reader", options: {}, quoted: false },
  { way: "csv-parse, after a quoted line break", options: {}, quoted: true },
  { way: "a focused read", options: { contains: { users: ["stu-"] } }, quoted: false },
];

for (const { way, options, quoted } of readWays) {
  Deno.test(`bytes that are not UTF-8 warn once per file at the first line they are on, read by ${way}`, async () => {
    await withBundle({}, async (dir) => {
      await Deno.writeFile(join(dir, "users.csv"), latin1Users(quoted));
      const roster = await readOneRosterCsv(dir, options);
      const issues = encodingIssues(roster);
      assertEquals(issues.length, 1, JSON.stringify(issues));
      assertEquals([issues[0].severity, issues[0].file, issues[0].lines], ["warning", "users.csv", [5]]);
      assertMatch(
        issues[0].message,
        /^users\.csv is not valid UTF-8 \(first at line 5;.*export the file again as UTF-8/,
      );
      // The values still read, the bad byte as U+FFFD.
      assertEquals(roster.users.find((u) => u.sourcedId === "stu-5")?.givenName, "Zo\uFFFD");
      assertEquals(roster.users.find((u) => u.sourcedId === "stu-7")?.givenName, "Aim\uFFFD");
    });
  });
}

Deno.test("bytes that are not UTF-8 in enrollments.csv read in the worker warn once, at their line", async () => {
  const enrollments = HEADERS.enrollments + "\n" + "enr-1,active,,cls-1,sch-1,stu-1,student,false,,\n" +
    "enr-2,active,,cls-1,sch-1,tch-1,teacher,true,,\n" + "enr-3,activé,,cls-1,sch-1,stu-1,student,false,,\n" +
    "enr-4,activé,,cls-1,sch-1,stu-1,student,false,,\n";
  await withBundle({}, async (dir) => {
    await Deno.writeFile(join(dir, "enrollments.csv"), latin1E(enrollments));
    const roster = await readOneRosterCsv(dir, { enrollmentsThread: "always" });
    const issues = encodingIssues(roster);
    assertEquals(issues.map((i) => [i.file, i.lines]), [["enrollments.csv", [4]]]);
  });
});

Deno.test("a U+FFFD the file spells in UTF-8 is a character, not a warning", async () => {
  await withBundle({
    "users.csv": HEADERS.users + "\n" + "stu-1,active,,true,sch-1,student,ana,,An\uFFFDa,Ruiz,,1042,,,,,03,\n" +
      "tch-1,active,,true,sch-1,teacher,li,,Li,Lee,,T1,li@example.org,,,,,\n",
  }, async (dir) => {
    const roster = await readOneRosterCsv(dir);
    assertEquals(encodingIssues(roster), []);
    assertEquals(roster.users.find((u) => u.sourcedId === "stu-1")?.givenName, "An\uFFFDa");
  });
});

Deno.test("a custom file with bytes that are not UTF-8 warns once, naming the file and the first line", async () => {
  await withTempDir(async (dir) => {
    await copyCustom(dir);
    const students = (await Deno.readTextFile(join(dir, "students.csv"))).replace("Ben", "Bené");
    await Deno.writeFile(join(dir, "students.csv"), latin1E(students + students.split("\n")[2] + "\n"));
    const roster = await readCustomCsv(MAPPING, dir);
    const issues = encodingIssues(roster);
    assertEquals(issues.map((i) => [i.severity, i.file, i.lines]), [["warning", "students.csv", [3]]]);
    assertMatch(issues[0].message, /^students\.csv is not valid UTF-8 \(first at line 3;/);
    assertEquals(roster.users.find((u) => u.sourcedId === "s-2")?.givenName, "Ben\uFFFD");
  });
});

Deno.test("the line of the first byte that is not UTF-8 is the same wherever the input is cut, on every reader", async () => {
  const texts = [
    // Plain: the fast reader throughout; a BOM, a real é (2 bytes) and a Nguyễn (3 bytes) before the Latin-1 é.
    { text: "\uFEFFid,name\nstu-1,Zoë\n\nstu-2,Nguyễn\nstu-3,Aimé\nstu-4,René\n", line: 5 },
    // A quoted line break on line 2: csv-parse reads from there.
    { text: 'id,name\nstu-1,"Zo\në"\nstu-2,Nguyễn\nstu-3,"Ai\nmé"\nstu-4,René\n', line: 6 },
    // The bad byte is the file's last.
    { text: "id,name\r\nstu-1,Zoë\r\nstu-2,é", line: 3 },
  ];
  const readers = {
    fast: (file: string, input: Readable, onInvalidUtf8: (line: number) => void) =>
      csvRecords(file, input, { onInvalidUtf8 }),
    csvParse: (file: string, input: Readable, onInvalidUtf8: (line: number) => void) =>
      csvRecordsWithCsvParse(file, input, { onInvalidUtf8 }),
    containing: (file: string, input: Readable, onInvalidUtf8: (line: number) => void) =>
      csvRecordsContaining(file, input, [""], { onInvalidUtf8 }),
  };
  for (const { text, line } of texts) {
    const bytes = latin1E(text);
    for (const [name, read] of Object.entries(readers)) {
      for (let a = 0; a <= bytes.length; a++) {
        for (const b of [a, a + 1, a + 2, a + 3]) {
          const told: number[] = [];
          const records: unknown[] = [];
          for await (const r of read("t.csv", chunked(bytes, [a, Math.min(b, bytes.length)]), (l) => told.push(l))) {
            records.push(r);
          }
          assertEquals(told, [line], `${name} ${JSON.stringify(text)} cut at ${a}, ${b}`);
          assert(records.length >= 3);
        }
      }
    }
  }
});
