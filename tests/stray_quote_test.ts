import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { readOneRosterCsv, swallowedLines } from "../lib/sources/oneroster-csv/read.ts";
import { formatIssue } from "../lib/model/issues.ts";
import { HEADERS, withBundle } from "./helpers/bundle.ts";
import { findMissingData } from "../lib/diagnostics/missing-data.ts";
import { findStudentMismatches } from "../lib/diagnostics/student-mismatch.ts";
import { emptySnapshot } from "../lib/model/snapshot.ts";
import { link, platformParent, platformStudent } from "./helpers/literals.ts";

// Line 3 opens a quote in a name and never closes it on that line: it closes in line 5's list of agents.
const USERS = [
  HEADERS.users,
  "stu-1,active,,true,sch-1,student,ana,,Ana,Ruiz,,1001,,,,,03,",
  'stu-2,active,,true,sch-1,student,bo,,"Bo,Li,,1002,,,,,03,',
  "stu-3,active,,true,sch-1,student,cy,,Cy,Diaz,,1003,,,,,03,",
  'stu-4,active,,true,sch-1,student,di,,Di,Eng,,1004,,,,"par-1,par-2",03,',
  "stu-5,active,,true,sch-1,student,ed,,Ed,Fox,,1005,,,,,03,",
  "par-1,active,,true,sch-1,parent,p1,,Pa,Fox,,,p1@example.org,,,stu-3,,",
  "tch-1,active,,true,sch-1,teacher,li,,Li,Lee,,T1,li@example.org,,,,,",
].join("\r\n") + "\r\n";

Deno.test("a stray quote that swallows the rows after it refuses them by line and id, and none is called absent", async () => {
  await withBundle({ "users.csv": USERS }, async (dir) => {
    const roster = await readOneRosterCsv(dir);
    const issues = roster.issues.map(formatIssue).join("\n");
    assertMatch(issues, /users\.csv:3: a quote opened on line 3 runs on to line 5/);
    assertMatch(
      issues,
      /users\.csv:4: this row is inside a quote opened on an earlier line; row skipped \(2 rows, first at lines 4, 5\)/,
    );
    // Not read by position into one user with a name of several lines.
    assertEquals(roster.users.map((u) => u.sourcedId), ["stu-1", "stu-5", "par-1", "tch-1"]);
    assertEquals(roster.rejected.map((r) => [r.line, r.sourcedId]), [[3, "stu-2"], [4, "stu-3"], [5, "stu-4"]]);
    // Active in the platform, unread in the roster: never student.not_in_source.
    const platform = emptySnapshot();
    platform.students = ["stu-1", "stu-2", "stu-3", "stu-4", "stu-5"].map((id, i) => platformStudent(i + 1, id));
    const absent = findMissingData(roster, platform).filter((f) => f.code === "student.not_in_source");
    assertEquals(absent, []);
    // A parent linked to a student whose row could not be read is not told the link is unexpected.
    platform.parents = [platformParent(50, "par-1", "p1@example.org")];
    platform.parentStudents = [link(50, 3, "roster")];
    assertEquals(findStudentMismatches(roster, platform).filter((f) => f.code === "parent_link.mismatch"), []);
  });
});

Deno.test("the rows a record swallowed are found line by line, with their ids where the id column says; a value of several lines is no row", () => {
  assertEquals(swallowedLines(["a", "b"], 0, 2), undefined);
  assertEquals(swallowedLines(["stu-1", 'Ana,Ruiz\nstu-2,Bo,Li\r\n"stu-3",Cy,Do\rstu-4,Ed,Fa'], 0, 3), {
    breaks: 3,
    rows: [{ offset: 1, id: "stu-2" }, { offset: 2, id: "stu-3" }, { offset: 3, id: "stu-4" }],
  });
  assertEquals(swallowedLines(["x", "a\nactive,stu-9,z", "b\n"], 1, 3), {
    breaks: 2,
    rows: [{ offset: 1, id: "stu-9" }],
  });
  // An address of three lines in a row with a field too many: a lenient read by position, not a run-on.
  assertEquals(swallowedLines(["stu-1", "1 Main St\nApt 4\nSpringfield", "x", "y"], 0, 3), undefined);
  assert(swallowedLines(["x\ny,z,w"], undefined, 3)!.rows.length === 0);
});
