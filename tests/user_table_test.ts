import { assert, assertEquals, assertThrows } from "./helpers/assert.ts";
import fc from "fast-check";
import { PickedUsers, UserFields, UserIds, UserTable } from "../lib/model/user-table.ts";
import { isActiveInSource, type User } from "../lib/model/roster.ts";

/** A user with every field given, as a reader builds it (origin last, extensions present or undefined). */
function user(sourcedId: string, more: Partial<User> = {}): User {
  return {
    sourcedId,
    status: "active",
    enabledUser: true,
    role: "student",
    roles: [{ role: "student", roleType: "primary", orgSourcedId: "sch-1" }],
    orgSourcedIds: ["sch-1"],
    username: `${sourcedId}@example.org`,
    givenName: "Ana",
    familyName: "Lopez",
    middleName: "",
    identifier: `N-${sourcedId}`,
    email: `${sourcedId}@example.org`,
    agentSourcedIds: [],
    grades: ["05"],
    extensions: undefined,
    origin: { file: "users.csv", line: 2 },
    ...more,
  };
}

const ids = ["u-1", "u-2", "u-3", "par-1", "ünï-4", ""];
const arbitraryUser = fc.record({
  sourcedId: fc.constantFrom(...ids),
  status: fc.constantFrom("active" as const, "tobedeleted" as const),
  enabledUser: fc.boolean(),
  role: fc.constantFrom("student" as const, "parent" as const, "teacher" as const, "ext:coach" as const),
  orgs: fc.array(fc.constantFrom("sch-1", "sch-2", "dist"), { maxLength: 3 }),
  text: fc.string({ maxLength: 6 }),
  agents: fc.array(fc.constantFrom(...ids, "never-a-user"), { maxLength: 3 }),
  grades: fc.array(fc.constantFrom("05", "KG"), { maxLength: 2 }),
  extensions: fc.option(
    fc.dictionary(fc.constantFrom("metadata.a", "metadata.b"), fc.string({ maxLength: 3 })).map((d) => ({ ...d })),
  ),
  line: fc.option(fc.integer({ min: 1, max: 3_000_000 })),
  // A username of its own, or the email (kept once: the table keeps how much of the email it is), its start, or
  // the email and more.
  username: fc.constantFrom("own", "email", "start", "longer"),
}).map((r): User =>
  user(r.sourcedId, {
    status: r.status,
    enabledUser: r.enabledUser,
    role: r.role,
    roles: r.orgs.map((o, i) => ({ role: r.role, roleType: i === 0 ? "primary" : "secondary", orgSourcedId: o })),
    orgSourcedIds: r.orgs,
    username:
      { own: r.text, email: ` ${r.text}@Example.org `, start: ` ${r.text}`, longer: ` ${r.text}@Example.org  x` }[
        r.username
      ],
    givenName: r.text.toUpperCase(),
    familyName: "Lopez",
    middleName: r.text.slice(1),
    identifier: r.text,
    email: ` ${r.text}@Example.org `,
    agentSourcedIds: r.agents,
    grades: r.grades,
    extensions: r.extensions ?? undefined,
    origin: r.line === null ? undefined : { file: "users.csv", line: r.line },
  })
);

Deno.test("a user table gives back every user as pushed, field for field and in the same order, and finds the first of each id", () => {
  fc.assert(
    fc.property(fc.array(arbitraryUser, { maxLength: 40 }), (users) => {
      const table = UserTable.from(users);
      assertEquals(table.length, users.length);
      assertEquals([...table], users);
      // The same keys in the same order: a report's JSON is the same text.
      assertEquals(JSON.stringify(table), JSON.stringify(users));
      for (const id of [...ids, "never-a-user"]) {
        assertEquals(table.indexOf(id), users.findIndex((u) => u.sourcedId === id));
      }
      if (users.length > 0) assertEquals(table.at(-1), users.at(-1));
      assertEquals(table.at(users.length), undefined);
      // What a scan reads field by field is what the rows hold.
      const fields = new UserFields(table);
      users.forEach((u, i) => {
        assertEquals(table.sourcedIdAt(i), u.sourcedId);
        assertEquals(
          [fields.role(i), fields.active(i), fields.status(i), fields.orgs(i), fields.agents(i), fields.email(i)],
          [u.role, isActiveInSource(u), u.status, u.orgSourcedIds, u.agentSourcedIds, u.email],
        );
      });
    }),
    { numRuns: 300 },
  );
});

Deno.test("a user table's filter, find, some and map answer as an array's", () => {
  const users = ["u-1", "par-1", "u-2"].map((id, i) => user(id, { role: i === 1 ? "parent" : "student" }));
  const table = UserTable.from(users);
  const isParent = (u: User) => u.role === "parent";
  assertEquals(table.filter(isParent), users.filter(isParent));
  assertEquals(table.find(isParent), users.find(isParent));
  assertEquals(table.find((u) => u.role === "teacher"), undefined);
  assertEquals(table.some((u, i) => i === 2 && u.sourcedId === "u-2"), true);
  assertEquals(table.some((u) => u.role === "teacher"), false);
  assertEquals(table.map((u, i) => `${i}:${u.sourcedId}`), ["0:u-1", "1:par-1", "2:u-2"]);
});

