import { assert, assertEquals, assertMatch, assertRejects } from "./helpers/assert.ts";
import { join } from "node:path";
import { Readable } from "node:stream";
import { zipSync } from "fflate";
import { readOneRosterCsv } from "../lib/sources/oneroster-csv/read.ts";
import { csvRecords } from "../lib/sources/oneroster-csv/records.ts";
import { SourceError } from "../lib/sources/errors.ts";
import { formatIssue } from "../lib/model/issues.ts";
import type { Roster } from "../lib/model/roster.ts";
import { HEADERS, withBundle, withTempDir } from "./helpers/bundle.ts";
import { findMissingData } from "../lib/diagnostics/missing-data.ts";
import { emptySnapshot } from "../lib/model/snapshot.ts";
import { platformStudent } from "./helpers/literals.ts";

const DIRTY = new URL("./fixtures/oneroster-1.1-dirty", import.meta.url).pathname;
const V12 = new URL("./fixtures/oneroster-1.2", import.meta.url).pathname;

const issueLines = (roster: Roster) => roster.issues.map(formatIssue);
const user = (roster: Roster, id: string) => roster.users.find((u) => u.sourcedId === id)!;

Deno.test("a dirty 1.1 export (BOM, CRLF, quoted commas, quotes, line breaks) reads into the model", async () => {
  const roster = await readOneRosterCsv(DIRTY);
  assertEquals(roster.source.version, "1.1");
  assertEquals(roster.source.systemName, "FixtureSIS");
  assertEquals(roster.orgs.map((o) => o.sourcedId), ["dist-1", "sch-1", "sch-2"]);
  assertEquals(roster.orgs[1].name, "Lincoln Elementary, North Campus");
  const ana = user(roster, "stu-1");
  assertEquals(ana.familyName, 'Ruiz, "Jr."');
  assertEquals(ana.status, "active", "an empty status in a bulk file means active");
  assertEquals(ana.enabledUser, true);
  assertEquals(ana.orgSourcedIds, ["sch-1", "sch-2"], "a space after the comma is tolerated");
  assertEquals(ana.agentSourcedIds, ["par-1", "par-2"]);
  assertEquals(ana.grades, ["3"]);
  assertEquals(ana.identifier, "1042");
  assertEquals(user(roster, "stu-2").givenName, "Zoë");
  assertEquals(user(roster, "stu-2").familyName, "Nguyễn");
  assertEquals(user(roster, "tch-1").familyName, "Lee\r\nSmith");
  assertEquals(user(roster, "par-2").enabledUser, true, "an empty enabledUser means true");
  assertEquals(user(roster, "par-1").email, "ROSA@Example.org ", "emails are kept as written; comparisons normalise");
  assertEquals(roster.classes[0].title, "Reading, Grade 3");
  assertEquals(roster.classes[0].termSourcedIds, ["term-1", "term-2"]);
  assertEquals(Array.from(roster.enrollments, (e) => [e.sourcedId, e.status, e.primary]), [
    ["enr-1", "active", false],
    ["enr-2", "active", true],
    ["enr-3", "tobedeleted", undefined],
  ]);
  assertEquals(roster.fileModes, {
    orgs: "bulk",
    users: "bulk",
    classes: "bulk",
    enrollments: "bulk",
    courses: "absent",
    academicSessions: "absent",
  });
});

Deno.test("extension columns metadata.* and ext_* are kept on the record", async () => {
  const roster = await readOneRosterCsv(DIRTY);
  assertEquals(user(roster, "stu-1").extensions, { "metadata.district.homeLanguage": "es", ext_lunch: "free" });
  assertEquals(user(roster, "stu-3").extensions, undefined);
});

