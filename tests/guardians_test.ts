import fc from "fast-check";
import { ParentTable } from "../lib/model/platform-tables.ts";
import { UserTable } from "../lib/model/user-table.ts";
import { assertEquals } from "./helpers/assert.ts";
import { platformParent, sourceUser } from "./helpers/literals.ts";
import { indexGuardians } from "../lib/diagnostics/guardians.ts";
import { emptyRoster, isActiveInSource, isGuardian, type Roster, type User } from "../lib/model/roster.ts";
import { emptySnapshot, type Parent, type PlatformSnapshot } from "../lib/model/snapshot.ts";
import { normalizeEmail } from "../lib/normalize.ts";

/**
 * The guardian rules of shared/findings.md as plain Sets and Maps: a guardian is an active source user with role
 * parent, guardian or relative; its students are the union of both agentSourcedIds directions (active students
 * only); it maps to the first active platform parent with its sourcedId as source_id, failing that to the first
 * active parent with the same normalized email.
 */
function guardiansBySpec(roster: Roster, platform: PlatformSnapshot) {
  const active = roster.users.filter((u) => isActiveInSource(u));
  const students = new Set(active.filter((u) => u.role === "student").map((u) => u.sourcedId));
  const guardians = active.filter((u) => u.role !== "student" && isGuardian(u));
  const guardianIds = new Set(guardians.map((g) => g.sourcedId));
  const studentsOf = new Map<string, string[]>();
  const link = (g: string, s: string) => {
    const list = studentsOf.get(g) ?? [];
    if (!list.includes(s)) list.push(s);
    studentsOf.set(g, list);
  };
  for (const g of guardians) for (const s of g.agentSourcedIds) if (students.has(s)) link(g.sourcedId, s);
  for (const u of roster.users) {
    if (u.role !== "student" || !students.has(u.sourcedId)) continue;
    for (const a of u.agentSourcedIds) if (guardianIds.has(a)) link(a, u.sourcedId);
  }
  const live = platform.parents.filter((p) => p.deletedAt === null);
  const accountOf = new Map<string, { parent: number; by: "source_id" | "email" }>();
  for (const g of guardians) {
    const bySource = live.find((p) => p.sourceId !== null && p.sourceId === g.sourcedId);
    const email = normalizeEmail(g.email);
    const byEmail = email ? live.find((p) => normalizeEmail(p.email) === email) : undefined;
    if (bySource) accountOf.set(g.sourcedId, { parent: bySource.id, by: "source_id" });
    else if (byEmail) accountOf.set(g.sourcedId, { parent: byEmail.id, by: "email" });
  }
  return { guardians: guardians.map((g) => g.sourcedId), studentsOf, accountOf };
}

// Ids a crafted export might use against an object or an array: they are ids like any other.
const ID = fc.constantFrom("s1", "s2", "s3", "g1", "g2", "g3", "t1", "__proto__", "-1", "constructor", "a\u0000b", "");
const EMAIL = fc.constantFrom("", "  ", "ana@x.org", " ANA@x.org ", "bo@x.org", "Bo@X.org", "cy@x.org");

