import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { demoDistrict } from "../lib/demo/demo.ts";
import { PlatformEnrollmentTable } from "../lib/model/platform-enrollment-table.ts";
import { findCampusTransfers } from "../lib/diagnostics/campus-transfer.ts";
import { diagnosticContext } from "../lib/diagnostics/context.ts";
import type { Finding } from "../lib/model/findings.ts";
import { type BuiltRoster, emptyRoster } from "../lib/model/roster.ts";
import { type BuiltSnapshot, emptySnapshot } from "../lib/model/snapshot.ts";
import { detailsOf } from "../lib/model/details.ts";
import {
  campus,
  link,
  platformClass,
  platformEnrollment,
  platformParent,
  platformStudent,
  school,
  sourceClass,
  sourceEnrollment,
  sourceUser,
} from "./helpers/literals.ts";

/** Ana moved from Lincoln (sch-1) to Adams (sch-2) in the SIS. */
function transfer(): { roster: BuiltRoster; platform: BuiltSnapshot } {
  return {
    roster: {
      ...emptyRoster(),
      orgs: [school("sch-1", { name: "Lincoln" }), school("sch-2", { name: "Adams" })],
      users: [sourceUser("stu-1", "student", { orgSourcedIds: ["sch-2"], identifier: "1042" })],
      classes: [sourceClass("cls-1"), sourceClass("cls-2", { schoolSourcedId: "sch-2" })],
      enrollments: [sourceEnrollment("e2", "cls-2", "stu-1", "student", { schoolSourcedId: "sch-2" })],
    },
    platform: {
      ...emptySnapshot(),
      campuses: [campus(1, "sch-1", { name: "Lincoln" }), campus(2, "sch-2", { name: "Adams" })],
      students: [platformStudent(11, "stu-1", { campusId: 1, studentNumber: "1042" })],
      classes: [
        platformClass(21, "cls-1", { campusId: 1, title: "Reading 3A" }),
        platformClass(22, "cls-2", { campusId: 2 }),
      ],
      enrollments: [platformEnrollment(41, 21, "student", 11), platformEnrollment(42, 22, "student", 11)],
    },
  };
}

Deno.test("a campus that did not follow the transfer is reported with both schools, and the old enrollments with it", () => {
  const { roster, platform } = transfer();
  const [moved, stale] = findCampusTransfers(roster, platform);
  assertEquals([moved.code, moved.entity], ["transfer.campus_not_updated", { sourcedId: "stu-1", platformId: 11 }]);
  assertEquals(moved.details.sourceSchool, { sourcedId: "sch-2", name: "Adams", platformId: 2 });
  assertEquals(moved.details.platformCampus, { platformId: 1, sourcedId: "sch-1", name: "Lincoln" });
  assertMatch(moved.message, /is at Adams \(sch-2\) in the roster but at Lincoln \(sch-1\) in the platform/);
  assertEquals([stale.code, stale.entity], ["transfer.stale_enrollments", { sourcedId: "stu-1", platformId: 11 }]);
  assertEquals(stale.details.classes, [{
    platformId: 41,
    classPlatformId: 21,
    classSourcedId: "cls-1",
    title: "Reading 3A",
    campus: "Lincoln",
  }]);
  assertEquals(stale.details.causedBy, {
    code: "transfer.campus_not_updated",
    entity: { sourcedId: "stu-1", platformId: 11 },
  });
});

Deno.test("an old-campus class the source still has for the student is not stale", () => {
  const { roster, platform } = transfer();
  platform.students[0].campusId = 2;
  roster.enrollments.push(sourceEnrollment("e1", "cls-1", "stu-1", "student"));
  assertEquals(findCampusTransfers(roster, platform), []);
});

Deno.test("a class at one of the student's schools is not stale; at an org of theirs that is not a school, it is", () => {
  const { roster, platform } = transfer();
  platform.students[0].campusId = 2;
  // Listed among the student's orgs, Lincoln is a school again: its class is where the student is.
  roster.users[0].orgSourcedIds = ["sch-2", "sch-1"];
  assertEquals(findCampusTransfers(roster, platform), []);
  // The same org as a department: not one of the student's schools, so its class is stale.
  roster.orgs[0] = { ...roster.orgs[0], type: "department" };
  const [stale] = findCampusTransfers(roster, platform);
  assertEquals([stale.code, detailsOf(stale, "transfer.stale_enrollments").classes.map((c) => c.classSourcedId)], [
    "transfer.stale_enrollments",
    ["cls-1"],
  ]);
});