Deno.test("real exporters' variants are read as meant, each with a warning", async () => {
  const roster = await readOneRosterCsv(DIRTY);
  const issues = issueLines(roster);
  assertEquals(user(roster, "stu-2").role, "student");
  assert(
    issues.some((i) => i.startsWith('users.csv:3: column "role" has "Student"; read as student')),
    issues.join("\n"),
  );
  assertEquals(user(roster, "stu-3").status, "tobedeleted");
  assertEquals(user(roster, "stu-3").enabledUser, false);
  assert(issues.some((i) => i.startsWith('users.csv:4: column "status" has "inactive"; read as tobedeleted')));
  assertEquals(roster.orgs[2].type, "school");
  assertEquals(roster.orgs[2].status, "active");
  assertEquals(roster.classes[0].classType, "scheduled");
  assertEquals(
    user(roster, "stu-1").middleName,
    "María",
    "a misspelt optional column is read as the column it resembles",
  );
  assert(issues.some((i) => i.includes('column "midleName" is not a OneRoster column; read as "middleName"')));
});

Deno.test("a misspelt role rejects the row, naming file, line, value and the expected values", async () => {
  const roster = await readOneRosterCsv(DIRTY);
  const bad = roster.issues.find((i) => i.kind === "bad_row")!;
  assertEquals(
    formatIssue(bad),
    'users.csv:9: column "role" has "studnet"; expected one of administrator, aide, guardian, parent, proctor, relative, student, teacher; row skipped',
  );
  assertEquals(roster.rejected, [{ file: "users.csv", line: 9, sourcedId: "bad-1" }]);
  assert(!roster.users.some((u) => u.sourcedId === "bad-1"));
});

Deno.test("a record spanning lines is placed at its first line, and later records stay right", async () => {
  const roster = await readOneRosterCsv(DIRTY);
  assertEquals(user(roster, "tch-1").origin, { file: "users.csv", line: 5 });
  assertEquals(user(roster, "par-1").origin, { file: "users.csv", line: 7 });
  const lf = Readable.from([new TextEncoder().encode('a,b\n1,"x\ny\nz"\n2,w\n\n3,v\n')]);
  const lines: number[] = [];
  for await (const r of csvRecords("t.csv", lf)) lines.push(r.line);
  assertEquals(lines, [1, 2, 5, 7]);
});

Deno.test("a 1.2 export reads roles from roles.csv into the same model", async () => {
  const roster = await readOneRosterCsv(V12, { asOf: "2026-11-26" });
  assertEquals(roster.source.version, "1.2");
  assertEquals(user(roster, "stu-1").role, "student");
  assertEquals(user(roster, "stu-1").orgSourcedIds, ["sch-1"]);
  assertEquals(user(roster, "stu-2").orgSourcedIds, ["sch-2", "sch-1"], "a student at two schools has both");
  assertEquals(user(roster, "par-1").role, "guardian");
  assertEquals(user(roster, "par-1").agentSourcedIds, ["stu-1", "stu-2"]);
  assertEquals(user(roster, "adm-1").role, "districtAdministrator");
  assertEquals(
    user(roster, "tch-1").roles.map((r) => r.role),
    ["teacher"],
    "a role whose endDate has passed is dropped",
  );
  assertEquals(roster.issues.filter((i) => i.severity === "error"), []);
});

Deno.test("a 1.2 user without a role in roles.csv is rejected with a clear reason", async () => {
  await withTempDir(async (dir) => {
    for await (const f of Deno.readDir(V12)) await Deno.copyFile(join(V12, f.name), join(dir, f.name));
    const roles = await Deno.readTextFile(join(dir, "roles.csv"));
    await Deno.writeTextFile(
      join(dir, "roles.csv"),
      roles.split("\n").filter((l) => !l.includes(",adm-1,")).join("\n"),
    );
    const roster = await readOneRosterCsv(dir);
    assertMatch(issueLines(roster).join("\n"), /users\.csv:6: user "adm-1" has no current role in roles\.csv/);
  });
});

