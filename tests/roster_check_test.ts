import { assert, assertEquals } from "./helpers/assert.ts";
import { join } from "node:path";
import { zipSync } from "fflate";
import { readOneRosterCsv } from "../lib/sources/oneroster-csv/read.ts";
import { checkRoster, rosterCheckStream } from "../lib/diagnostics/roster-check.ts";
import { CODES, compareFindings, type Finding, FINDINGS_LISTED } from "../lib/model/findings.ts";
import { detailsOf } from "../lib/model/details.ts";
import { runDiagnostics } from "../lib/diagnostics/run.ts";
import { generateDistrict } from "../lib/demo/generate.ts";
import { writeOneRosterCsv } from "../lib/sources/oneroster-csv/write.ts";
import { HEADERS, MINIMAL_11, withBundle, withTempDir } from "./helpers/bundle.ts";

const V12 = new URL("./fixtures/oneroster-1.2", import.meta.url).pathname;
/**
 * roster-check on a bundle, over the kept roster and again with enrollments checked as they are read (as the CLI
 * runs it): both must find the same. Every finding's details must fit its code's schema (details.ts).
 */
const check = async (dir: string) => {
  const findings = checkRoster(await readOneRosterCsv(dir, { tolerateMissing: true, asOf: "2026-11-26" }));
  for (const f of findings) detailsOf(f, f.code);
  const stream = rosterCheckStream();
  const streamed = await readOneRosterCsv(dir, {
    tolerateMissing: true,
    asOf: "2026-11-26",
    onEnrollments: stream.start,
  });
  assertEquals(streamed.enrollments, [], "streamed enrollments are not kept");
  const sorted = (fs: Finding[]) => [...fs].sort(compareFindings);
  assertEquals(sorted(stream.findings(streamed)), sorted(findings), "the same findings with enrollments streamed");
  return findings;
};
const keys = (fs: Finding[]) => fs.map((f) => `${f.code} ${JSON.stringify(f.entity)}`);
const u = (row: string) => `${HEADERS.users}\n${row}\n`;
const users = (...rows: string[]) => `${HEADERS.users}\n${rows.join("\n")}\n`;
const STUDENT = "stu-1,active,,true,sch-1,student,ana,,Ana,Ruiz,,1042,,,,,03,";
const TEACHER = "tch-1,active,,true,sch-1,teacher,li,,Li,Lee,,T1,li@example.org,,,,,";
const ORGS = `${HEADERS.orgs}\nsch-1,active,,Lincoln,school,1,\n`;
const ENROLL = (...rows: string[]) => `${HEADERS.enrollments}\n${rows.join("\n")}\n`;
const CLASS = (...rows: string[]) => `${HEADERS.classes}\n${rows.join("\n")}\n`;

Deno.test("a clean export trips no check: only the per-school counts", async () => {
  await withBundle({}, async (dir) => {
    const findings = await check(dir);
    assertEquals(keys(findings), ['volume.school_counts {"sourcedId":"sch-1"}']);
    assertEquals(findings[0].details, { name: "Lincoln", students: 1, teachers: 1, classes: 1, enrollments: 2 });
  });
});

Deno.test("a clean generated district's export has no errors and no warnings", async () => {
  await withTempDir(async (dir) => {
    await writeOneRosterCsv(dir, generateDistrict({ students: 400, seed: 2 }).roster, { bom: true, crlf: true });
    const findings = await check(dir);
    assertEquals(findings.filter((f) => f.severity !== "info").map((f) => f.message), []);
  });
});

