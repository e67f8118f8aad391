import { assert, assertEquals, assertMatch, assertRejects } from "./helpers/assert.ts";
import { join } from "node:path";
import { readCustomCsv } from "../lib/sources/custom-csv/read.ts";
import { EnrollmentTable } from "../lib/model/enrollment-table.ts";
import type { Enrollment } from "../lib/model/roster.ts";
import { readOneRosterCsv } from "../lib/sources/oneroster-csv/read.ts";
import { runDiagnostics } from "../lib/diagnostics/run.ts";
import { CustomCsvSource } from "../lib/settings/schema.ts";
import { SourceError } from "../lib/sources/errors.ts";
import { emptySnapshot } from "../lib/model/snapshot.ts";
import {
  campus,
  link,
  platformClass,
  platformEnrollment,
  platformParent,
  platformStudent,
  platformTeacher,
} from "./helpers/literals.ts";
import { withBundle, withTempDir } from "./helpers/bundle.ts";

const CUSTOM = new URL("./fixtures/custom-csv", import.meta.url).pathname;
const TWIN = new URL("./fixtures/custom-csv-twin", import.meta.url).pathname;

/** The mapping a settings file would carry for the fixture. */
export const MAPPING = CustomCsvSource.parse({
  kind: "custom-csv",
  path: CUSTOM,
  files: {
    orgs: {
      file: "schools.csv",
      columns: { sourcedId: "School Code", name: "School Name" },
      defaults: { type: "school" },
    },
    users: [
      {
        file: "students.csv",
        columns: {
          sourcedId: "StudentID",
          givenName: "First Name",
          familyName: "Last Name",
          grades: "Grade",
          orgSourcedIds: "School Code",
          identifier: "Student Number",
          agentSourcedIds: "Parent IDs",
        },
        defaults: { role: "student" },
      },
      {
        file: "teachers.csv",
        columns: {
          sourcedId: "TeacherID",
          givenName: "Name First",
          familyName: "Name Last",
          email: "Email",
          orgSourcedIds: "School",
        },
        defaults: { role: "teacher" },
      },
      {
        file: "guardians.csv",
        columns: {
          sourcedId: "ContactID",
          givenName: "First",
          familyName: "Last",
          email: "Email",
          agentSourcedIds: "Student IDs",
        },
        defaults: { role: "parent" },
      },
    ],
    classes: {
      file: "sections.csv",
      columns: { sourcedId: "SectionID", title: "Course Title", schoolSourcedId: "School Code" },
      defaults: { classType: "scheduled" },
    },
    enrollments: {
      file: "rosters.csv",
      columns: { sourcedId: "RowID", classSourcedId: "SectionID", userSourcedId: "PersonID", role: "Role" },
    },
  },
});

/** A platform that differs from the fixture's district in a few ways. */
function platform() {
  return {
    ...emptySnapshot(),
    campuses: [campus(1, "sch-1", { name: "Lincoln Elementary" }), campus(2, "sch-2", { name: "Adams Middle" })],
    students: [
      platformStudent(11, "s-1", { firstName: "Ana", lastName: "Ruiz", grade: "03", studentNumber: "1042" }),
      platformStudent(12, "s-2", {
        campusId: 1,
        firstName: "Ben",
        lastName: "Okafor",
        grade: "07",
        studentNumber: "1043",
      }),
      platformStudent(19, "s-9", { firstName: "Old", lastName: "Kid" }),
    ],
    teachers: [platformTeacher(21, "t-1"), platformTeacher(22, "t-2", { campusId: 2 })],
    classes: [platformClass(31, "sec-1"), platformClass(32, "sec-2", { campusId: 2 })],
    enrollments: [
      platformEnrollment(41, 31, "student", 11),
      platformEnrollment(43, 31, "teacher", 21),
      platformEnrollment(45, 32, "teacher", 22),
    ],
    parents: [platformParent(51, "p-1", "rosa@example.org")],
    parentStudents: [link(51, 11)],
  };
}

Deno.test("a custom CSV with renamed columns gives the same findings as its OneRoster twin", async () => {
  const custom = await readCustomCsv(MAPPING, CUSTOM);
  const twin = await readOneRosterCsv(TWIN);
  const plat = platform();
  const run = (roster: typeof twin) =>
    runDiagnostics({ customer: "t", environment: "staging", roster, platform: plat, now: new Date(0) }).findings;
  const expected = run(twin);
  assert(expected.length >= 6, `${expected.length} findings`);
  assertEquals(run(custom), expected);
  assertEquals(custom.users.find((u) => u.sourcedId === "p-1")!.agentSourcedIds, ["s-1", "s-2"]);
  // Every reader keeps enrollments as columns, row for row what its twin holds (the mapping has no school column).
  assert(custom.enrollments instanceof EnrollmentTable);
  const who = (e: Enrollment) => [e.sourcedId, e.classSourcedId, e.userSourcedId, e.role, e.status];
  assertEquals(Array.from(custom.enrollments, who), Array.from(twin.enrollments, who));
});

Deno.test("a custom file whose header lacks a mapped column names the file, the column and what the header has", async () => {
  await withTempDir(async (dir) => {
    for await (const f of Deno.readDir(CUSTOM)) await Deno.copyFile(join(CUSTOM, f.name), join(dir, f.name));
    await Deno.writeTextFile(join(dir, "students.csv"), "ID,First Name,Last Name\ns-1,Ana,Ruiz\n");
    const err = await assertRejects(() => readCustomCsv(MAPPING, dir), SourceError);
    assertMatch(
      err.message,
      /^students\.csv:1: columns "StudentID" \(mapped to sourcedId\), .* not in the header; the header has ID, First Name, Last Name/,
    );
  });
});

