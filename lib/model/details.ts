/**
 * The `details` of each finding code, as zod schemas: what a finding of that
 * code carries besides its entity, the shape the JSON report promises for it,
 * and the type its builder must give (see `finding()` in findings.ts). The
 * fix script, the lookup and the pages read details through
 * {@link detailsOf}, never through casts.
 */
import { z } from "zod";
import type { Finding, FindingCode } from "./findings.ts";

const id = z.number().int();
const text = z.string();
const ids = z.array(text);

/** Another finding this one follows from (its code and entity). */
export const Cause = z.object({ code: text, entity: z.record(text, z.union([text, z.number()])) }).strict();
const causedBy = Cause.optional();

/** A soft-deleted platform record that stands where an active one should. */
const DeletedRecord = z.object({ platformId: id, deletedAt: text.nullable() }).strict();

/** A student named by a finding: the platform record (null when there is none) and the source id. */
export const StudentRef = z.object({
  platformId: id.nullable(),
  sourcedId: text.nullable(),
  name: text,
  causedBy,
}).strict();
export type StudentRef = z.infer<typeof StudentRef>;

/** The source school a student is at, and its active campus in the platform (null when there is none). */
const SourceSchool = z.object({ sourcedId: text, name: text, platformId: id.nullable() }).strict();

/** A platform enrollment left at a campus the student left. */
export const StaleEnrollment = z.object({
  platformId: id,
  classPlatformId: id,
  classSourcedId: text.nullable(),
  title: text,
  campus: text,
}).strict();

/** The source's view of a person the platform has and the source does not (absent when the source lacks the id). */
const sourceState = {
  sourceRole: text.optional(),
  sourceStatus: text.optional(),
  sourceEnabledUser: z.boolean().optional(),
};

/** A reader issue turned into a roster-check finding: how many rows, their first lines, and the issue's own data. */
const IssueDetails = z.object({ count: id, lines: z.array(id) }).catchall(text);

const Empty = z.object({}).strict();
const SchoolCounts = { students: id, teachers: id, classes: id, enrollments: id };

/** Every code's details schema. */
export const DETAILS = {
  "campus.missing_in_platform": z.object({ name: text, deletedCampus: DeletedRecord.optional() }).strict(),
  "campus.not_in_source": z.object({ name: text, sourceStatus: text.optional(), sourceType: text.optional() }).strict(),
  "student.missing_in_platform": z.object({
    name: text,
    grade: text,
    studentNumber: text,
    schools: ids,
    deletedRecord: DeletedRecord.optional(),
    causedBy,
  }).strict(),
  "student.not_in_source": z.object({ name: text, ...sourceState }).strict(),
  "student.field_mismatch": z.object({ source: text, platform: text, campus: text.nullable() }).strict(),
  "teacher.missing_in_platform": z.object({
    name: text,
    email: text,
    schools: ids,
    deletedRecord: DeletedRecord.optional(),
    causedBy,
  }).strict(),
  "teacher.not_in_source": z.object({ name: text, ...sourceState }).strict(),
  "class.missing_in_platform": z.object({
    title: text,
    school: text,
    deletedRecord: DeletedRecord.optional(),
    causedBy,
  }).strict(),
  "class.not_in_source": z.object({ title: text, sourceStatus: text.optional() }).strict(),
  "enrollment.missing_in_platform": z.object({ enrollmentSourcedId: text, causedBy }).strict(),
  "enrollment.not_in_source": z.object({ enrollmentSourceId: text.nullable(), causedBy }).strict(),
  "parent_link.mismatch": z.object({
    unexpected: z.array(StudentRef),
    missing: z.array(StudentRef),
    guardians: ids,
    otherLinks: z.array(StudentRef.extend({ origin: text })),
    visiblePlatformIds: z.array(id),
  }).strict(),
  "parent.missing_in_platform": z.object({ students: z.array(StudentRef), sourceEmail: text, role: text }).strict(),
  "parent.not_in_source": z.object({
    email: text,
    linkedStudents: z.array(z.object({ platformId: id, origin: text }).strict()),
    sourceRole: text.optional(),
    sourceStatus: text.optional(),
  }).strict(),
  "parent_email.shared": z.object({
    kind: z.enum(["same_family", "different_families"]),
    guardians: z.array(z.object({ sourcedId: text, name: text, role: text, students: ids }).strict()),
    students: z.array(z.object({ sourcedId: text, name: text }).strict()),
  }).strict(),
  "parent_email.invalid": z.object({ sourceEmail: text, students: ids }).strict(),
  "parent_email.platform_mismatch": z.object({ sourceEmail: text, platformEmail: text }).strict(),
  "transfer.campus_not_updated": z.object({
    sourceSchool: SourceSchool,
    sourceSchools: ids,
    platformCampus: z.object({ platformId: id, sourcedId: text.nullable(), name: text }).strict().nullable(),
  }).strict(),
  "transfer.stale_enrollments": z.object({
    classes: z.array(StaleEnrollment),
    sourceSchool: SourceSchool,
    causedBy,
  }).strict(),
  "transfer.duplicate_student": z.object({
    students: z.array(
      z.object({
        platformId: id,
        sourcedId: text.nullable(),
        name: text,
        campus: text.nullable(),
        inSource: z.boolean(),
      }).strict(),
    ),
  }).strict(),
  "transfer.parent_link_on_stale_record": z.object({
    staleRecord: z.object({ platformId: id, sourcedId: text.nullable(), deletedAt: text.nullable() }).strict(),
    activeRecords: z.array(z.object({ platformId: id, sourcedId: text.nullable() }).strict()),
    studentNumber: text,
  }).strict(),

  // roster-check: the reader's issues keep their count, first lines and data.
  "manifest.missing": IssueDetails,
  "manifest.version": IssueDetails,
  "manifest.malformed": IssueDetails,
  "manifest.file_missing": IssueDetails,
  "manifest.file_not_absent": IssueDetails,
  "manifest.file_undeclared": IssueDetails,
  "manifest.file_name_case": IssueDetails,
  "manifest.not_at_root": IssueDetails,
  "file.empty": IssueDetails,
  "header.required_missing": IssueDetails,
  "header.column_order": IssueDetails,
  "header.unknown_column": IssueDetails,
  "header.misspelt_column": IssueDetails,
  "header.duplicate_column": IssueDetails,
  "header.padded_name": IssueDetails,
  "header.optional_missing": IssueDetails,
  "row.rejected": IssueDetails,
  "row.field_count": IssueDetails,
  "identity.duplicate_id": IssueDetails,
  "identity.id_across_roles": IssueDetails,
  "value.nonstandard": IssueDetails,
  "value.grade_code": IssueDetails,
  "value.bad_date": IssueDetails,
  // roster-check's own checks.
  "reference.unresolved": z.union([Empty, IssueDetails]),
  "reference.not_a_school": z.object({ type: text }).strict(),
  "reference.enrollment_school_mismatch": z.object({ enrollmentSchool: text, classSchool: text }).strict(),
  "reference.enrollment_role_mismatch": z.object({ enrollmentRole: text, userRole: text }).strict(),
  "reference.active_to_deleted": Empty,
  "reference.org_cycle": z.object({ cycle: ids }).strict(),
  "reference.student_not_at_class_school": z.object({ classSchool: text, studentSchools: ids }).strict(),
  "guardian.unresolved_agent": Empty,
  "guardian.one_sided_link": z.object({ side: z.enum(["guardian", "student"]) }).strict(),
  "guardian.not_guardian_student": z.object({ role: text, agentRole: text }).strict(),
  "guardian.too_many": z.object({ guardians: ids }).strict(),
  "email.invalid": z.object({ role: text }).strict(),
  "email.guardian_shares_person_email": z.object({ person: text }).strict(),
  "email.shared_by_guardians": z.object({ guardians: ids }).strict(),
  "value.invalid_enum": z.object({ value: text }).strict(),
  "value.date_order": z.object({ begin: text, end: text }).strict(),
  "value.term_outside_school_year": z.object({ term: z.tuple([text, text]), schoolYear: z.tuple([text, text]) })
    .strict(),
  "volume.school_without_students": z.object(SchoolCounts).strict(),
  "volume.class_without_teacher": z.object({ school: text }).strict(),
  "volume.school_counts": z.object({ name: text, ...SchoolCounts }).strict(),
} as const satisfies Record<FindingCode, z.ZodType>;