const CASES: Array<[string, Record<string, string | null>, string, Record<string, string | number>]> = [
  ["no manifest", { "manifest.csv": null }, "manifest.missing", { file: "manifest.csv" }],
  ["an unknown version", { "manifest.csv": "propertyName,value\noneroster.version,2.0\n" }, "manifest.version", {
    file: "manifest.csv",
  }],
  [
    "a bad file mode",
    { "manifest.csv": "propertyName,value\noneroster.version,1.1\nfile.users,full\n" },
    "manifest.malformed",
    { file: "manifest.csv", line: 3 },
  ],
  [
    "a declared file missing",
    { "manifest.csv": MINIMAL_11["manifest.csv"] + "file.courses,bulk\n" },
    "manifest.file_missing",
    { file: "courses.csv" },
  ],
  ["a required file missing", { "classes.csv": null }, "manifest.file_missing", { file: "classes.csv" }],
  [
    "an absent file present",
    {
      "manifest.csv": MINIMAL_11["manifest.csv"] + "file.courses,absent\n",
      "courses.csv":
        "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes\n",
    },
    "manifest.file_not_absent",
    { file: "courses.csv" },
  ],
  ["an undeclared file", { "demographics.csv": "sourcedId,status\n" }, "manifest.file_undeclared", {
    file: "demographics.csv",
  }],
  [
    "a file name in another case",
    { "users.csv": null, "Users.csv": MINIMAL_11["users.csv"] },
    "manifest.file_name_case",
    { file: "Users.csv" },
  ],
  ["an empty file", { "classes.csv": "" }, "file.empty", { file: "classes.csv" }],
  [
    "a required column missing",
    { "users.csv": "sourcedId,status,givenName,familyName\nstu-1,active,Ana,Ruiz\n" },
    "header.required_missing",
    { file: "users.csv", column: "role" },
  ],
  [
    "columns out of order",
    {
      "orgs.csv":
        "sourcedId,name,status,dateLastModified,type,identifier,parentSourcedId\nsch-1,Lincoln,active,,school,1,\n",
    },
    "header.column_order",
    { file: "orgs.csv" },
  ],
  [
    "an unknown column",
    { "orgs.csv": `${HEADERS.orgs},principal\nsch-1,active,,Lincoln,school,1,,Ms X\n` },
    "header.unknown_column",
    { file: "orgs.csv", column: "principal" },
  ],
  [
    "a misspelt column",
    { "users.csv": u(STUDENT).replace("familyName", "familyNme") + TEACHER + "\n" },
    "header.misspelt_column",
    { file: "users.csv", column: "familyNme" },
  ],
  [
    "a column twice",
    { "orgs.csv": `${HEADERS.orgs},name\nsch-1,active,,Lincoln,school,1,,Other\n` },
    "header.duplicate_column",
    { file: "orgs.csv", column: "name" },
  ],
  ["a padded header", { "orgs.csv": ORGS.replace(",name,", ", name ,") }, "header.padded_name", {
    file: "orgs.csv",
    column: "name",
  }],
  [
    "an optional column missing",
    { "orgs.csv": "sourcedId,status,dateLastModified,name,type,parentSourcedId\nsch-1,active,,Lincoln,school,\n" },
    "header.optional_missing",
    { file: "orgs.csv", column: "identifier" },
  ],
  [
    "a misspelt role",
    { "users.csv": users(STUDENT, TEACHER, "stu-2,active,,true,sch-1,studnet,b,,B,C,,1043,,,,,03,") },
    "row.rejected",
    { file: "users.csv", line: 4 },
  ],
  [
    "a short row",
    { "users.csv": users(STUDENT, TEACHER, "stu-2,active,,true,sch-1,student,b,,B,C") },
    "row.field_count",
    { file: "users.csv", line: 4 },
  ],
  [
    "a duplicate id",
    {
      "classes.csv": CLASS(
        "cls-1,active,,Reading,03,,R3,scheduled,,sch-1,,,,",
        "cls-1,active,,Reading,03,,R3,scheduled,,sch-1,,,,",
      ),
    },
    "identity.duplicate_id",
    { file: "classes.csv", sourcedId: "cls-1" },
  ],
  [
    "an id used by two roles",
    { "users.csv": users(STUDENT, TEACHER, "stu-1,active,,true,sch-1,teacher,x,,X,Y,,,,,,,,") },
    "identity.id_across_roles",
    { sourcedId: "stu-1" },
  ],
  [
    "an unresolved user",
    {
      "enrollments.csv": ENROLL(
        "enr-2,active,,cls-1,sch-1,tch-1,teacher,true,,",
        "enr-9,active,,cls-1,sch-1,stu-9,student,false,,",
      ),
    },
    "reference.unresolved",
    { file: "enrollments.csv", sourcedId: "enr-9", column: "userSourcedId", target: "stu-9" },
  ],
  [
    "a school that is a district",
    {
      "orgs.csv": `${ORGS}dist-1,active,,District,district,D,\n`,
      "classes.csv": CLASS("cls-1,active,,Reading,03,,R3,scheduled,,dist-1,,,,"),
    },
    "reference.not_a_school",
    { file: "classes.csv", sourcedId: "cls-1", column: "schoolSourcedId", target: "dist-1" },
  ],
  [
    "an enrollment at another school than its class",
    {
      "orgs.csv": `${ORGS}sch-2,active,,Adams,school,2,\n`,
      "users.csv": users(
        'stu-1,active,,true,"sch-1,sch-2",student,ana,,Ana,Ruiz,,1042,,,,,03,',
        TEACHER,
        "stu-2,active,,true,sch-2,student,b,,B,C,,1043,,,,,03,",
      ),
      "enrollments.csv": ENROLL(
        "enr-1,active,,cls-1,sch-2,stu-1,student,false,,",
        "enr-2,active,,cls-1,sch-1,tch-1,teacher,true,,",
      ),
    },
    "reference.enrollment_school_mismatch",
    { sourcedId: "enr-1" },
  ],
  [
    "a teacher enrolled as a student",
    {
      "enrollments.csv": ENROLL(
        "enr-1,active,,cls-1,sch-1,stu-1,student,false,,",
        "enr-2,active,,cls-1,sch-1,tch-1,student,false,,",
      ),
    },
    "reference.enrollment_role_mismatch",
    { sourcedId: "enr-2" },
  ],
  [
    "an active enrollment of a tobedeleted user",
    { "users.csv": users("stu-1,tobedeleted,,true,sch-1,student,ana,,Ana,Ruiz,,1042,,,,,03,", TEACHER) },
    "reference.active_to_deleted",
    { file: "enrollments.csv", sourcedId: "enr-1", column: "userSourcedId", target: "stu-1" },
  ],
  [
    "orgs whose parents loop",
    {
      "orgs.csv": `${HEADERS.orgs}\nsch-1,active,,Lincoln,school,1,dist-1\ndist-1,active,,District,district,D,sch-1\n`,
    },
    "reference.org_cycle",
    { sourcedId: "sch-1" },
  ],
  [
    "a student in a class of another school",
    {
      "orgs.csv": `${ORGS}sch-2,active,,Adams,school,2,\n`,
      "users.csv": users("stu-1,active,,true,sch-2,student,ana,,Ana,Ruiz,,1042,,,,,03,", TEACHER),
    },
    "reference.student_not_at_class_school",
    { sourcedId: "enr-1" },
  ],
  [
    "an agent that is nobody",
    { "users.csv": users("stu-1,active,,true,sch-1,student,ana,,Ana,Ruiz,,1042,,,,par-9,03,", TEACHER) },
    "guardian.unresolved_agent",
    { sourcedId: "stu-1", agentSourcedId: "par-9" },
  ],
  [
    "a teacher as a student's agent",
    { "users.csv": users("stu-1,active,,true,sch-1,student,ana,,Ana,Ruiz,,1042,,,,tch-1,03,", TEACHER) },
    "guardian.not_guardian_student",
    { sourcedId: "stu-1", agentSourcedId: "tch-1" },
  ],
  [
    "seven guardians",
    {
      "users.csv": users(
        'stu-1,active,,true,sch-1,student,ana,,Ana,Ruiz,,1042,,,,"g1,g2,g3,g4,g5,g6,g7",03,',
        TEACHER,
        ...[1, 2, 3, 4, 5, 6, 7].map((i) => `g${i},active,,true,sch-1,relative,g${i},,G,${i},,,g${i}@example.org,,,,,`),
      ),
    },
    "guardian.too_many",
    { sourcedId: "stu-1" },
  ],
  [
    "a guardian with an invalid email",
    { "users.csv": users(STUDENT, TEACHER, "par-1,active,,true,sch-1,parent,p,,P,Q,,,rosa@@example.org,,,stu-1,,") },
    "email.invalid",
    { sourcedId: "par-1", email: "rosa@@example.org" },
  ],
  [
    "a guardian on a student's email",
    {
      "users.csv": users(
        "stu-1,active,,true,sch-1,student,ana,,Ana,Ruiz,,1042,ana@example.org,,,,03,",
        TEACHER,
        "par-1,active,,true,sch-1,parent,p,,P,Q,,,Ana@Example.org,,,stu-1,,",
      ),
    },
    "email.guardian_shares_person_email",
    { sourcedId: "par-1", email: "ana@example.org" },
  ],
  [
    "two guardians on one email",
    {
      "users.csv": users(
        STUDENT,
        TEACHER,
        "par-1,active,,true,sch-1,parent,p,,P,Q,,,home@example.org,,,stu-1,,",
        "par-2,active,,true,sch-1,parent,r,,R,Q,,,home@example.org,,,stu-1,,",
      ),
    },
    "email.shared_by_guardians",
    { email: "home@example.org" },
  ],
  ["a status in capitals", { "orgs.csv": `${HEADERS.orgs}\nsch-1,Active,,Lincoln,school,1,\n` }, "value.nonstandard", {
    file: "orgs.csv",
    column: "status",
    value: "Active",
  }],
  [
    "an unknown class type",
    { "classes.csv": CLASS("cls-1,active,,Reading,03,,R3,lab,,sch-1,,,,") },
    "value.invalid_enum",
    { file: "classes.csv", sourcedId: "cls-1", column: "classType" },
  ],
  [
    "a grade that is not CEDS",
    { "users.csv": users("stu-1,active,,true,sch-1,student,ana,,Ana,Ruiz,,1042,,,,,3rd,", TEACHER) },
    "value.grade_code",
    { file: "users.csv", value: "3rd" },
  ],
  [
    "a date that is not ISO",
    {
      "enrollments.csv": ENROLL(
        "enr-1,active,,cls-1,sch-1,stu-1,student,false,8/1/2026,",
        "enr-2,active,,cls-1,sch-1,tch-1,teacher,true,,",
      ),
    },
    "value.bad_date",
    { file: "enrollments.csv", column: "beginDate" },
  ],
  [
    "an enrollment ending before it begins",
    {
      "enrollments.csv": ENROLL(
        "enr-1,active,,cls-1,sch-1,stu-1,student,false,2027-01-01,2026-01-01",
        "enr-2,active,,cls-1,sch-1,tch-1,teacher,true,,",
      ),
    },
    "value.date_order",
    { file: "enrollments.csv", sourcedId: "enr-1" },
  ],
  [
    "a term outside its school year",
    {
      "manifest.csv": MINIMAL_11["manifest.csv"] + "file.courses,bulk\nfile.academicSessions,bulk\n",
      "courses.csv":
        "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes\ncrs-1,active,,sy-2027,Reading,R,03,sch-1,,\n",
      "academicSessions.csv":
        "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear\n" +
        "sy-2027,active,,2026-27,schoolYear,2026-08-01,2027-06-15,,2027\nt1,active,,Old,term,2025-08-01,2025-12-20,sy-2027,2027\n",
    },
    "value.term_outside_school_year",
    { sourcedId: "cls-1", termSourcedId: "t1" },
  ],
  [
    "a school without students",
    { "orgs.csv": `${ORGS}sch-2,active,,Adams,school,2,\n` },
    "volume.school_without_students",
    { sourcedId: "sch-2" },
  ],
  [
    "a class without a teacher",
    { "enrollments.csv": ENROLL("enr-1,active,,cls-1,sch-1,stu-1,student,false,,") },
    "volume.class_without_teacher",
    { sourcedId: "cls-1" },
  ],
];

