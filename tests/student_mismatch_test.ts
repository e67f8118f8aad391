import { assertEquals, assertMatch } from "./helpers/assert.ts";
import { findStudentMismatches } from "../lib/diagnostics/student-mismatch.ts";
import { diagnosticContext } from "../lib/diagnostics/context.ts";
import { type BuiltRoster, emptyRoster } from "../lib/model/roster.ts";
import { type BuiltSnapshot, emptySnapshot } from "../lib/model/snapshot.ts";
import { campus, link, platformParent, platformStudent, school, sourceUser } from "./helpers/literals.ts";

/** Two siblings and their guardian Rosa, with an account that sees both. */
function family(): { roster: BuiltRoster; platform: BuiltSnapshot } {
  return {
    roster: {
      ...emptyRoster(),
      orgs: [school("sch-1")],
      users: [
        sourceUser("stu-1", "student", { agentSourcedIds: ["par-1"] }),
        sourceUser("stu-2", "student", { agentSourcedIds: ["par-1"] }),
        sourceUser("par-1", "parent", { email: "rosa@example.org" }),
      ],
    },
    platform: {
      ...emptySnapshot(),
      campuses: [campus(1, "sch-1")],
      students: [platformStudent(11, "stu-1"), platformStudent(12, "stu-2"), platformStudent(13, "stu-3")],
      parents: [platformParent(31, "par-1", "rosa@example.org")],
      parentStudents: [link(31, 11), link(31, 12)],
    },
  };
}

Deno.test("a family whose account sees exactly the guardian's students has no finding", () => {
  const { roster, platform } = family();
  assertEquals(findStudentMismatches(roster, platform), []);
});

Deno.test("a guardian linked only through the student's agentSourcedIds counts", () => {
  const { roster, platform } = family();
  // Only the guardian side lists stu-2; only the student side lists stu-1.
  roster.users[0].agentSourcedIds = ["par-1"];
  roster.users[1].agentSourcedIds = [];
  roster.users[2].agentSourcedIds = ["stu-2"];
  assertEquals(findStudentMismatches(roster, platform), []);
});

Deno.test("a roster link to another child is unexpected and a lost link is missing, both on one finding", () => {
  const { roster, platform } = family();
  platform.parentStudents = [link(31, 11), link(31, 13)];
  roster.users.push(sourceUser("stu-3", "student"));
  const [f] = findStudentMismatches(roster, platform);
  assertEquals(f.code, "parent_link.mismatch");
  assertEquals(f.entity, { parentPlatformId: 31, email: "rosa@example.org" });
  assertEquals(f.details.unexpected, [{ platformId: 13, sourcedId: "stu-3", name: "Ana Ruiz" }]);
  assertEquals(f.details.missing, [{ platformId: 12, sourcedId: "stu-2", name: "Ana Ruiz" }]);
});

Deno.test("parent accounts with ids far apart, negative or fractional get the same finding as serial ones", () => {
  // Serial ids are kept in arrays indexed by id, the others (one beyond 32 bits) in Maps: both must say the same.
  for (const id of [31, 3_000_000_031, -31, 31.5]) {
    const { roster, platform } = family();
    platform.parents = [platformParent(id, "par-1", "rosa@example.org"), platformParent(7, "par-9", "x@example.org")];
    platform.parentStudents = [link(7, 12, "invite"), link(id, 11), link(id, 13)];
    roster.users.push(sourceUser("stu-3", "student"));
    const found = findStudentMismatches(roster, platform).filter((f) => f.code === "parent_link.mismatch");
    assertEquals(found.map((f) => f.entity.parentPlatformId), [id]);
    assertEquals(found[0].details.unexpected, [{ platformId: 13, sourcedId: "stu-3", name: "Ana Ruiz" }]);
    assertEquals(found[0].details.missing, [{ platformId: 12, sourcedId: "stu-2", name: "Ana Ruiz" }]);
  }
});

Deno.test("invite and support links are listed but never reported as unexpected", () => {
  const { roster, platform } = family();
  platform.parentStudents.push(link(31, 13, "invite"), link(31, 13, "support"));
  assertEquals(findStudentMismatches(roster, platform), []);
  platform.parentStudents = platform.parentStudents.filter((l) => l.studentId !== 12);
  const [f] = findStudentMismatches(roster, platform);
  assertEquals((f.details.otherLinks as Array<{ origin: string }>).map((l) => l.origin), ["invite", "support"]);
  assertEquals(f.details.unexpected, []);
});

Deno.test("a guardian without a matching source_id maps to the account with its email, whatever the case and spaces", () => {
  const { roster, platform } = family();
  platform.parents = [platformParent(31, null, "rosa@example.org")];
  roster.users[2].email = "  Rosa@Example.ORG ";
  assertEquals(findStudentMismatches(roster, platform), []);
});

Deno.test("two guardians on one account: the account should see the union of their students", () => {
  const { roster, platform } = family();
  roster.users.push(
    sourceUser("stu-3", "student", { agentSourcedIds: ["par-2"] }),
    sourceUser("par-2", "guardian", { email: "ROSA@example.org" }),
  );
  assertEquals(findStudentMismatches(roster, platform).map((f) => f.details.missing), [[
    { platformId: 13, sourcedId: "stu-3", name: "Ana Ruiz" },
  ]]);
  platform.parentStudents.push(link(31, 13));
  assertEquals(findStudentMismatches(roster, platform), []);
});