/** The details a finding of code `C` carries. */
export type DetailsOf<C extends FindingCode> = z.infer<(typeof DETAILS)[C]>;

/** A finding's details did not match its code's schema (a report from another version, or a bug). */
export class DetailsError extends Error {}

/**
 * A finding's details, checked against its code's schema and typed by it.
 *
 * @example
 * const d = detailsOf(f, "parent_link.mismatch");
 * d.missing.filter((s) => s.platformId !== null) // StudentRef[], no cast
 */
export function detailsOf<C extends FindingCode>(f: Pick<Finding, "code" | "details">, code: C): DetailsOf<C> {
  if (f.code !== code) throw new DetailsError(`expected a ${code} finding, got ${f.code}`);
  const parsed = DETAILS[code].safeParse(f.details);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DetailsError(`${code}: details.${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data as DetailsOf<C>;
}

/**
 * A finding's details typed by its code's schema, or undefined when they do not fit it (a report from another
 * version): for readers that can do without them, such as a page's links.
 *
 * @example
 * detailsIfValid(f, "parent.not_in_source")?.email // the account's email, or undefined
 */
export function detailsIfValid<C extends FindingCode>(
  f: Pick<Finding, "code" | "details">,
  code: C,
): DetailsOf<C> | undefined {
  if (f.code !== code) return undefined;
  const parsed = DETAILS[code].safeParse(f.details);
  return parsed.success ? parsed.data as DetailsOf<C> : undefined;
}

/**
 * A schema in one line, for the findings doc: keys (`?` when optional), nested
 * objects in braces, lists as `[…]`.
 *
 * @example
 * describeDetails("enrollment.missing_in_platform") // "enrollmentSourcedId, causedBy? {code, entity}"
 */
export function describeDetails(code: FindingCode): string {
  return describe(DETAILS[code]) || "(none)";
}

function describe(schema: z.ZodType): string {
  const def = schema.def as unknown as {
    type: string;
    innerType?: z.ZodType;
    element?: z.ZodType;
    options?: z.ZodType[];
    catchall?: z.ZodType;
  };
  switch (def.type) {
    case "object": {
      const shape = (schema as unknown as z.ZodObject).shape;
      const keys = Object.entries(shape).map(([key, value]) => {
        const optional = (value as z.ZodType).def.type === "optional";
        const inner = describe(value as z.ZodType);
        const nested = inner && !inner.startsWith("[") ? `{${inner}}` : inner;
        return `${key}${optional ? "?" : ""}${nested ? ` ${nested}` : ""}`;
      });
      if (def.catchall && def.catchall.def.type !== "never") keys.push("and the reader issue's own data");
      return keys.join(", ");
    }
    case "optional":
    case "nullable":
      return describe(def.innerType!);
    case "array": {
      const inner = describe(def.element!);
      return inner ? `[{${inner}}]` : "";
    }
    case "union":
      return def.options!.map((o) => describe(o) || "nothing").join(" or ");
    default:
      return "";
  }
}
