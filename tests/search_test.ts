/** The search box's logic, over literal roster and platform rows. */
import { assert, assertEquals } from "./helpers/assert.ts";
import { emptyRoster, type User } from "../lib/model/roster.ts";
import { emptySnapshot } from "../lib/model/snapshot.ts";
import { buildSearchIndex, searchIndex, searchPeople } from "../lib/search.ts";

const user = (u: Partial<User> & Pick<User, "sourcedId" | "role" | "givenName" | "familyName">): User => ({
  status: "active",
  enabledUser: true,
  roles: [],
  orgSourcedIds: [],
  username: "",
  middleName: "",
  identifier: "",
  email: "",
  agentSourcedIds: [],
  grades: [],
  ...u,
});

const roster = {
  ...emptyRoster(),
  users: [
    user({ sourcedId: "stu-1", role: "student", givenName: "Ana", familyName: "Ramírez", identifier: "100013" }),
    user({
      sourcedId: "par-1",
      role: "guardian",
      givenName: "Nguyen",
      familyName: "RAMÍREZ",
      email: "N.Ramirez@Example.org",
    }),
    user({ sourcedId: "tch-1", role: "teacher", givenName: "Zoë", familyName: "Müller", email: "zoe@example.org" }),
    user({ sourcedId: "adm-1", role: "administrator", givenName: "Ana", familyName: "Ramírez" }),
  ],
  classes: [{
    sourcedId: "cls-9",
    status: "active" as const,
    title: "Álgebra I",
    classCode: "ALG-1",
    classType: "scheduled",
    courseSourcedId: "c-1",
    schoolSourcedId: "sch-1",
    termSourcedIds: [],
    grades: [],
  }],
};
const platform = {
  ...emptySnapshot(),
  students: [{
    id: 100013,
    campusId: null,
    sourceId: "stu-1",
    studentNumber: "100013",
    firstName: "Ana",
    lastName: "Ramirez",
    grade: "09",
    deletedAt: null,
  }],
  parents: [
    {
      id: 300014,
      sourceId: "par-1",
      email: "n.ramirez@example.org",
      firstName: "Nguyen",
      lastName: "Ramírez",
      deletedAt: null,
    },
    {
      id: 399001,
      sourceId: null,
      email: "hand.made@example.org",
      firstName: "Rosa",
      lastName: "Ramírez",
      deletedAt: null,
    },
  ],
};

Deno.test("typing ramirez finds Ramírez in any case and accent, students, parents and platform-only accounts alike", () => {
  for (const q of ["ramirez", "RAMÍREZ", "  Ramirez "]) {
    const r = searchPeople(roster, platform, q);
    assertEquals(
      r.hits.map((h) => [h.kind, h.key]),
      [["student", "stu-1"], ["parent", "n.ramirez@example.org"], ["parent", "hand.made@example.org"]],
      q,
    );
  }
});

Deno.test("a roster record and the platform's record of it are one hit, found on both sides", () => {
  const r = searchPeople(roster, platform, "ana ramirez");
  assertEquals(r.hits.length, 1, "the administrator is not a searchable kind; the two students are one");
  assertEquals(r.hits[0].sides, ["roster", "platform"]);
  const parent = searchPeople(roster, platform, "n.ramirez@example.org").hits;
  assertEquals(parent.map((h) => [h.key, h.sides]), [["n.ramirez@example.org", ["roster", "platform"]]]);
  assertEquals(searchPeople(roster, platform, "hand.made").hits[0].sides, ["platform"]);
});

Deno.test("search by sourcedId, student number, email, class title and code; every word must match", () => {
  const keys = (q: string) => searchPeople(roster, platform, q).hits.map((h) => `${h.kind}:${h.key}`);
  assertEquals(keys("tch-1"), ["teacher:tch-1"]);
  assertEquals(keys("zoe muller"), ["teacher:tch-1"]);
  assertEquals(keys("100013"), ["student:stu-1"]);
  assertEquals(keys("algebra"), ["class:cls-9"]);
  assertEquals(keys("alg-1"), ["class:cls-9"]);
  assertEquals(keys("ana muller"), []);
  assertEquals(keys(""), []);
});

Deno.test("an exact key ranks before names that merely contain the query", () => {
  const r = searchPeople(
    {
      ...roster,
      users: [...roster.users, user({ sourcedId: "stu-2", role: "student", givenName: "Stu", familyName: "One" })],
    },
    undefined,
    "stu-2",
  );
  assertEquals(r.hits[0].key, "stu-2");
});

Deno.test("the index is bounded: past its size it says so, and the limit caps the hits, not the count", () => {
  const index = buildSearchIndex(roster, platform, { maxEntries: 2 });
  assertEquals(index.entries.length, 2);
  assert(index.truncated);
  const full = buildSearchIndex(roster, platform);
  assert(!full.truncated);
  const r = searchIndex(full, "ramirez", 1);
  assertEquals([r.hits.length, r.total], [1, 3]);
});