Deno.test("a 1.2 user marked tobedeleted with tobedeleted roles is read as absent, not rejected, like its 1.1 twin", async () => {
  await withTempDir(async (dir) => {
    for await (const f of Deno.readDir(V12)) await Deno.copyFile(join(V12, f.name), join(dir, f.name));
    const rewrite = async (file: string, id: string) => {
      const text = await Deno.readTextFile(join(dir, file));
      await Deno.writeTextFile(
        join(dir, file),
        text.split("\n").map((l) =>
          l.includes(`,${id},`) || l.startsWith(`${id},`) ? l.replace(",active,", ",tobedeleted,") : l
        )
          .join("\n"),
      );
    };
    await rewrite("users.csv", "stu-1");
    await rewrite("roles.csv", "stu-1");
    // A second deleted user with no roles.csv row at all: left out, never counted unreadable.
    const users = await Deno.readTextFile(join(dir, "users.csv"));
    await Deno.writeTextFile(
      join(dir, "users.csv"),
      users.trimEnd() + "\nstu-9,tobedeleted,2026-08-01T00:00:00Z,true,gone,,Gone,Away,,1999,,,,,03,,,,,,,sch-1,\n",
    );
    const roster = await readOneRosterCsv(dir, { asOf: "2026-11-26" });
    assertEquals(user(roster, "stu-1").status, "tobedeleted");
    assertEquals(user(roster, "stu-1").role, "student");
    assertEquals(roster.rejected.map((r) => r.sourcedId), []);
    assertEquals(roster.users.some((u) => u.sourcedId === "stu-9"), false);
    assertEquals(issueLines(roster).filter((l) => /no current role/.test(l)), []);
    const platform = emptySnapshot();
    platform.students.push(platformStudent(7, "stu-1"), platformStudent(9, "stu-9"));
    const gone = findMissingData(roster, platform).filter((f) => f.code === "student.not_in_source");
    assertEquals(gone.map((f) => f.entity.sourcedId).sort(), ["stu-1", "stu-9"]);
  });
});

Deno.test("a zip reads exactly like its directory", async () => {
  const fromDir = await readOneRosterCsv(DIRTY);
  await withTempDir(async (dir) => {
    const files: Record<string, Uint8Array> = {};
    for await (const f of Deno.readDir(DIRTY)) files[f.name] = await Deno.readFile(join(DIRTY, f.name));
    const zip = join(dir, "export.zip");
    await Deno.writeFile(zip, zipSync(files));
    const fromZip = await readOneRosterCsv(zip);
    assertEquals(fromZip.users, fromDir.users);
    assertEquals(fromZip.enrollments, fromDir.enrollments);
    assertEquals(fromZip.issues, fromDir.issues);
  });
});

Deno.test("a zip whose files sit in a folder is read from the folder, with a warning", async () => {
  await withTempDir(async (dir) => {
    const files: Record<string, Uint8Array> = {};
    for await (const f of Deno.readDir(DIRTY)) {
      files[`export-2026/${f.name}`] = await Deno.readFile(join(DIRTY, f.name));
    }
    const zip = join(dir, "nested.zip");
    await Deno.writeFile(zip, zipSync(files));
    const roster = await readOneRosterCsv(zip);
    assertEquals(roster.users.length, 6);
    assertMatch(issueLines(roster).join("\n"), /files sit in the folder "export-2026\/"/);
  });
});

Deno.test("a missing required column is one clear error naming the file and column", async () => {
  await withBundle({ "users.csv": "sourcedId,status,givenName,familyName\nstu-1,active,Ana,Ruiz\n" }, async (dir) => {
    const err = await assertRejects(() => readOneRosterCsv(dir), SourceError);
    assertMatch(err.message, /^users\.csv:1: required column "role" missing/);
  });
});

Deno.test("a missing required file is one clear error; a file declared absent is not required", async () => {
  await withBundle({ "enrollments.csv": null }, async (dir) => {
    const err = await assertRejects(() => readOneRosterCsv(dir), SourceError);
    assertMatch(err.message, /enrollments\.csv is missing but manifest\.csv declares it bulk/);
  });
  await withBundle({
    "enrollments.csv": null,
    "manifest.csv": "propertyName,value\noneroster.version,1.1\nfile.enrollments,absent\n",
  }, async (dir) => {
    const roster = await readOneRosterCsv(dir);
    assertEquals(roster.fileModes.enrollments, "absent");
    assertEquals(roster.enrollments, []);
  });
});

