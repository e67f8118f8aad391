import fc from "fast-check";
import { assertEquals } from "./helpers/assert.ts";
import { sourceUser } from "./helpers/literals.ts";
import { checkRoster, MAX_GUARDIANS } from "../lib/diagnostics/roster-check.ts";
import { emptyRoster, isActiveInSource, isGuardian, type Roster, type User } from "../lib/model/roster.ts";
import { isValidEmail, normalizeEmail } from "../lib/normalize.ts";
import { CODES, type Finding, type FindingCode } from "../lib/model/findings.ts";
import { UserTable } from "../lib/model/user-table.ts";

/** A finding as compared here: what a user reads of it. */
const shown = (f: Pick<Finding, "code" | "entity" | "details" | "message"> & { severity?: string }) =>
  JSON.stringify([f.code, f.severity ?? CODES[f.code as FindingCode].severity, f.entity, f.details, f.message]);
const name = (u: User) => `${u.givenName} ${u.familyName}`.trim();

/**
 * roster-check's agent-link and email rules (docs/roster-check.md), written with lists and finds: every agent id
 * names the first user with that id or is unresolved (unless refused); a link joins one guardian and one student;
 * each guardian-student pair counts once, with the sides that list it (1.2 wants both); more than MAX_GUARDIANS
 * distinct guardians on a student is reported; an active guardian's email shared with an active student or staff
 * member, or with another active guardian, is reported.
 */
function linksAndEmailsBySpec(roster: Roster): string[] {
  const out: string[] = [];
  const rejected = roster.rejected.map((r) => r.sourcedId);
  const pairs: Array<{ guardian: string; student: string; sides: number }> = [];
  for (const u of roster.users) {
    for (const a of u.agentSourcedIds) {
      const other = roster.users.find((v) => v.sourcedId === a);
      if (!other) {
        if (!rejected.includes(a)) {
          out.push(shown({
            code: "guardian.unresolved_agent",
            entity: { sourcedId: u.sourcedId, agentSourcedId: a },
            details: {},
            message: `users.csv: ${u.role} ${u.sourcedId} (${name(u)}) lists agent "${a}", who is not in the export`,
          }));
        }
        continue;
      }
      const guardian = isGuardian(u) ? u : isGuardian(other) ? other : undefined;
      const student = u.role === "student" ? u : other.role === "student" ? other : undefined;
      if (!guardian || !student || guardian === student) {
        out.push(shown({
          code: "guardian.not_guardian_student",
          entity: { sourcedId: u.sourcedId, agentSourcedId: a },
          details: { role: u.role, agentRole: other.role },
          message: other === u
            ? `users.csv: ${u.role} ${u.sourcedId} (${
              name(u)
            }) lists itself as an agent; agents link a guardian to a student`
            : `users.csv: ${u.role} ${u.sourcedId} (${name(u)}) lists ${other.role} ${a} (${
              name(other)
            }) as an agent; agents link guardians and students only`,
        }));
        continue;
      }
      let pair = pairs.find((p) => p.guardian === guardian.sourcedId && p.student === student.sourcedId);
      if (!pair) pairs.push(pair = { guardian: guardian.sourcedId, student: student.sourcedId, sides: 0 });
      pair.sides |= u === guardian ? 1 : 2;
    }
  }
  for (const p of pairs) {
    if (roster.source.version !== "1.2" || p.sides === 3) continue;
    const side = p.sides === 1 ? "guardian" : "student";
    out.push(shown({
      code: "guardian.one_sided_link",
      entity: { guardianSourcedId: p.guardian, studentSourcedId: p.student },
      details: { side },
      message:
        `users.csv: only the ${side} side links guardian ${p.guardian} and student ${p.student}; OneRoster 1.2 requires both`,
    }));
  }
  for (const student of new Set(pairs.map((p) => p.student))) {
    const guardians = pairs.filter((p) => p.student === student).map((p) => p.guardian);
    if (guardians.length <= MAX_GUARDIANS) continue;
    out.push(shown({
      code: "guardian.too_many",
      entity: { sourcedId: student },
      details: { guardians: guardians.sort() },
      message: `users.csv: student ${student} has ${guardians.length} guardians (more than ${MAX_GUARDIANS})`,
    }));
  }

  const active = roster.users.filter((u) => isActiveInSource(u) && normalizeEmail(u.email));
  for (const u of roster.users) {
    const email = normalizeEmail(u.email);
    if (!email || isValidEmail(email)) continue;
    out.push(shown({
      code: "email.invalid",
      severity: isGuardian(u) ? "error" : "warning",
      entity: { sourcedId: u.sourcedId, email },
      details: { role: u.role },
      message: `users.csv: ${u.role} ${u.sourcedId} (${name(u)}) has an invalid email "${u.email.trim()}"`,
    }));
  }
  const guardianEmails = [...new Set(active.filter((u) => isGuardian(u)).map((u) => normalizeEmail(u.email)))];
  for (const email of guardianEmails) {
    const ids = active.filter((u) => isGuardian(u) && normalizeEmail(u.email) === email).map((u) => u.sourcedId);
    const person = active.find((u) =>
      !isGuardian(u) && ["student", "teacher", "aide"].includes(u.role) && normalizeEmail(u.email) === email
    );
    for (const id of person ? ids : []) {
      out.push(shown({
        code: "email.guardian_shares_person_email",
        entity: { sourcedId: id, email },
        details: { person: `${person!.role} ${person!.sourcedId}` },
        message: `users.csv: guardian ${id}'s email ${email} is also the email of ${person!.role} ${person!.sourcedId}`,
      }));
    }
    if (ids.length < 2) continue;
    out.push(shown({
      code: "email.shared_by_guardians",
      entity: { email },
      details: { guardians: ids },
      message: "",
    }));
  }
  return out.sort();
}

