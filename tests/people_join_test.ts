import { assertEquals } from "./helpers/assert.ts";
import { diagnosticContext } from "../lib/diagnostics/context.ts";
import { emptyRoster } from "../lib/model/roster.ts";
import { emptySnapshot } from "../lib/model/snapshot.ts";
import { UserTable } from "../lib/model/user-table.ts";
import { StudentTable, TeacherTable } from "../lib/model/platform-tables.ts";
import { platformStudent, platformTeacher, sourceUser } from "./helpers/literals.ts";

/** A roster and a platform whose people pair up by source id in each way the join must tell apart. */
function district() {
  const roster = emptyRoster();
  roster.users = [
    sourceUser("stu-1", "student"), // a deleted twin and an active record: the active one
    sourceUser("stu-2", "student", { status: "tobedeleted" }), // not active: joined to nothing
    sourceUser("tch-1", "teacher"), // among the teachers
    sourceUser("stu-3", "student"), // the platform has it only as a teacher: no student record
    sourceUser("par-1", "parent"), // not a student or teacher
    sourceUser("stu-4", "student", { enabledUser: false }), // not active either
  ];
  const platform = emptySnapshot();
  platform.students = [
    platformStudent(10, "stu-1", { deletedAt: "2026-01-01 00:00:00+00" }),
    platformStudent(11, "stu-2"),
    platformStudent(12, "stu-1"),
    platformStudent(13, null),
    platformStudent(14, "tch-1"),
  ];
  platform.teachers = [platformTeacher(20, "tch-1"), platformTeacher(21, "stu-3")];
  return { roster, platform };
}

Deno.test("each active source student or teacher is joined to its platform record of its own role, the active one of twins", () => {
  const { roster, platform } = district();
  const ctx = diagnosticContext(roster, platform);
  assertEquals([...ctx.people.platformRow], [2, -1, 0, -1, -1, -1]);
});

Deno.test("each platform student or teacher is joined to the active source user of its role with its source id", () => {
  const { roster, platform } = district();
  const ctx = diagnosticContext(roster, platform);
  // stu-1 twice (both records name the active source student), stu-2 inactive, no source id, tch-1 not a student.
  assertEquals([...ctx.people.sourceStudent], [0, -1, 0, -1, -1]);
  // stu-3 is a student in the roster.
  assertEquals([...ctx.people.sourceTeacher], [2, -1]);
});

Deno.test("the joins answer rows of the roster's users, also where a repeated id numbers the ids apart from the rows", () => {
  const { roster, platform } = district();
  // A list built by hand with an id twice (a reader keeps one): par-1 numbered 0, stu-1 numbered 1 but at row 2.
  roster.users = [sourceUser("par-1", "parent"), sourceUser("par-1", "parent"), ...roster.users];
  const ctx = diagnosticContext(roster, platform);
  assertEquals([...ctx.people.sourceStudent], [2, -1, 2, -1, -1]);
  assertEquals([...ctx.people.sourceTeacher], [4, -1]);
  assertEquals([...ctx.people.platformRow], [-1, -1, 2, -1, 0, -1, -1, -1]);
});

Deno.test("the joins read tables as they read arrays: by row, the same answers", () => {
  const { roster, platform } = district();
  const tables = {
    roster: { ...roster, users: UserTable.from(roster.users) },
    platform: {
      ...platform,
      students: new StudentTable().pushAll(platform.students),
      teachers: new TeacherTable().pushAll(platform.teachers),
    },
  };
  const a = diagnosticContext(roster, platform).people;
  const b = diagnosticContext(tables.roster, tables.platform).people;
  assertEquals([...b.platformRow], [...a.platformRow]);
  assertEquals([...b.sourceStudent], [...a.sourceStudent]);
  assertEquals([...b.sourceTeacher], [...a.sourceTeacher]);
});