Deno.test("bad custom rows are rejected with file, line and column, as in a OneRoster export", async () => {
  await withTempDir(async (dir) => {
    for await (const f of Deno.readDir(CUSTOM)) await Deno.copyFile(join(CUSTOM, f.name), join(dir, f.name));
    await Deno.writeTextFile(join(dir, "rosters.csv"), "RowID,SectionID,PersonID,Role\nr-1,sec-1,s-1,pupil\n");
    const roster = await readCustomCsv(MAPPING, dir);
    const bad = roster.issues.find((i) => i.kind === "bad_row")!;
    assertEquals(bad.file, "rosters.csv");
    assertEquals(bad.lines, [2]);
    assertMatch(bad.message, /column "role" has "pupil"; expected one of administrator, proctor, student, teacher/);
  });
});

/** A copy of the custom-CSV fixture in `dir`. */
async function copyFixture(dir: string): Promise<void> {
  for await (const f of Deno.readDir(CUSTOM)) await Deno.copyFile(join(CUSTOM, f.name), join(dir, f.name));
}

Deno.test("a custom file that is a FIFO is refused by name, never opened and waited on", async () => {
  await withTempDir(async (dir) => {
    await copyFixture(dir);
    const fifo = join(dir, "students.csv");
    await Deno.remove(fifo);
    assert((await new Deno.Command("mkfifo", { args: [fifo] }).output()).success, "mkfifo");
    // A writer, so that a reader that opens the FIFO gets a header and fails this test rather than hang it.
    let opened = false;
    const writer = (async () => {
      using out = await Deno.open(fifo, { write: true });
      opened = true;
      await out.write(new TextEncoder().encode("Read From A Pipe\n"));
    })();
    const err = await assertRejects(() => readCustomCsv(MAPPING, dir), SourceError);
    // The reader never opened it: open it here, so the writer ends.
    if (!opened) {
      using drain = await Deno.open(fifo, { read: true });
      for await (const _ of drain.readable) { /* drained */ }
    }
    await writer;
    assertMatch(
      err.message,
      /students\.csv is not a regular file \(a pipe, socket or device\); only regular files inside/,
    );
  });
});

Deno.test("a custom file that is a symbolic link, or lies behind a folder link out of the export, is refused by name", async () => {
  await withTempDir(async (outside) => {
    const secret = join(outside, "passwd");
    await Deno.writeTextFile(secret, "root:x:0:0:root:/root:/bin/bash\n");
    await withTempDir(async (dir) => {
      await copyFixture(dir);
      await Deno.remove(join(dir, "students.csv"));
      await Deno.symlink(secret, join(dir, "students.csv"));
      const link = await assertRejects(() => readCustomCsv(MAPPING, dir), SourceError);
      assertMatch(
        link.message,
        /students\.csv is a symbolic link; only regular files inside the export folder are read/,
      );
      assert(!link.message.includes("root:x"), link.message);

      // A folder on the way that leads out of the export: the file itself is regular, where it is is not.
      await Deno.copyFile(join(CUSTOM, "students.csv"), join(outside, "students.csv"));
      await Deno.symlink(outside, join(dir, "elsewhere"));
      const [students, ...others] = MAPPING.files.users as Array<{ file: string }>;
      const behind = {
        ...MAPPING,
        files: { ...MAPPING.files, users: [{ ...students, file: "elsewhere/students.csv" }, ...others] },
      };
      const err = await assertRejects(() => readCustomCsv(CustomCsvSource.parse(behind), dir), SourceError);
      assertMatch(err.message, /elsewhere\/students\.csv is outside the export folder/);
    });
  });
});

Deno.test("a custom file in a folder of the export is still read", async () => {
  await withTempDir(async (dir) => {
    await copyFixture(dir);
    await Deno.mkdir(join(dir, "people"));
    await Deno.rename(join(dir, "students.csv"), join(dir, "people", "students.csv"));
    const [students, ...others] = MAPPING.files.users as Array<{ file: string }>;
    const moved = {
      ...MAPPING,
      files: { ...MAPPING.files, users: [{ ...students, file: "people/students.csv" }, ...others] },
    };
    const roster = await readCustomCsv(CustomCsvSource.parse(moved), dir);
    assert(roster.users.some((u) => u.sourcedId === "s-1"));
  });
});

Deno.test("a OneRoster directory's .csv that is a symbolic link or a FIFO is not read, and the read says which and why", async () => {
  await withTempDir(async (outside) => {
    await Deno.writeTextFile(join(outside, "users.csv"), "root:x:0:0:root:/root:/bin/bash\n");
    await withBundle({ "users.csv": null, "courses.csv": null }, async (dir) => {
      await Deno.symlink(join(outside, "users.csv"), join(dir, "users.csv"));
      assert((await new Deno.Command("mkfifo", { args: [join(dir, "courses.csv")] }).output()).success, "mkfifo");
      const roster = await readOneRosterCsv(dir, { tolerateMissing: true });
      const layout = roster.issues.filter((i) => i.kind === "layout").map((i) => i.message);
      assertEquals(layout, [
        "courses.csv is not a regular file (a pipe, socket or device); not read (only the export's regular files are)",
        "users.csv is a symbolic link; not read (only the export's regular files are)",
      ]);
      // Needed, there, but not read: said as it is, not as missing.
      const users = roster.issues.find((i) => i.kind === "missing_file" && i.file === "users.csv");
      assertMatch(
        users!.message,
        /^users\.csv is a symbolic link, which is not read \(only the export's regular files are\)/,
      );
      const refused = await assertRejects(() => readOneRosterCsv(dir), SourceError);
      assertMatch(refused.message, /users\.csv is a symbolic link, which is not read/);
    });
  });
});
