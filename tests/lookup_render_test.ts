import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { matchesNobody, renderLookup, renderLookupMarkdown } from "../lib/report/lookup.ts";
import type { LookupResult } from "../lib/app/lookup.ts";
import { emptyRoster } from "../lib/model/roster.ts";
import { emptySnapshot } from "../lib/model/snapshot.ts";
import { link, platformParent, platformStudent, sourceUser } from "./helpers/literals.ts";

function parentLookup(): LookupResult {
  const platform = emptySnapshot();
  platform.parents.push(platformParent(31, "par-1", "rosa@example.org"));
  platform.students.push(
    platformStudent(11, "stu-1", { firstName: "Ana" }),
    platformStudent(12, "stu-2", { firstName: "Ben" }),
    platformStudent(13, "stu-3", { firstName: "Cy", deletedAt: "2026-10-01" }),
  );
  platform.parentStudents.push(
    link(31, 11),
    link(31, 12, "roster", { deletedAt: "2026-11-02" }),
    link(31, 13),
  );
  return {
    query: { kind: "parent", key: "Rosa@Example.org" },
    customer: "demo-isd",
    environment: "embedded",
    roster: { ...emptyRoster(), users: [sourceUser("par-1", "parent", { email: "rosa@example.org" })] },
    platform,
    people: ["par-1"],
    concern: [31],
    findings: [],
    timings: { sourceMs: 10, platformMs: 10 },
  };
}

Deno.test("a parent's deleted link, or a link to a deleted student, is never shown as one she sees", () => {
  const text = renderLookup(parentLookup());
  assertMatch(text, /\n {4}sees student 11 Ana /);
  assertMatch(text, /\n {4}does not see student 12 Ben .*roster link, DELETED 2026-11-02/);
  assertMatch(text, /\n {4}does not see student 13 Cy .*student DELETED 2026-10-01/);
  assertEquals(text.match(/\n {4}sees /g)?.length, 1);
});

Deno.test("a lookup that matches nobody on either side says so, instead of saying both sides agree", () => {
  const found = parentLookup();
  assertEquals(matchesNobody(found), false);
  const nobody: LookupResult = {
    ...found,
    query: { kind: "parent", key: "nobody@example.org" },
    roster: emptyRoster(),
    platform: emptySnapshot(),
    people: [],
  };
  assertEquals(matchesNobody(nobody), true);
  assertMatch(renderLookup(nobody), /none: nobody matches parent "nobody@example\.org" in the roster or the platform/);
  assertEquals(/agree about them/.test(renderLookup(nobody)), false);
  const student: LookupResult = { ...nobody, query: { kind: "student", key: "zzz" } };
  assertEquals(matchesNobody(student), true);
  assertEquals(matchesNobody({ ...student, people: ["stu-1"] }), false);
});

Deno.test("the Markdown lookup keeps the sections as headings and escapes every value", () => {
  const r = parentLookup();
  r.platform.students.at(0)!.firstName = "<img src=x onerror=alert(1)>[x](http://evil)";
  const md = renderLookupMarkdown(r);
  assertMatch(md, /^# Lookup parent "Rosa@Example\.org" in demo-isd/);
  assertMatch(md, /\n## ROSTER /);
  assertMatch(md, /\n## PLATFORM\n/);
  assert(md.includes("&lt;img src=x onerror=alert\\(1\\)&gt;\\[x\\]\\(http://evil\\)"), md);
  assertEquals(/<img/.test(md), false);
});
