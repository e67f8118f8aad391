import { assertEquals, assertMatch } from "./helpers/assert.ts";
import { findParentEmailConflicts } from "../lib/diagnostics/parent-email.ts";
import { isValidEmail } from "../lib/normalize.ts";
import { emptyRoster } from "../lib/model/roster.ts";
import { emptySnapshot } from "../lib/model/snapshot.ts";
import { platformParent, school, sourceUser } from "./helpers/literals.ts";

const roster = (users: ReturnType<typeof sourceUser>[]) => ({ ...emptyRoster(), orgs: [school("sch-1")], users });

Deno.test("two siblings' guardians sharing an email are one family: a warning", () => {
  const r = roster([
    sourceUser("stu-1", "student", { agentSourcedIds: ["par-1", "par-2"] }),
    sourceUser("stu-2", "student", { agentSourcedIds: ["par-1", "par-2"] }),
    sourceUser("par-1", "parent", { email: "ruiz.family@example.org" }),
    sourceUser("par-2", "guardian", { email: " Ruiz.Family@example.org" }),
  ]);
  const [f] = findParentEmailConflicts(r, emptySnapshot());
  assertEquals([f.code, f.severity, f.entity], ["parent_email.shared", "warning", {
    email: "ruiz.family@example.org",
  }]);
  assertEquals(f.details.kind, "same_family");
  assertEquals((f.details.guardians as Array<{ sourcedId: string }>).map((g) => g.sourcedId), ["par-1", "par-2"]);
});

Deno.test("unrelated families sharing a placeholder email are an error", () => {
  const r = roster([
    sourceUser("stu-1", "student", { agentSourcedIds: ["par-1"] }),
    sourceUser("stu-2", "student", { agentSourcedIds: ["par-2"] }),
    sourceUser("par-1", "parent", { email: "noemail@district.org" }),
    sourceUser("par-2", "parent", { email: "noemail@district.org" }),
  ]);
  const [f] = findParentEmailConflicts(r, emptySnapshot());
  assertEquals([f.code, f.severity, f.details.kind], ["parent_email.shared", "error", "different_families"]);
  assertEquals(f.details.students, [{ sourcedId: "stu-1", name: "Ana Ruiz" }, {
    sourcedId: "stu-2",
    name: "Ana Ruiz",
  }]);
});

Deno.test("empty and invalid guardian emails are reported; inactive guardians are not", () => {
  const r = roster([
    sourceUser("par-1", "parent", { email: "" }),
    sourceUser("par-2", "parent", { email: "rosa.ruiz.example.org" }),
    sourceUser("par-3", "relative", { email: "ok@example.org" }),
    sourceUser("par-4", "parent", { email: "bad@", status: "tobedeleted" }),
    sourceUser("stu-1", "student", { email: "" }),
  ]);
  assertEquals(findParentEmailConflicts(r, emptySnapshot()).map((f) => [f.code, f.entity]), [
    ["parent_email.invalid", { sourcedId: "par-1", email: "" }],
    ["parent_email.invalid", { sourcedId: "par-2", email: "rosa.ruiz.example.org" }],
  ]);
});

Deno.test("the WHATWG email rule: what <input type=email> accepts", () => {
  for (const ok of ["a@b", "a.b+c@example.org", "x@sub.example.co", "o'brien@example.org", " ana@example.org "]) {
    assertEquals(isValidEmail(ok), true, ok);
  }
  for (
    const bad of ["", "a", "a@", "@b", "a@@b", "a b@c.org", "a@b..org", "a@-b.org", "ana@exämple.org", "a@b_c.org"]
  ) {
    assertEquals(isValidEmail(bad), false, bad);
  }
});

Deno.test("a guardian whose account has another email is a platform mismatch; case and spaces do not count", () => {
  const r = roster([
    sourceUser("par-1", "parent", { email: " ROSA@example.org " }),
    sourceUser("par-2", "parent", { email: "tom.new@example.org" }),
  ]);
  const platform = {
    ...emptySnapshot(),
    parents: [platformParent(31, "par-1", "rosa@example.org"), platformParent(32, "par-2", "tom@example.org")],
  };
  const findings = findParentEmailConflicts(r, platform);
  assertEquals(findings.map((f) => [f.code, f.entity]), [["parent_email.platform_mismatch", {
    sourcedId: "par-2",
    platformId: 32,
  }]]);
  assertMatch(
    findings[0].message,
    /tom\.new@example\.org in the roster but the parent account 32 logs in as tom@example\.org/,
  );
});
