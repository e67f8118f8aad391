import { assertEquals } from "./helpers/assert.ts";
import { rootCauseLines, rootCauses } from "../lib/report/causes.ts";
import { findMissingData } from "../lib/diagnostics/missing-data.ts";
import { emptyRoster } from "../lib/model/roster.ts";
import { emptySnapshot } from "../lib/model/snapshot.ts";
import { campus, school, sourceClass, sourceEnrollment, sourceUser } from "./helpers/literals.ts";

Deno.test("a missing campus is the root cause of its students, classes and their enrollments, ranked first", () => {
  const roster = {
    ...emptyRoster(),
    orgs: [school("sch-1"), school("sch-2")],
    users: [
      sourceUser("stu-1", "student", { orgSourcedIds: ["sch-2"] }),
      sourceUser("stu-2", "student", { orgSourcedIds: ["sch-2"] }),
      sourceUser("stu-3", "student", { orgSourcedIds: ["sch-1"] }),
    ],
    classes: [sourceClass("cls-9", { schoolSourcedId: "sch-2" })],
    enrollments: [
      sourceEnrollment("enr-1", "cls-9", "stu-1", "student"),
      sourceEnrollment("enr-2", "cls-9", "stu-2", "student"),
    ],
  };
  const platform = { ...emptySnapshot(), campuses: [campus(1, "sch-1")] };
  const findings = findMissingData(roster, platform);
  const roots = rootCauses(findings);
  assertEquals(roots.map((r) => [r.code, r.entity, r.explains]), [
    ["campus.missing_in_platform", { sourcedId: "sch-2" }, 6],
  ]);
  assertEquals(roots[0].byCode, {
    "campus.missing_in_platform": 1,
    "student.missing_in_platform": 2,
    "class.missing_in_platform": 1,
    "enrollment.missing_in_platform": 2,
  });
  assertEquals(rootCauseLines(findings), [
    "campus.missing_in_platform sourcedId=sch-2 explains 6 of 7 findings: fix it first",
  ]);
});

Deno.test("a cause chain that loops back on itself ends without hanging, and names no root", () => {
  const f = (code: "class.missing_in_platform" | "student.missing_in_platform", id: string, cause: string) => ({
    tool: "missing-data" as const,
    code,
    severity: "error" as const,
    entity: { sourcedId: id },
    message: "",
    details: { causedBy: { code: cause.split(":")[0], entity: { sourcedId: cause.split(":")[1] } } },
    resolution: { action: "resync" as const, explanation: "" },
  });
  const roots = rootCauses([
    f("class.missing_in_platform", "a", "student.missing_in_platform:b"),
    f("student.missing_in_platform", "b", "class.missing_in_platform:a"),
  ]);
  assertEquals(roots, []);
});

Deno.test("a person whose first org is the district is still caused by the missing campus among their orgs", () => {
  const roster = {
    ...emptyRoster(),
    orgs: [school("sch-1"), school("sch-2")],
    users: [sourceUser("tch-1", "teacher", { orgSourcedIds: ["dist-1", "sch-1", "sch-2"] })],
  };
  const platform = { ...emptySnapshot(), campuses: [campus(1, "sch-1")] };
  const teacher = findMissingData(roster, platform).find((f) => f.code === "teacher.missing_in_platform")!;
  assertEquals(teacher.details.causedBy, { code: "campus.missing_in_platform", entity: { sourcedId: "sch-2" } });
});