Deno.test("a guardian with students and no account is parent.missing_in_platform; one without students is not", () => {
  const { roster, platform } = family();
  platform.parents = [];
  platform.parentStudents = [];
  roster.users.push(sourceUser("par-9", "relative", { email: "lonely@example.org" }));
  const findings = findStudentMismatches(roster, platform);
  assertEquals(findings.map((f) => [f.code, f.entity]), [["parent.missing_in_platform", {
    sourcedId: "par-1",
    email: "rosa@example.org",
  }]]);
  assertMatch(findings[0].message, /Guardian Ana Ruiz \(par-1, rosa@example\.org\) of 2 students/);
});

Deno.test("a rostered account that no active guardian maps to is parent.not_in_source; a hand-made one is not", () => {
  const { roster, platform } = family();
  roster.users[2].status = "tobedeleted";
  platform.parents.push(platformParent(32, null, "self@example.org"));
  const findings = findStudentMismatches(roster, platform);
  assertEquals(findings.map((f) => [f.code, f.entity]), [["parent.not_in_source", {
    platformId: 31,
    sourcedId: "par-1",
  }]]);
  assertMatch(findings[0].message, /the roster has par-1 as parent, tobedeleted/);
});

Deno.test("a child missing from the platform is listed as missing with the finding that causes it", () => {
  const { roster, platform } = family();
  platform.students = platform.students.filter((s) => s.id !== 12);
  platform.parentStudents = [link(31, 11)];
  const [f] = findStudentMismatches(roster, platform);
  assertEquals(f.details.missing, [{
    platformId: null,
    sourcedId: "stu-2",
    name: "Ana Ruiz",
    causedBy: { code: "student.missing_in_platform", entity: { sourcedId: "stu-2" } },
  }]);
});

Deno.test("an account whose guardian left the source but keeps roster links sees those students unexpectedly, caused by parent.not_in_source", () => {
  const { roster, platform } = family();
  roster.users = roster.users.filter((u) => u.sourcedId !== "par-1");
  for (const u of roster.users) u.agentSourcedIds = [];
  platform.parentStudents.push(link(31, 13, "invite"));
  const findings = findStudentMismatches(roster, platform);
  assertEquals(findings.map((f) => [f.code, f.severity, f.entity]), [
    ["parent_link.mismatch", "error", { parentPlatformId: 31, email: "rosa@example.org" }],
    ["parent.not_in_source", "warning", { platformId: 31, sourcedId: "par-1" }],
  ]);
  const cause = { code: "parent.not_in_source", entity: { platformId: 31, sourcedId: "par-1" } };
  assertEquals(findings[0].details.unexpected, [
    { platformId: 11, sourcedId: "stu-1", name: "Ana Ruiz", causedBy: cause },
    { platformId: 12, sourcedId: "stu-2", name: "Ana Ruiz", causedBy: cause },
  ]);
  assertEquals(findings[0].details.missing, []);
  assertMatch(findings[0].message, /guardian par-1 is not in the roster/);
});

Deno.test("a student still naming an absent guardian in agentSourcedIds stays related to its account; others are unexpected", () => {
  const { roster, platform } = family();
  roster.users = roster.users.filter((u) => u.sourcedId !== "par-1");
  roster.users.find((u) => u.sourcedId === "stu-2")!.agentSourcedIds = [];
  const [mismatch] = findStudentMismatches(roster, platform).filter((f) => f.code === "parent_link.mismatch");
  assertEquals((mismatch.details.unexpected as Array<{ sourcedId: string }>).map((s) => s.sourcedId), ["stu-2"]);
});

Deno.test("a delta users file cannot say a guardian is gone: no parent.not_in_source and no mismatch follows", () => {
  const { roster, platform } = family();
  roster.users = roster.users.filter((u) => u.sourcedId !== "par-1");
  for (const u of roster.users) u.agentSourcedIds = [];
  roster.fileModes = { ...roster.fileModes, users: "delta" };
  assertEquals(findStudentMismatches(roster, platform), []);
});

Deno.test("a context built over the same records in another order gives the same findings as the snapshot's own", () => {
  const roster: BuiltRoster = {
    ...emptyRoster(),
    orgs: [school("sch-1")],
    users: [
      sourceUser("stu-1", "student", { agentSourcedIds: ["par-1"] }),
      sourceUser("stu-2", "student"),
      sourceUser("par-1", "parent", { email: "rosa@example.org" }),
    ],
  };
  const platform: BuiltSnapshot = {
    ...emptySnapshot(),
    campuses: [campus(1, "sch-1")],
    students: [platformStudent(11, "stu-1"), platformStudent(12, "stu-2")],
    parents: [platformParent(31, "par-1", "rosa@example.org")],
    // Rosa's account sees stu-2, not her child stu-1.
    parentStudents: [link(31, 12)],
  };
  const reordered = { ...platform, students: [...platform.students].reverse() };
  const codes = (fs: { code: string; entity: unknown }[]) => fs.map((f) => [f.code, f.entity]);
  const own = codes(findStudentMismatches(roster, platform));
  assertEquals(own.map(([code]) => code), ["parent_link.mismatch"]);
  assertEquals(codes(findStudentMismatches(roster, reordered, diagnosticContext(roster, platform))), own);
  assertEquals(codes(findStudentMismatches(roster, platform, diagnosticContext(roster, reordered))), own);
});