Deno.test("a transfer where the old record was soft-deleted and a new one created leaves the parent on the stale record", () => {
  const { roster, platform } = transfer();
  roster.users[0].sourcedId = "stu-1b";
  roster.enrollments[0].userSourcedId = "stu-1b";
  platform.students = [
    platformStudent(11, "stu-1", { campusId: 1, studentNumber: "1042", deletedAt: "2026-11-20 09:30:00+00" }),
    platformStudent(12, "stu-1b", { campusId: 2, studentNumber: "1042" }),
  ];
  platform.enrollments = [platformEnrollment(42, 22, "student", 12)];
  platform.parents = [platformParent(31, "par-1", "rosa@example.org")];
  platform.parentStudents = [link(31, 11)];
  const findings = findCampusTransfers(roster, platform);
  assertEquals(findings.map((f) => [f.code, f.entity]), [
    ["transfer.parent_link_on_stale_record", { parentPlatformId: 31, studentPlatformId: 11 }],
  ]);
  assertEquals(findings[0].details.activeRecords, [{ platformId: 12, sourcedId: "stu-1b" }]);
  platform.parentStudents.push(link(31, 12));
  assertEquals(findCampusTransfers(roster, platform), [], "linked to the active record too: nothing to fix");
});

Deno.test("two active records with one student number are a duplicate, and the one absent from the source keeps its parent", () => {
  const { roster, platform } = transfer();
  platform.students[0].campusId = 2;
  platform.enrollments = [platformEnrollment(42, 22, "student", 11)];
  platform.students.push(platformStudent(15, "stu-old", { campusId: 1, studentNumber: " 1042 " }));
  platform.parents = [platformParent(31, "par-1", "rosa@example.org")];
  platform.parentStudents = [link(31, 15)];
  const findings = findCampusTransfers(roster, platform);
  assertEquals(findings.map((f) => [f.code, f.entity]), [
    ["transfer.duplicate_student", { studentNumber: "1042" }],
    ["transfer.parent_link_on_stale_record", { parentPlatformId: 31, studentPlatformId: 15 }],
  ]);
  assertEquals((findings[0].details.students as Array<{ inSource: boolean }>).map((s) => s.inSource), [true, false]);
});

Deno.test("student numbers shared by several active records are reported in the order their numbers first appear", () => {
  const students = ["A", "B", "B", "A", " C", "C "].map((number, i) =>
    platformStudent(i + 1, `stu-${i}`, { studentNumber: number })
  );
  const found = findCampusTransfers({ ...emptyRoster(), orgs: [school("sch-1")] }, {
    ...emptySnapshot(),
    campuses: [campus(1, "sch-1")],
    students,
  });
  assertEquals(found.map((f) => [f.code, f.entity.studentNumber]), [
    ["transfer.duplicate_student", "A"],
    ["transfer.duplicate_student", "B"],
    ["transfer.duplicate_student", "C"],
  ]);
  assertEquals(detailsOf(found[0], "transfer.duplicate_student").students.map((s) => s.platformId), [1, 4]);
});

Deno.test("campus transfer finds the same from the platform's enrollments as columns as from an array", () => {
  const demo = demoDistrict();
  assert(demo.planted.some((p) => p.code.startsWith("campus.")), "the demo plants campus transfers");
  // Some enrollments soft-deleted (every other one), which are never stale.
  const enrollments = demo.platform.enrollments.map((e, i) => i % 2 ? e : { ...e, deletedAt: "2026-01-01 00:00:00" });
  const platform = { ...demo.platform, enrollments };
  const fromArray = findCampusTransfers(demo.roster, platform);
  const fromTable = findCampusTransfers(demo.roster, {
    ...platform,
    enrollments: PlatformEnrollmentTable.from(enrollments),
  });
  assert(fromArray.length > 0);
  assertEquals(fromTable, fromArray);
});

Deno.test("a context built over the same records in another order gives the demo district's own transfer findings", () => {
  const { roster, platform } = demoDistrict({ students: 400, seed: 5 });
  const reordered = { ...platform, students: [...platform.students].reverse() };
  const keys = (fs: Finding[]) => fs.map((f) => `${f.code} ${JSON.stringify(f.entity)}`);
  const own = keys(findCampusTransfers(roster, platform));
  assertEquals(own.some((k) => k.startsWith("transfer.stale_enrollments")), true);
  assertEquals(own.some((k) => k.startsWith("transfer.parent_link_on_stale_record")), true);
  assertEquals(keys(findCampusTransfers(roster, reordered, diagnosticContext(roster, platform))), own);
  assertEquals(keys(findCampusTransfers(roster, platform, diagnosticContext(roster, reordered))), own);
});