/** What else each case trips, by design (a manifest without file lines leaves the files undeclared…); nothing more. */
const ALSO: Record<string, string[]> = {
  "an unknown version": Array(4).fill("manifest.file_undeclared"),
  "a bad file mode": Array(3).fill("manifest.file_undeclared"),
  "a school that is a district": [
    "reference.enrollment_school_mismatch",
    "reference.enrollment_school_mismatch",
    "reference.student_not_at_class_school",
  ],
  "a teacher enrolled as a student": ["volume.class_without_teacher"],
  "an active enrollment of a tobedeleted user": ["volume.school_without_students"],
  "a student in a class of another school": ["volume.school_without_students"],
};

for (const [name, files, code, entity] of CASES) {
  Deno.test(`roster-check: ${name} trips ${code}, and nothing it should not`, async () => {
    await withBundle(files, async (dir) => {
      const findings = await check(dir);
      assert(
        keys(findings).includes(`${code} ${JSON.stringify(entity)}`),
        `expected ${code} ${JSON.stringify(entity)}; got:\n${keys(findings).join("\n")}`,
      );
      const others = findings.filter((f) => f.code !== code && f.code !== "volume.school_counts").map((f) => f.code);
      assertEquals(others.sort(), ALSO[name] ?? [], `${name}: other findings`);
      assertEquals(findings.filter((f) => f.code === code).map((f) => f.entity), [entity], `${name}: ${code} once`);
    });
  });
}

