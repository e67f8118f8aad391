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
import { withTempDir } from "./helpers/bundle.ts";

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
