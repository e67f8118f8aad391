import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { findMissingData } from "../lib/diagnostics/missing-data.ts";
import { coverageNotices } from "../lib/diagnostics/coverage.ts";
import { CODES, Report } from "../lib/model/findings.ts";
import { runDiagnostics } from "../lib/diagnostics/run.ts";
import { generateDistrict } from "../lib/demo/generate.ts";
import { plantProblems } from "../lib/demo/plant.ts";
import { plantedCheck } from "../lib/demo/check.ts";
import { emptyRoster } from "../lib/model/roster.ts";
import { emptySnapshot } from "../lib/model/snapshot.ts";
import {
  campus,
  platformClass,
  platformEnrollment,
  platformStudent,
  school,
  sourceClass,
  sourceEnrollment,
  sourceUser,
} from "./helpers/literals.ts";

const MISSING_DATA_CODES = Object.entries(CODES).filter(([, d]) => d.tool === "missing-data").map(([c]) => c);

Deno.test("a clean generated district gives no missing-data findings and no notices", () => {
  const { roster, platform } = generateDistrict({ students: 400, seed: 11 });
  assertEquals(findMissingData(roster, platform), []);
  assertEquals(coverageNotices(roster, platform), []);
});

Deno.test("every code of every tool planted in a generated district is found with its exact entity, and nothing else", () => {
  for (const seed of [1, 2, 3]) {
    const district = generateDistrict({ students: 500, seed });
    const planted = plantProblems(district);
    const compared = Object.entries(CODES).filter(([, d]) => d.tool !== "roster-check").map(([c]) => c);
    assertEquals(
      new Set(planted.map((p) => p.code)),
      new Set(compared),
      "the plant covers every code of the four tools",
    );
    const report = runDiagnostics({
      customer: "t",
      environment: "embedded",
      roster: district.roster,
      platform: district.platform,
    });
    const check = plantedCheck(planted, report.findings);
    assert(check.ok, check.message);
    const missingDataOnly = plantedCheck(
      planted.filter((p) => MISSING_DATA_CODES.includes(p.code)),
      findMissingData(district.roster, district.platform),
    );
    assert(missingDataOnly.ok, missingDataOnly.message);
  }
});

Deno.test("a clean generated district gives no findings from any tool", () => {
  const { roster, platform } = generateDistrict({ students: 800, seed: 12 });
  const report = runDiagnostics({ customer: "t", environment: "embedded", roster, platform });
  assertEquals(report.findings, []);
  assertEquals(report.tools, ["missing-data", "student-mismatch", "parent-email", "campus-transfer"]);
});

Deno.test("grades 9 and 09 are alike and names compare trimmed; other differences are field mismatches", () => {
  const roster = {
    ...emptyRoster(),
    orgs: [school("sch-1")],
    users: [
      sourceUser("stu-1", "student", { grades: ["9"], givenName: " Ana ", familyName: "Ruiz", identifier: "1042" }),
      sourceUser("stu-2", "student", { grades: ["KG"], givenName: "Ben", familyName: "Okafor", identifier: "1043" }),
    ],
  };
  const platform = {
    ...emptySnapshot(),
    campuses: [campus(1, "sch-1")],
    students: [
      platformStudent(11, "stu-1", { grade: "09", firstName: "Ana", lastName: "Ruiz", studentNumber: "1042" }),
      platformStudent(12, "stu-2", { grade: "01", firstName: "Benjamin", lastName: "Okafor", studentNumber: null }),
    ],
  };
  const findings = findMissingData(roster, platform);
  assertEquals(findings.map((f) => [f.code, f.entity]), [
    ["student.field_mismatch", { sourcedId: "stu-2", platformId: 12, field: "first_name" }],
    ["student.field_mismatch", { sourcedId: "stu-2", platformId: 12, field: "grade" }],
    ["student.field_mismatch", { sourcedId: "stu-2", platformId: 12, field: "student_number" }],
  ]);
  assertEquals(findings[0].details.source, "Ben");
  assertEquals(findings[0].details.platform, "Benjamin");
  assertEquals(findings[2].details, { source: "1043", platform: "", campus: "Campus 1" });
});