Deno.test("roster-check: a 1.2 link carried by one side only trips guardian.one_sided_link (1.1 allows it)", async () => {
  await withTempDir(async (dir) => {
    for await (const f of Deno.readDir(V12)) await Deno.copyFile(join(V12, f.name), join(dir, f.name));
    const text = await Deno.readTextFile(join(dir, "users.csv"));
    await Deno.writeTextFile(
      join(dir, "users.csv"),
      text.replace(
        "stu-2,active,2026-08-01T00:00:00Z,true,ben,,Ben,Okafor,,1043,,,,par-1,",
        "stu-2,active,2026-08-01T00:00:00Z,true,ben,,Ben,Okafor,,1043,,,,,",
      ),
    );
    assert(
      keys(await check(dir)).includes(
        'guardian.one_sided_link {"guardianSourcedId":"par-1","studentSourcedId":"stu-2"}',
      ),
    );
  });
  await withBundle({
    "users.csv": users(
      "stu-1,active,,true,sch-1,student,ana,,Ana,Ruiz,,1042,,,,,03,",
      TEACHER,
      "par-1,active,,true,sch-1,parent,p,,P,Q,,,p@example.org,,,stu-1,,",
    ),
  }, async (dir) => {
    assert(!keys(await check(dir)).some((k) => k.startsWith("guardian.one_sided_link")));
  });
});