Deno.test("a user given back is a copy: changing it or the pushed user changes nothing kept, and its lists are frozen", () => {
  const pushed = user("u-1", { agentSourcedIds: ["par-1"], extensions: { "metadata.a": "1" } });
  const table = UserTable.from([pushed]);
  pushed.orgSourcedIds.push("sch-9");
  pushed.roles[0].orgSourcedId = "sch-9";
  pushed.extensions!["metadata.a"] = "2";
  const got = table.at(0)!;
  assertEquals(got.orgSourcedIds, ["sch-1"]);
  assertEquals(got.roles[0].orgSourcedId, "sch-1");
  assertEquals(got.extensions, { "metadata.a": "1" });
  got.agentSourcedIds.push("par-2");
  got.email = "changed";
  got.extensions!["metadata.a"] = "3";
  assertEquals(table.at(0), user("u-1", { agentSourcedIds: ["par-1"], extensions: { "metadata.a": "1" } }));
  assert(Object.isFrozen(got.orgSourcedIds) && Object.isFrozen(got.roles) && Object.isFrozen(got.roles[0]));
  assertThrows(() => got.grades.push("06"), TypeError);
});

Deno.test("users with the same lists share one frozen copy of each: a reader's shared list by its identity, another by what it holds", () => {
  const shared = Object.freeze(["sch-1"]) as string[];
  const table = UserTable.from([
    user("u-1", { orgSourcedIds: shared }),
    user("u-2", { orgSourcedIds: shared }),
    user("u-3", { orgSourcedIds: ["sch-1"] }),
    user("u-4", { orgSourcedIds: ["sch-2"] }),
  ]);
  const orgs = [...table].map((u) => u.orgSourcedIds);
  assert(orgs[0] === shared && orgs[1] === shared && orgs[2] === shared, "one copy of sch-1");
  assertEquals(orgs[3], ["sch-2"]);
  // Roles, orgs and grades of all four: sch-1 and sch-2 as orgs, one roles list, one grades list.
  assertEquals(table.lists.length, 4);
});

Deno.test("fields read over an array of users answer as over a table of the same users", () => {
  const users = [
    user("u-1", { agentSourcedIds: ["par-1"] }),
    user("par-1", { role: "parent", enabledUser: false, agentSourcedIds: ["u-1"] }),
    user("t-1", { role: "teacher", extensions: { "metadata.a": "x" }, origin: undefined }),
  ];
  const [overArray, overTable] = [new UserFields(users), new UserFields(UserTable.from(users))];
  for (let i = 0; i < users.length; i++) {
    for (const f of ["sourcedId", "role", "active", "status", "orgs", "agents", "email", "user"] as const) {
      assertEquals(overTable[f](i), overArray[f](i), `${f} of row ${i}`);
    }
  }
});

Deno.test("the numbers of the users' ids, over a table or an array: one number an id, each row's sourcedId and agents in order", () => {
  fc.assert(
    fc.property(fc.array(arbitraryUser, { maxLength: 12 }), (users) => {
      for (const rows of [users, UserTable.from(users)]) {
        const numbered = UserIds.of(rows);
        const all = [...new Set(users.flatMap((u) => [u.sourcedId, ...u.agentSourcedIds]))];
        assertEquals(numbered.size, all.length);
        // One number an id, and the way back.
        assertEquals(new Set(all.map((id) => numbered.indexOf(id))).size, all.length);
        for (const id of all) assertEquals(numbered.at(numbered.indexOf(id)), id);
        assertEquals(numbered.indexOf("no-such-id"), -1);
        users.forEach((u, i) => {
          assertEquals(numbered.at(numbered.ofRow(i)), u.sourcedId);
          const agents: string[] = [];
          numbered.agentsOf(i, (n) => agents.push(numbered.at(n)));
          assertEquals(agents, u.agentSourcedIds);
        });
      }
    }),
    { numRuns: 500 },
  );
});

Deno.test("picked users are the rows picked, in the order picked, made only when asked for, and take no rows", () => {
  const users = UserTable.from(["u-1", "par-1", "u-2", "par-2"].map((id) => user(id, { email: `${id}@x.org` })));
  const picked = new PickedUsers(new UserFields(users), Int32Array.of(3, 1));
  assertEquals(picked.length, 2);
  assertEquals(picked.map((u) => u.sourcedId), ["par-2", "par-1"]);
  assertEquals([picked.sourcedId(0), picked.email(1)], ["par-2", "par-1@x.org"]);
  assertEquals(picked.at(1), users.at(1));
  assertThrows(() => picked.push(), TypeError);
});