Deno.test("a soft-deleted platform student is missing in the platform, and the finding names the deleted record", () => {
  const roster = { ...emptyRoster(), orgs: [school("sch-1")], users: [sourceUser("stu-1", "student")] };
  const platform = {
    ...emptySnapshot(),
    campuses: [campus(1, "sch-1")],
    students: [platformStudent(11, "stu-1", { deletedAt: "2026-11-20 09:30:00+00" })],
  };
  const [f] = findMissingData(roster, platform);
  assertEquals(f.code, "student.missing_in_platform");
  assertEquals(f.entity, { sourcedId: "stu-1" });
  assertEquals(f.details.deletedRecord, { platformId: 11, deletedAt: "2026-11-20 09:30:00+00" });
  assertMatch(f.message, /platform record 11 was deleted/);
});

Deno.test("a missing class implies its missing enrollments, and each says which finding caused it", () => {
  const roster = {
    ...emptyRoster(),
    orgs: [school("sch-1")],
    users: [sourceUser("stu-1", "student"), sourceUser("tch-1", "teacher")],
    classes: [sourceClass("cls-1")],
    enrollments: [
      sourceEnrollment("e1", "cls-1", "stu-1", "student"),
      sourceEnrollment("e2", "cls-1", "tch-1", "teacher"),
    ],
  };
  const platform = {
    ...emptySnapshot(),
    campuses: [campus(1, "sch-1")],
    students: [platformStudent(11, "stu-1")],
    teachers: [{
      id: 21,
      campusId: 1,
      sourceId: "tch-1",
      email: null,
      firstName: "Li",
      lastName: "Lee",
      deletedAt: null,
    }],
  };
  const findings = findMissingData(roster, platform);
  assertEquals(findings.map((f) => f.code), [
    "class.missing_in_platform",
    "enrollment.missing_in_platform",
    "enrollment.missing_in_platform",
  ]);
  for (const f of findings.slice(1)) {
    assertEquals(f.details.causedBy, { code: "class.missing_in_platform", entity: { sourcedId: "cls-1" } });
  }
});

Deno.test("an enrollment whose platform class is soft-deleted is not an active platform enrollment", () => {
  const roster = {
    ...emptyRoster(),
    orgs: [school("sch-1")],
    users: [sourceUser("stu-1", "student")],
    classes: [sourceClass("cls-1")],
    enrollments: [sourceEnrollment("e1", "cls-1", "stu-1", "student")],
  };
  const platform = {
    ...emptySnapshot(),
    campuses: [campus(1, "sch-1")],
    students: [platformStudent(11, "stu-1")],
    classes: [platformClass(31, "cls-1", { deletedAt: "2026-11-01 00:00:00+00" })],
    enrollments: [platformEnrollment(41, 31, "student", 11)],
  };
  assertEquals(findMissingData(roster, platform).map((f) => [f.code, f.entity]), [
    ["class.missing_in_platform", { sourcedId: "cls-1" }],
    ["enrollment.missing_in_platform", { classSourcedId: "cls-1", userSourcedId: "stu-1", role: "student" }],
  ]);
});

Deno.test("a disabled or tobedeleted source student is absent from the source; hand-made platform rows are never reported", () => {
  const roster = {
    ...emptyRoster(),
    orgs: [school("sch-1")],
    users: [
      sourceUser("stu-1", "student", { enabledUser: false }),
      sourceUser("stu-2", "student", { status: "tobedeleted" }),
      sourceUser("stu-3", "teacher"),
    ],
  };
  const platform = {
    ...emptySnapshot(),
    campuses: [campus(1, "sch-1")],
    students: [
      platformStudent(11, "stu-1"),
      platformStudent(12, "stu-2"),
      platformStudent(13, "stu-3"),
      platformStudent(14, null),
    ],
  };
  const findings = findMissingData(roster, platform).filter((f) => f.code === "student.not_in_source");
  assertEquals(findings.map((f) => f.entity), [
    { platformId: 11, sourcedId: "stu-1" },
    { platformId: 12, sourcedId: "stu-2" },
    { platformId: 13, sourcedId: "stu-3" },
  ]);
  assertMatch(findings[2].message, /the roster has stu-3 as teacher/);
});

Deno.test("a delta users file never reports not_in_source, and the report says why", () => {
  const { roster, platform } = generateDistrict({ students: 200, seed: 5 });
  roster.fileModes.users = "delta";
  roster.users = roster.users.slice(0, 10);
  const findings = findMissingData(roster, platform);
  assertEquals(findings.filter((f) => f.code.endsWith(".not_in_source") && !f.code.startsWith("enrollment")), []);
  const notices = coverageNotices(roster, platform);
  assert(notices.some((n) => n.code === "source.delta_export" && /users\.csv is a delta export/.test(n.message)));
  assert(!notices.some((n) => n.code === "source.looks_incomplete"), "a delta is not judged for completeness");
});