Deno.test("roster-check: a zip with its files in a folder trips manifest.not_at_root", async () => {
  await withTempDir(async (dir) => {
    const files: Record<string, Uint8Array> = {};
    for (const [name, text] of Object.entries(MINIMAL_11)) files[`export/${name}`] = new TextEncoder().encode(text);
    await Deno.writeFile(join(dir, "x.zip"), zipSync(files));
    assert(keys(await check(join(dir, "x.zip"))).includes('manifest.not_at_root {"file":"(bundle)"}'));
  });
});

Deno.test("every roster-check code has a test case above", () => {
  const tested = new Set([
    ...CASES.map((c) => c[2]),
    "guardian.one_sided_link",
    "manifest.not_at_root",
    "volume.school_counts",
  ]);
  const codes = Object.entries(CODES).filter(([, d]) => d.tool === "roster-check").map(([c]) => c);
  assertEquals(codes.filter((c) => !tested.has(c)), []);
});

Deno.test("docs/roster-check.md documents exactly the roster-check codes (deno task docs rewrites it)", async () => {
  const { renderRosterCheckDoc } = await import("../lib/diagnostics/roster-check-doc.ts");
  const doc = await Deno.readTextFile(new URL("../docs/roster-check.md", import.meta.url));
  assertEquals(doc, renderRosterCheckDoc());
});

Deno.test("roster-check: an empty required file is an error, so --fail-on error trips on it", async () => {
  await withBundle({ "users.csv": "" }, async (dir) => {
    const empty = (await check(dir)).filter((f) => f.code === "file.empty");
    assertEquals(empty.map((f) => [f.entity.file, f.severity]), [["users.csv", "error"]]);
  });
});

Deno.test("a run with 150,000 findings completes and lists the first 50,000 of the code, counting all and saying so", async () => {
  // Every user names a school the export does not have: one reference.unresolved each.
  const rows = Array.from({ length: 150_000 }, (_, i) => `stu-${i},active,,true,sch-gone,student,,,A,B,,,,,,,,`);
  await withBundle({ "users.csv": `${HEADERS.users}\n${rows.join("\n")}\n` }, async (dir) => {
    const roster = await readOneRosterCsv(dir, { tolerateMissing: true, asOf: "2026-11-26" });
    const report = runDiagnostics({ customer: "big", environment: "none", roster, tools: ["roster-check"] });
    const total = report.summary.byCode["reference.unresolved"];
    assert(total >= 150_000, `counted ${total}`);
    assertEquals(report.findings.filter((f) => f.code === "reference.unresolved").length, FINDINGS_LISTED.perCode);
    const capped = report.warnings.find((w) => w.code === "report.findings_capped")!;
    assertEquals(capped.details, { code: "reference.unresolved", total, listed: FINDINGS_LISTED.perCode });
    assert(
      capped.message.startsWith(`reference.unresolved: ${total.toLocaleString("en-US")} findings; the report lists`),
    );
  });
});

