/**
 * docs/findings.md: the finding codes of the four diagnostics, their
 * severities, entity keys and meanings, the matching rules and the cascades,
 * generated from the code table so that a clone of the project carries the
 * contract (a test keeps the file equal to this rendering).
 */
import { CODES, type FindingCode } from "../model/findings.ts";
import { describeDetails } from "../model/details.ts";

/** Report-level notices: they lead a report, are not findings and have no entity. */
const NOTICES: ReadonlyArray<[code: string, meaning: string]> = [
  [
    "source.looks_incomplete",
    "the export lacks more than half of what the platform holds (overall or for one campus): a truncated export reads as mass withdrawals",
  ],
  [
    "source.delta_export",
    "a file is a delta export: it cannot show what is gone, so none of its records is called not_in_source",
  ],
  ["source.file_absent", "a file is absent from the export: nothing is reported as missing from it or absent from it"],
  ["source.rejected_rows", "rows the reader could not read; the ids they carry are never reported as absent"],
  [
    "platform.empty_district",
    "the platform holds no active campus, student, teacher or class for the district: every roster record is missing for that one reason",
  ],
  [
    "report.findings_capped",
    "a code has more findings than a report lists (50,000 of one code, 200,000 in all): the report lists the first in report order and the summary counts all (`details.code`, `total`, `listed`)",
  ],
];

/**
 * Renders docs/findings.md from {@link CODES} (roster-check codes have their own page).
 *
 * @example
 * await Deno.writeTextFile("docs/findings.md", renderFindingsDoc());
 */
export function renderFindingsDoc(): string {
  const rows = Object.entries(CODES).filter(([, d]) => d.tool !== "roster-check").map(([code, d]) => {
    const severities = (d as { severities?: readonly string[] }).severities;
    return `| ${d.tool} | \`${code}\` | ${severities ? severities.join(" / ") : d.severity} | ${
      d.entityKeys.join(", ")
    } | ${d.meaning} |`;
  });
  const details = Object.keys(CODES).filter((code) => CODES[code as FindingCode].tool !== "roster-check").map((code) =>
    `| \`${code}\` | ${describeDetails(code as FindingCode)} |`
  );
  const notices = NOTICES.map(([code, meaning]) => `| \`${code}\` | ${meaning} |`);
  return `# Findings: what the diagnostic tools report

Every diagnostic compares one customer's **source roster** (OneRoster CSV, OneRoster REST, ClassLink, or a mapped
custom CSV) with the **platform** database and reports _findings_. A finding code is a stable public name: support
staff search tickets for it, scripts filter on it, and it never changes meaning once released.

This file is generated from \`lib/model/findings.ts\` by \`deno task docs\`; a test keeps them equal. The export
validator's own codes are in [roster-check.md](roster-check.md).

## Matching rules (source ↔ platform)

- Campus: OneRoster org of type \`school\`, \`sourcedId\` = \`campuses.source_id\`.
- Student / teacher: OneRoster user with role \`student\` / \`teacher\`, \`sourcedId\` = \`students.source_id\` /
  \`teachers.source_id\`, in the customer's district.
- Guardian: OneRoster user with role \`parent\`, \`guardian\` or \`relative\`. It maps to the platform parent whose
  \`source_id\` equals its \`sourcedId\`; failing that, to the active parent with the same normalized email (trimmed,
  lower-cased).
- Guardian ↔ student relation: \`agentSourcedIds\` on either side (a student lists its guardians, a guardian lists its
  students); the union of both directions counts.
- Class: \`classes.csv\` \`sourcedId\` = \`classes.source_id\`.
- Enrollment: (class \`sourcedId\`, user \`sourcedId\`, role student|teacher).
- Source record active: \`status\` is \`active\` (OneRoster 1.1 may leave status empty in bulk files: empty means
  active) and, for users, \`enabledUser\` is not \`false\`. \`tobedeleted\` counts as absent, whatever the user's roles
  say (a 1.2 user marked \`tobedeleted\` is never rejected for lacking a current role). Platform record active:
  \`deleted_at\` is null.
- Names are compared after trimming; grades after normalising \`9\` and \`09\` alike.
- Emails are compared trimmed and lower-cased. A valid address is one that the WHATWG HTML rule for
  \`<input type=email>\` accepts.
- Only a bulk file can show that a record is gone: no \`not_in_source\` finding comes from a delta or absent file,
  and no record whose row could not be read is called absent.

## Codes

| tool | code | severity | entity keys | meaning |
|---|---|---|---|---|
${rows.join("\n")}

\`entity\` holds exactly the keys named in the table, so two runs can be compared finding by finding (a finding's
stable key is its code and entity). Findings are sorted by tool, code, entity.

## Details by code

\`details\` holds exactly these keys (\`?\`: only when it applies; \`[…]\`: a list), checked against one schema per
code in \`lib/model/details.ts\`:

| code | details |
|---|---|
${details.join("\n")}

## Cascades: one root cause, several findings

Where one root cause implies others, each is reported and the implied one names its cause in
\`details.causedBy\` (\`{code, entity}\`); reports rank root causes by how many findings they explain.

- A school with no campus (\`campus.missing_in_platform\`) → its missing students, teachers (by primary school) and
  classes.
- A class missing in the platform → each of its enrollments \`enrollment.missing_in_platform\`; a student or teacher
  missing → theirs. A class or person absent from the source → their platform enrollments \`enrollment.not_in_source\`.
- \`transfer.campus_not_updated\` → the student's \`transfer.stale_enrollments\`.
- \`parent_link.mismatch\`:
  - a source student of the guardian who is absent from the platform is listed in \`details.missing\` (no
    platformId), \`causedBy\` \`student.missing_in_platform\`;
  - a missing child whose stale record the parent is linked to instead: \`causedBy\`
    \`transfer.parent_link_on_stale_record\`;
  - a student's \`agentSourcedIds\` naming a guardian whose own record is absent still relates them (the union of
    both directions); that guardian maps by \`sourcedId\` only;
  - a platform parent whose guardian is absent from the source altogether but who keeps \`roster\` links: those
    students are \`details.unexpected\`, \`causedBy\` \`parent.not_in_source\`, severity error (that parent still sees
    a child the district no longer links them to).
- Links made by \`invite\` or \`support\` are listed (\`details.otherLinks\`), never called unexpected.

## The report (JSON)

\`\`\`json
{
  "customer": "demo-isd",
  "environment": "embedded",
  "generatedAt": "2026-11-24T12:00:00Z",
  "source": { "kind": "oneroster-csv", "version": "1.1" },
  "tools": ["missing-data", "student-mismatch", "parent-email", "campus-transfer"],
  "summary": { "error": 12, "warning": 3, "info": 0, "byCode": { "student.missing_in_platform": 4 } },
  "warnings": [],
  "findings": [
    {
      "tool": "missing-data",
      "code": "student.missing_in_platform",
      "severity": "error",
      "entity": { "sourcedId": "stu-1042" },
      "message": "Student Ana Ruiz (stu-1042, Grade 03, Lincoln Elementary) is in the roster but not in the platform",
      "details": {},
      "resolution": { "action": "resync", "explanation": "..." }
    }
  ]
}
\`\`\`

## Run warnings that lead a report (\`warnings\`)

| code | meaning |
|---|---|
${notices.join("\n")}

Codes may be added, never renamed or given another meaning.
`;
}