Deno.test("a delta manifest marks its files delta", async () => {
  await withBundle({ "manifest.csv": "propertyName,value\noneroster.version,1.1\nfile.users,delta\n" }, async (dir) => {
    const roster = await readOneRosterCsv(dir);
    assertEquals(roster.fileModes.users, "delta");
    assertEquals(roster.fileModes.orgs, "bulk");
  });
});

Deno.test("without a manifest the version is inferred and the gap is warned about", async () => {
  await withBundle({ "manifest.csv": null }, async (dir) => {
    const roster = await readOneRosterCsv(dir);
    assertEquals(roster.source.version, "1.1");
    assertMatch(issueLines(roster).join("\n"), /manifest\.csv is missing/);
  });
});

Deno.test("an unclosed quote is reported with the file and the line it opens on, in a CRLF file as in an LF one", async () => {
  // The quote opens on line 3 of a file of 12 lines; csv-parse named its end, counting each CRLF after it twice.
  const rows = ["sch-1,active,,Lincoln,school,1,", 'sch-2,active,,"Adams,school,2,'];
  for (let i = 3; i <= 11; i++) rows.push(`sch-${i},active,,School ${i},school,${i},`);
  for (const eol of ["\r\n", "\n"]) {
    await withBundle({ "orgs.csv": [HEADERS.orgs, ...rows].join(eol) + eol }, async (dir) => {
      const err = await assertRejects(() => readOneRosterCsv(dir), SourceError);
      assertMatch(err.message, /^orgs\.csv:3: a quote opened in the row that starts on line 3 is never closed/);
    });
  }
});

Deno.test("bad rows are counted and named, duplicates keep the first row, short rows are read by position", async () => {
  const header =
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n";
  await withBundle({
    "users.csv": header +
      "stu-1,active,,true,sch-1,student,ana,,Ana,Ruiz,,1042,,,,,03,\n" +
      "stu-1,active,,true,sch-1,student,dup,,Dup,Licate,,1042,,,,,03,\n" +
      "stu-2,active,,maybe,sch-1,student,ben,,Ben,Okafor,,1043,,,,,03,\n" +
      "stu-3,active,,true,sch-1,student,cy,,Cy,Short\n" +
      ",active,,true,sch-1,student,nobody,,No,Body,,,,,,,,\n",
  }, async (dir) => {
    const roster = await readOneRosterCsv(dir);
    const issues = issueLines(roster);
    assertEquals(roster.users.map((u) => [u.sourcedId, u.givenName]), [["stu-1", "Ana"], ["stu-3", "Cy"]]);
    assert(
      issues.some((i) => i.startsWith('users.csv:3: sourcedId "stu-1" appears again; the first row is kept')),
      issues.join("\n"),
    );
    assert(
      issues.includes('users.csv:4: column "enabledUser" has "maybe"; expected true or false; row skipped'),
      issues.join("\n"),
    );
    assert(
      issues.includes('users.csv:6: column "sourcedId" has ""; expected a non-empty id; row skipped'),
      issues.join("\n"),
    );
    assert(issues.some((i) => i.startsWith("users.csv:5: row has 10 fields, the header has 18")));
    assertEquals(roster.rejected.map((r) => r.sourcedId), ["stu-2"]);
  });
});

Deno.test("an export path that does not exist says so", async () => {
  const err = await assertRejects(() => readOneRosterCsv("/nonexistent/export.zip"), SourceError);
  assertMatch(err.message, /no such file or directory/);
});

Deno.test("users whose role and school cells differ are never given each other's shared role assignments", async () => {
  // Cells that would spell one key if role and orgs were joined with a NUL.
  const users =
    `${HEADERS.users}\nu-1,active,,true,b\u0000c,ext:a,,,A,A,,,,,,,,\nu-2,active,,true,c,ext:a\u0000b,,,B,B,,,,,,,,\n`;
  await withBundle({ "users.csv": users }, async (dir) => {
    const roster = await readOneRosterCsv(dir);
    const byId = new Map(roster.users.map((u) => [u.sourcedId, u]));
    assertEquals(byId.get("u-1")!.roles.map((r) => [r.role, r.orgSourcedId]), [["ext:a", "b\u0000c"]]);
    assertEquals(byId.get("u-2")!.roles.map((r) => [r.role, r.orgSourcedId]), [["ext:a\u0000b", "c"]]);
  });
});