// Ids a crafted export might use against an object or an array: they are ids like any other.
const ID = fc.constantFrom("s1", "s2", "s3", "g1", "g2", "t1", "__proto__", "-1", "constructor", "a\u0000b", "");
const EMAIL = fc.constantFrom("", "ana@x.org", " ANA@x.org ", "bo@x.org", "not-an-email", "Bo@X.org ");

Deno.test("roster-check's agent links and emails follow their rules, whatever the ids, repeats and roles", () => {
  const user = fc.record({
    sourcedId: ID,
    role: fc.constantFrom("student", "parent", "guardian", "relative", "teacher", "aide") as fc.Arbitrary<
      User["role"]
    >,
    status: fc.constantFrom("active", "active", "tobedeleted") as fc.Arbitrary<User["status"]>,
    agentSourcedIds: fc.array(ID, { maxLength: 9 }),
    email: EMAIL,
  });
  fc.assert(
    fc.property(
      // Repeated ids are kept: a REST source's users are not deduplicated by a reader.
      fc.array(user, { maxLength: 12 }),
      fc.constantFrom("1.1", "1.2"),
      fc.subarray(["g2", "-1", "zz"]),
      // As a reader keeps them (a table, whose rows are made afresh each time) or as a list built by hand.
      fc.boolean(),
      (users, version, refused, asTable) => {
        const list = users.map((u) => sourceUser(u.sourcedId, u.role, u));
        const roster: Roster = {
          ...emptyRoster({ version }),
          users: asTable ? UserTable.from(list) : list,
          rejected: refused.map((sourcedId, i) => ({ file: "users.csv", line: i + 2, sourcedId })),
        };
        const codes = /^(guardian|email)\./;
        const found = checkRoster(roster).filter((f) => codes.test(f.code)).map((f) =>
          // shared_by_guardians lists its ids in its message: the details hold the same.
          shown(f.code === "email.shared_by_guardians" ? { ...f, message: "" } : f)
        ).sort();
        assertEquals(found, linksAndEmailsBySpec({ ...roster, users: list }));
      },
    ),
    { numRuns: 3000 },
  );
});

Deno.test("a student with more guardians than allowed is reported once, with each distinct guardian once", () => {
  const guardians = Array.from({ length: MAX_GUARDIANS + 1 }, (_, i) => `g${i}`);
  const roster: Roster = {
    ...emptyRoster(),
    users: [
      sourceUser("s1", "student", { agentSourcedIds: [...guardians, "g0"] }),
      ...guardians.map((g) => sourceUser(g, "parent", { agentSourcedIds: ["s1"] })),
      sourceUser("s2", "student", { agentSourcedIds: guardians.slice(0, MAX_GUARDIANS) }),
    ],
  };
  const crowded = checkRoster(roster).filter((f) => f.code === "guardian.too_many");
  assertEquals(crowded.map((f) => [f.entity, f.details]), [[{ sourcedId: "s1" }, { guardians }]]);
});

Deno.test("a school counts each active student and teacher once, whatever the user lists; guardians are not counted", () => {
  const school = (sourcedId: string) => ({
    sourcedId,
    status: "active" as const,
    dateLastModified: "",
    name: `School ${sourcedId}`,
    type: "school" as const,
    identifier: "",
    parentSourcedId: "",
  });
  const many = ["x1", "x2", "x3", "x4", "x5", "x6", "x7", "sch-2", "sch-2", "sch-1"];
  const roster: Roster = {
    ...emptyRoster(),
    orgs: [school("sch-1"), school("sch-2")],
    users: [
      sourceUser("s1", "student", { orgSourcedIds: ["sch-1", "sch-1"] }),
      sourceUser("s2", "student", { orgSourcedIds: ["sch-1", "sch-2", "sch-1"] }),
      sourceUser("s3", "student", { orgSourcedIds: many }),
      sourceUser("s4", "student", { orgSourcedIds: ["sch-2"], status: "tobedeleted" }),
      sourceUser("t1", "teacher", { orgSourcedIds: ["sch-2", "sch-2"] }),
      sourceUser("p1", "parent", { orgSourcedIds: ["sch-1"] }),
      sourceUser("a1", "aide", { orgSourcedIds: ["sch-1"] }),
    ],
  };
  const counts = checkRoster(roster).filter((f) => f.code === "volume.school_counts")
    .map((f) => [f.entity.sourcedId, f.details.students, f.details.teachers]);
  assertEquals(counts, [["sch-1", 3, 0], ["sch-2", 2, 1]]);
});
