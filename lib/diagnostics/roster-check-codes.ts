/**
 * The codes of `roster-check`, the export validator (documented in
 * docs/roster-check.md). Public names: never rename one.
 */

const code = (
  severity: "error" | "warning" | "info",
  entityKeys: readonly string[],
  meaning: string,
  severities?: readonly ("error" | "warning" | "info")[],
) => ({ tool: "roster-check" as const, severity, entityKeys, meaning, ...(severities ? { severities } : {}) });

/** Every roster-check code with its severity, entity keys and meaning. */
export const ROSTER_CHECK_CODES = {
  "manifest.missing": code("error", ["file"], "the export has no manifest.csv at its root"),
  "manifest.version": code("warning", ["file"], "oneroster.version is missing, unknown or 1.0", ["warning", "info"]),
  "manifest.malformed": code(
    "warning",
    ["file", "line"],
    "a manifest row is not propertyName,value or has an unknown mode",
    [
      "warning",
      "error",
    ],
  ),
  "manifest.file_missing": code("error", ["file"], "a file declared bulk or delta (or required) is not in the export", [
    "error",
    "warning",
  ]),
  "manifest.file_not_absent": code("warning", ["file"], "a file declared absent is in the export"),
  "manifest.file_undeclared": code("warning", ["file"], "a file in the export is not declared in manifest.csv"),
  "manifest.file_name_case": code("warning", ["file"], "a file name differs from the spec's only in letter case"),
  "manifest.not_at_root": code("warning", ["file"], "the zip holds its files in a folder instead of at its root"),
  "file.empty": code("warning", ["file"], "a file has no header row (an error when the file is required)", [
    "warning",
    "error",
  ]),
  "header.required_missing": code("error", ["file", "column"], "a required column is missing; the file cannot be read"),
  "header.column_order": code("warning", ["file"], "the columns are not in the spec's order"),
  "header.unknown_column": code("info", ["file", "column"], "a column that is not OneRoster's, metadata.* or ext_*"),
  "header.misspelt_column": code("warning", ["file", "column"], "a column that looks like a misspelt OneRoster column"),
  "header.duplicate_column": code("warning", ["file", "column"], "a column appears twice"),
  "header.padded_name": code("warning", ["file", "column"], "a header name has surrounding spaces"),
  "header.optional_missing": code("info", ["file", "column"], "an optional spec column is not present"),
  "row.rejected": code(
    "error",
    ["file", "line"],
    "rows that cannot be read (bad id, role, status, boolean…); details count them",
  ),
  "row.field_count": code("warning", ["file", "line"], "rows whose field count differs from the header's"),
  "identity.duplicate_id": code("error", ["file", "sourcedId"], "a sourcedId appears more than once in a file"),
  "identity.id_across_roles": code("error", ["sourcedId"], "one sourcedId is used by users of different roles"),
  "reference.unresolved": code(
    "error",
    ["file", "sourcedId", "column", "target"],
    "a reference to an id that is not in the export",
  ),
  "reference.not_a_school": code(
    "error",
    ["file", "sourcedId", "column", "target"],
    "a school reference to an org that is not a school",
  ),
  "reference.enrollment_school_mismatch": code(
    "warning",
    ["sourcedId"],
    "an enrollment's school differs from its class's school",
  ),
  "reference.enrollment_role_mismatch": code(
    "error",
    ["sourcedId"],
    "an enrollment's role disagrees with its user's role",
  ),
  "reference.active_to_deleted": code(
    "error",
    ["file", "sourcedId", "column", "target"],
    "an active enrollment in a class, or of a user, that is tobedeleted",
  ),
  "reference.org_cycle": code("error", ["sourcedId"], "an org's parentSourcedId chain loops"),
  "reference.student_not_at_class_school": code(
    "warning",
    ["sourcedId"],
    "a student's enrollment in a class of a school not in the student's orgSourcedIds",
  ),
  "guardian.unresolved_agent": code(
    "error",
    ["sourcedId", "agentSourcedId"],
    "an agentSourcedIds entry that resolves to no user",
  ),
  "guardian.one_sided_link": code(
    "error",
    ["guardianSourcedId", "studentSourcedId"],
    "a guardian link carried by one side only (OneRoster 1.2 requires both)",
  ),
  "guardian.not_guardian_student": code(
    "error",
    ["sourcedId", "agentSourcedId"],
    "an agent link that is not guardian↔student (a teacher as a student's agent)",
  ),
  "guardian.too_many": code("warning", ["sourcedId"], "a student with more than 6 guardians"),
  "email.invalid": code(
    "warning",
    ["sourcedId", "email"],
    "an email that <input type=email> rejects (error for guardians)",
    [
      "warning",
      "error",
    ],
  ),
  "email.guardian_shares_person_email": code(
    "error",
    ["sourcedId", "email"],
    "a guardian's email equals a student's or a staff member's",
  ),
  "email.shared_by_guardians": code("warning", ["email"], "one email on two or more guardians"),
  "value.nonstandard": code("warning", ["file", "column", "value"], "a value read leniently (Student, inactive, yes…)"),
  "value.invalid_enum": code(
    "error",
    ["file", "sourcedId", "column"],
    "a value outside its enumeration (class type, session type)",
  ),
  "value.grade_code": code("warning", ["file", "value"], "a grade that is not a CEDS code"),
  "value.bad_date": code("warning", ["file", "column"], "dates that are not ISO 8601"),
  "value.date_order": code("error", ["file", "sourcedId"], "a begin or start date after its end date"),
  "value.term_outside_school_year": code(
    "warning",
    ["sourcedId", "termSourcedId"],
    "a class term outside its course's school year",
  ),
  "volume.school_without_students": code("warning", ["sourcedId"], "an active school with no active student"),
  "volume.class_without_teacher": code("warning", ["sourcedId"], "an active class with no active teacher enrollment"),
  "volume.school_counts": code("info", ["sourcedId"], "students, teachers, classes and enrollments of a school"),
} as const;