Deno.test("a 1.1 user whose orgs cell repeats a school gets one role assignment per distinct school", async () => {
  const orgs = Array.from({ length: 1_000 }, () => "sch-1").join(",") + ",sch-2";
  await withBundle(
    { "users.csv": `${HEADERS.users}\nstu-1,active,,true,"${orgs}",student,,,A,B,,,,,,,,\n` },
    async (dir) => {
      const [user] = (await readOneRosterCsv(dir)).users;
      assertEquals(user.orgSourcedIds.length, 1_001, "the cell is kept as written");
      assertEquals(user.roles.map((r) => [r.orgSourcedId, r.roleType]), [["sch-1", "primary"], ["sch-2", "secondary"]]);
    },
  );
});

Deno.test("a 1.2 user with thousands of roles whose row repeats is read once, with every role, and each repeat is a duplicate", async () => {
  await withTempDir(async (dir) => {
    for await (const f of Deno.readDir(V12)) await Deno.copyFile(join(V12, f.name), join(dir, f.name));
    const users = await Deno.readTextFile(join(dir, "users.csv"));
    const [header] = users.split("\n");
    const row = "tch-many,active,,true,many,,Many,Roles,,,,,,,,,,,,,,sch-1,";
    await Deno.writeTextFile(join(dir, "users.csv"), `${users.trimEnd()}\n${Array(2_000).fill(row).join("\n")}\n`);
    const roles = Array.from(
      { length: 2_000 },
      (_, i) => `rm-${i},active,,tch-many,${i === 0 ? "primary" : "secondary"},teacher,,,sch-1,`,
    );
    await Deno.writeTextFile(
      join(dir, "roles.csv"),
      `${(await Deno.readTextFile(join(dir, "roles.csv"))).trimEnd()}\n${roles.join("\n")}\n`,
    );
    assert(header.startsWith("sourcedId,"));
    const roster = await readOneRosterCsv(dir, { asOf: "2026-11-26" });
    const many = roster.users.filter((u) => u.sourcedId === "tch-many");
    assertEquals(many.length, 1);
    assertEquals(many[0].role, "teacher");
    assertEquals(many[0].roles.length, 2_000);
    assertEquals(many[0].orgSourcedIds, ["sch-1"]);
    const dup = roster.issues.find((i) => i.kind === "duplicate_id" && i.data?.sourcedId === "tch-many")!;
    assertEquals(dup.count, 1_999);
  });
});

Deno.test("a date that is not one warns on every row it is on, between rows whose dates pass", async () => {
  const rows = [
    "enr-1,active,,cls-1,sch-1,stu-1,student,,2026-08-01,2027-06-15",
    "enr-2,active,,cls-1,sch-1,stu-1,student,,2026-13-45,2027-06-15",
    "enr-3,active,,cls-1,sch-1,stu-1,student,,2026-13-45,2027-06-15",
    "enr-4,active,,cls-1,sch-1,stu-1,student,,2026-08-01,2027-06-15",
    "enr-5,active,2026-01-01,cls-1,sch-1,stu-1,student,,2026-13-45,2027-06-15",
  ];
  await withBundle({ "enrollments.csv": [HEADERS.enrollments, ...rows].join("\n") + "\n" }, async (dir) => {
    const roster = await readOneRosterCsv(dir);
    const dates = roster.issues.filter((i) => i.kind === "bad_date");
    assertEquals(dates.map((i) => [i.message, i.count, i.lines]), [
      ['column "beginDate" is not an ISO 8601 date (YYYY-MM-DD)', 3, [3, 4, 6]],
      ['column "dateLastModified" is not an ISO 8601 datetime', 1, [6]],
    ]);
  });
});