Deno.test("a long name or org list is clipped in each finding's message, never copied whole into every one", async () => {
  const name = "N".repeat(50_000);
  const orgs = ["sch-2", ...Array.from({ length: 500 }, (_, i) => `sch-x${i}`)].join(",");
  await withBundle({
    "orgs.csv": `${ORGS}sch-2,active,,Adams,school,2,\n`,
    "users.csv": `${HEADERS.users}\nstu-1,active,,true,"${orgs}",student,ana,,${name},Ruiz,,1042,,,,,03,\n${TEACHER}\n`,
  }, async (dir) => {
    const f = (await check(dir)).find((x) => x.code === "reference.student_not_at_class_school")!;
    assert(f, "the student is still reported");
    assert(f.message.length < 2_000, `message of ${f.message.length} characters`);
    assert(/N{200}… \(50005 characters\)/.test(f.message), f.message.slice(0, 300));
    assert(f.message.includes("… (481 more)"), f.message);
  });
});

Deno.test("a guardian listing itself as an agent is told so, not that agents link guardians and students", async () => {
  await withBundle({
    "users.csv": users("par-1,active,,true,sch-1,parent,p,,Pat,Lee,,,p@example.org,,,par-1,,", STUDENT, TEACHER),
  }, async (dir) => {
    const f = (await check(dir)).find((x) => x.code === "guardian.not_guardian_student")!;
    assertEquals(f.entity, { sourcedId: "par-1", agentSourcedId: "par-1" });
    assert(f.message.includes("par-1 (Pat Lee) lists itself as an agent"), f.message);
    assert(f.resolution.explanation.includes("own id"), f.resolution.explanation);
  });
});

Deno.test("roster-check with enrollments streamed: a refused enrollment's id is never called absent, a repeat names both roles", async () => {
  await withBundle({
    "enrollments.csv": ENROLL(
      "enr-1,active,,cls-1,sch-1,stu-1,student,false,,",
      "enr-2,active,,cls-1,sch-1,tch-1,teacher,true,,",
      // Refused (an unknown role); a later row names its id as a class and as a school.
      "enr-bad,active,,cls-1,sch-1,stu-1,pilot,false,,",
      "enr-3,active,,enr-bad,enr-bad,stu-1,student,false,,",
      "enr-1,active,,cls-1,sch-1,tch-1,teacher,false,,",
    ),
    // A user naming the refused enrollment's id as an org and as an agent: refused ids are never called absent.
    "users.csv": users(STUDENT, TEACHER, "stu-2,active,,true,enr-bad,student,bo,,Bo,Li,,1043,,,,enr-bad,03,"),
  }, async (dir) => {
    const stream = rosterCheckStream();
    const roster = await readOneRosterCsv(dir, { tolerateMissing: true, onEnrollments: stream.start });
    assertEquals(stream.streamed, 3);
    const findings = stream.findings(roster);
    assertEquals(
      findings.filter((f) => f.code === "reference.unresolved" || f.code === "guardian.unresolved_agent").map((f) =>
        f.entity
      ),
      [],
    );
    const repeat = findings.find((f) => f.code === "identity.id_across_roles")!;
    assert(repeat.message.includes("(as teacher; first as student)"), repeat.message);
    // And the kept roster agrees (check() compares the two).
    await check(dir);
  });
});

Deno.test("roster-check's checks run while enrollments.csv is still read leave out what its refused rows' ids excuse", async () => {
  await withBundle({
    // Refused (an unknown role): its id is named below as an org, an agent and a class's school.
    "enrollments.csv": ENROLL(
      "enr-1,active,,cls-1,sch-1,stu-1,student,false,,",
      "enr-bad,active,,cls-1,sch-1,stu-1,pilot,false,,",
    ),
    "users.csv": users(STUDENT, TEACHER, "stu-2,active,,true,enr-bad,student,bo,,Bo,Li,,1043,,,,enr-bad,03,"),
    "classes.csv": CLASS(
      "cls-1,active,,Reading,03,,R1,scheduled,,sch-1,,,",
      "cls-2,active,,Math,03,,M1,scheduled,,enr-bad,,,",
    ),
  }, async (dir) => {
    const whole = await readOneRosterCsv(dir, { tolerateMissing: true });
    const late = (r: { file: string }) => r.file === "enrollments.csv";
    assert(whole.rejected.some(late));
    // As a streamed read runs it: the parts that read no enrollment run once the worker has the bytes, before
    // enrollments.csv's refused rows are known; they come with the rest of the read.
    const roster = { ...whole, enrollments: [], rejected: whole.rejected.filter((r) => !late(r)) };
    const stream = rosterCheckStream();
    const take = stream.start(roster, Promise.resolve());
    await stream.early;
    for (const e of whole.enrollments) take(e);
    roster.rejected.push(...whole.rejected.filter(late));
    const findings = stream.findings(roster);
    const excused = findings.filter((f) => Object.values(f.entity).includes("enr-bad"));
    assertEquals(excused.map((f) => f.code), []);
    const sorted = (fs: Finding[]) => [...fs].sort(compareFindings);
    assertEquals(sorted(findings), sorted(checkRoster(whole)));
  });
});