Deno.test("the guardian index follows the rules: who is a guardian, their students, and the account each maps to", () => {
  const user = fc.record({
    sourcedId: ID,
    role: fc.constantFrom("student", "parent", "guardian", "relative", "teacher") as fc.Arbitrary<User["role"]>,
    status: fc.constantFrom("active", "active", "tobedeleted") as fc.Arbitrary<User["status"]>,
    enabledUser: fc.boolean(),
    agentSourcedIds: fc.array(ID, { maxLength: 4 }),
    email: EMAIL,
  });
  const parent = fc.record({
    sourceId: fc.option(ID, { nil: null }),
    email: EMAIL,
    deletedAt: fc.option(fc.constant("2026-01-01"), { nil: null, freq: 3 }),
  });
  // Platform ids: serial numbers (kept in arrays by id), or far apart, negative or fractional (kept in Maps).
  const idOf = fc.constantFrom(
    (i: number) => i + 1,
    (i: number) => (i + 1) * 700_000_001,
    (i: number) => -(i + 1),
    (i: number) => i + 0.5,
  );
  fc.assert(
    // The users as a reader keeps them (a table, read field by field) or as a list built by hand.
    fc.property(fc.array(user, { maxLength: 10 }), fc.array(parent, { maxLength: 8 }), idOf, fc.boolean(), (
      users,
      parents,
      id,
      asTable,
    ) => {
      // One row per id, as the reader keeps them (a repeated id is refused).
      const list = users.filter((u, i) => users.findIndex((v) => v.sourcedId === u.sourcedId) === i)
        .map((u) => sourceUser(u.sourcedId, u.role, u));
      const roster: Roster = { ...emptyRoster(), users: asTable ? UserTable.from(list) : list };
      const platform: PlatformSnapshot = {
        ...emptySnapshot(),
        // The parents as the platform's read keeps them (a table) or as a list built by hand.
        parents: (asTable ? (rows: Parent[]) => new ParentTable().pushAll(rows) : (rows: Parent[]) => rows)(
          parents.map((p, i): Parent => platformParent(id(i), p.sourceId, p.email, { deletedAt: p.deletedAt })),
        ),
      };
      const index = indexGuardians(roster, platform);
      const spec = guardiansBySpec(roster, platform);
      assertEquals(index.guardians.map((g) => g.sourcedId), spec.guardians);
      const ids = [...new Set(users.map((u) => u.sourcedId))];
      assertEquals(ids.map((id) => index.studentsOf(id)), ids.map((id) => spec.studentsOf.get(id) ?? []));
      assertEquals(ids.map((id) => index.has(id)), ids.map((id) => spec.guardians.includes(id)));
      // The same by the numbers of the roster's ids, and each guardian's account by its row.
      assertEquals(
        ids.map((id) => index.userIds.indexOf(id)).map((n) => n !== -1 && index.hasNumber(n)),
        ids.map((id) => spec.guardians.includes(id)),
      );
      assertEquals(
        index.guardians.map((_, row) => index.accountAt(row)).map((a) => a && { parent: a.parent.id, by: a.by }),
        index.guardians.map((g) => spec.accountOf.get(g.sourcedId)),
      );
      assertEquals(
        ids.map((id) => index.accountOf(id)).map((a) => a && { parent: a.parent.id, by: a.by }),
        ids.map((id) => spec.accountOf.get(id)),
      );
      // The guardians of each account, in roster order; the accounts in the order first mapped.
      const byAccount = new Map<number, string[]>();
      for (const g of index.guardians) {
        const a = spec.accountOf.get(g.sourcedId);
        if (a) byAccount.set(a.parent, [...(byAccount.get(a.parent) ?? []), g.sourcedId]);
      }
      assertEquals(index.accounts, [...byAccount.keys()]);
      assertEquals(index.accounts.map((p) => index.guardiansOf(p).map((g) => g.sourcedId)), [...byAccount.values()]);
      for (const p of platform.parents) assertEquals(index.hasGuardians(p.id), byAccount.has(p.id));
      assertEquals(index.guardiansOf(-7.25), []);
      assertEquals(index.hasGuardians(-7.25), false);
    }),
    { numRuns: 3000 },
  );
});

Deno.test("a guardian with many students keeps each once, in the order first linked, whichever side names them", () => {
  const students = Array.from({ length: 80 }, (_, i) => `s${String(i).padStart(3, "0")}`);
  const guardian = sourceUser("g1", "parent", { agentSourcedIds: [...students.slice(40), ...students.slice(40)] });
  const roster: Roster = {
    ...emptyRoster(),
    users: [guardian, ...students.map((s) => sourceUser(s, "student", { agentSourcedIds: ["g1", "g1"] }))],
  };
  const index = indexGuardians(roster, emptySnapshot());
  assertEquals(index.studentsOf("g1"), [...students.slice(40), ...students.slice(0, 40)]);
  assertEquals(index.studentsOf("s001"), []);
});