Deno.test("a row the reader rejected is never reported as not_in_source", () => {
  const roster = {
    ...emptyRoster(),
    orgs: [school("sch-1")],
    rejected: [{ file: "users.csv", line: 9, sourcedId: "stu-1" }],
  };
  const platform = { ...emptySnapshot(), campuses: [campus(1, "sch-1")], students: [platformStudent(11, "stu-1")] };
  assertEquals(findMissingData(roster, platform), []);
});

Deno.test("an export missing most of a campus's students leads the report with a warning", () => {
  const { roster, platform } = generateDistrict({ students: 600, seed: 9 });
  const firstSchool = roster.orgs.find((o) => o.type === "school")!.sourcedId;
  let dropped = 0;
  roster.users = roster.users.filter((u) =>
    !(u.role === "student" && u.orgSourcedIds[0] === firstSchool && dropped++ % 4 !== 0)
  );
  const report = runDiagnostics({ customer: "t", environment: "embedded", roster, platform, now: new Date(0) });
  assertEquals(report.warnings[0].code, "source.looks_incomplete");
  assertMatch(report.warnings[0].message, /of \d+ active platform students of Lincoln Elementary are absent/);
  assertMatch(report.warnings[0].message, /check the export before acting on not_in_source findings/);
});

Deno.test("the report has exactly the findings.md shape: entity keys from the code table, findings sorted", () => {
  const district = generateDistrict({ students: 300, seed: 4 });
  plantProblems(district);
  const report = runDiagnostics({
    customer: "demo-isd",
    environment: "embedded",
    roster: district.roster,
    platform: district.platform,
    now: new Date("2026-11-24T12:00:00.123Z"),
  });
  Report.strict().parse(report);
  assertEquals(report.generatedAt, "2026-11-24T12:00:00Z");
  assertEquals(report.tools, ["missing-data", "student-mismatch", "parent-email", "campus-transfer"]);
  for (const f of report.findings) assertEquals(Object.keys(f.entity), [...CODES[f.code].entityKeys]);
  const keys = report.findings.map((f) => [f.tool, f.code, ...Object.values(f.entity)]);
  const sorted = [...keys].sort((a, b) => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const [x, y] = [a[i], b[i]];
      if (x === y) continue;
      if (typeof x === "number" && typeof y === "number") return x - y;
      return String(x) < String(y) ? -1 : 1;
    }
    return 0;
  });
  assertEquals(keys, sorted);
  assertEquals(report.summary.error + report.summary.warning, report.findings.length);
  assertEquals(Object.values(report.summary.byCode).reduce((a, b) => a + b, 0), report.findings.length);
});

Deno.test("a district the platform holds nothing for is named in one opening notice", () => {
  const { roster } = generateDistrict({ students: 60, seed: 4 });
  const notices = coverageNotices(roster, emptySnapshot());
  assertEquals(notices.map((n) => n.code), ["platform.empty_district"]);
  assertMatch(notices[0].message, /^The platform holds nothing for Test ISD \(test-isd\): .* 60 active students/);
  const { roster: r2, platform: p2 } = generateDistrict({ students: 60, seed: 4 });
  assertEquals(coverageNotices(r2, p2).filter((n) => n.code === "platform.empty_district"), []);
});

Deno.test("the planter's own records never reuse a generated id, however large the district", () => {
  const district = generateDistrict({ students: 200, seed: 9 });
  // As in a 90,000+ student district: generated ids already reach the planter's preferred ones.
  const s0 = district.platform.students[0];
  district.platform.students.push({ ...s0, id: 190001, sourceId: "stu-x-1" }, {
    ...s0,
    id: 190002,
    sourceId: "stu-x-2",
  });
  district.platform.parents.push({ ...district.platform.parents[0], id: 399001, sourceId: "par-x-1" });
  district.platform.campuses.push({ ...district.platform.campuses[0], id: 199, sourceId: "sch-x-1" });
  plantProblems(district);
  for (const rows of [district.platform.students, district.platform.parents, district.platform.campuses]) {
    assertEquals(new Set(rows.map((r) => r.id)).size, rows.length);
  }
});