Deno.test("roster-check's checks that read no enrollment have run once the worker has every byte, before the findings are asked", async () => {
  await withBundle({ "users.csv": users(STUDENT, TEACHER) }, async (dir) => {
    const roster = await readOneRosterCsv(dir, { tolerateMissing: true });
    const stream = rosterCheckStream();
    stream.start(roster, Promise.resolve());
    await stream.early;
    // A user added after they ran is not seen by them (only a test changes a roster after its read).
    roster.users = [...roster.users, { ...roster.users.at(0)!, sourcedId: "stu-9", orgSourcedIds: ["sch-gone"] }];
    const late = stream.findings(roster).filter((f) =>
      f.entity.sourcedId === "stu-9" && f.code === "reference.unresolved"
    );
    assertEquals(late, []);
  });
});

Deno.test("a roster-check check that fails while run ahead fails the findings with its own error", async () => {
  await withBundle({ "users.csv": users(STUDENT, TEACHER) }, async (dir) => {
    const roster = await readOneRosterCsv(dir, { tolerateMissing: true });
    // A roster no reader makes: a user without its list of agents.
    roster.users = [
      ...roster.users,
      { ...roster.users.at(0)!, sourcedId: "stu-9", agentSourcedIds: null as unknown as string[] },
    ];
    const whole = (() => {
      try {
        checkRoster(roster);
      } catch (e) {
        return (e as Error).message;
      }
    })();
    assert(whole, "checking the whole roster fails");
    const stream = rosterCheckStream();
    stream.start(roster, Promise.resolve());
    await stream.early;
    let streamed: string | undefined;
    try {
      stream.findings(roster);
    } catch (e) {
      streamed = (e as Error).message;
    }
    assertEquals(streamed, whole);
  });
});

Deno.test("enrollment checks given user numbers find what they find without, even when a number names another user", async () => {
  const { enrollmentChecks } = await import("../lib/diagnostics/roster-check-enrollments.ts");
  const { indexSource } = await import("../lib/diagnostics/indexes.ts");
  const { roster } = generateDistrict({ customerId: "numbers", students: 300, seed: 11 });
  // Dirt the checks report: a student enrolled as a teacher, a user gone tobedeleted, a user the export lacks.
  const rows = [...roster.enrollments].map((e, i) =>
    i % 50 === 0 ? { ...e, role: "teacher" as const } : i % 77 === 0 ? { ...e, userSourcedId: `ghost-${i % 3}` } : e
  );
  roster.users[5] = { ...roster.users[5], status: "tobedeleted" };
  // Three rows in a row that begin after they end, after rows whose dates pass: each is reported.
  for (const i of [100, 101, 102]) rows[i] = { ...rows[i], beginDate: "2027-06-01", endDate: "2026-08-01" };
  const numbering = new Map<string, number>();
  const consistent = rows.map((e) =>
    numbering.get(e.userSourcedId) ?? numbering.set(e.userSourcedId, numbering.size).size - 1
  );
  const run = (numberOf: (i: number) => number | undefined) => {
    const checks = enrollmentChecks(roster, indexSource(roster));
    rows.forEach((e, i) => checks.check(e, numberOf(i)));
    return JSON.stringify([checks.references(), checks.dates, [...checks.taught], [...checks.bySchool]]);
  };
  const without = run(() => undefined);
  assert(JSON.parse(without)[0].length > 10, "the dirt is found");
  assertEquals(
    JSON.parse(without)[1].map((f: Finding) => f.entity.sourcedId),
    [100, 101, 102].map((i) => rows[i].sourcedId),
  );
  assertEquals(run((i) => consistent[i]), without);
  // Numbers that name several users, or none in order: each row is still checked against its own user.
  assertEquals(run((i) => i % 7), without);
  assertEquals(run((i) => (i * 7919) % 1_000), without);
  assertEquals(run((i) => 10_000_000 + i), without);
});
