/**
 * The typed roster model that every roster source produces.
 *
 * A source (OneRoster CSV 1.1 or 1.2, and later REST, ClassLink, custom CSV)
 * reads the district's SIS data into a {@link Roster}; every diagnostic reads
 * only this model, never a source's own format.
 */
import type { Rows } from "./rows.ts";
import { z } from "zod";

/** Record status after normalisation: `inactive` and friends become `tobedeleted`. */
export const Status = z.enum(["active", "tobedeleted"]);
export type Status = z.infer<typeof Status>;

/** Roles a user may hold in OneRoster 1.1 and 1.2 (1.2 adds `ext:*` roles). */
export const KNOWN_ROLES = [
  "administrator",
  "aide",
  "counselor",
  "districtAdministrator",
  "guardian",
  "parent",
  "principal",
  "proctor",
  "relative",
  "siteAdministrator",
  "student",
  "systemAdministrator",
  "teacher",
] as const;

/** A user role: a known OneRoster role or an `ext:` extension role. */
export const UserRole = z.union([
  z.enum(KNOWN_ROLES),
  z.custom<`ext:${string}`>((v) => typeof v === "string" && /^ext:\S+$/.test(v)),
]);
export type UserRole = z.infer<typeof UserRole>;

/** Roles that make a user a guardian of students. */
export const GUARDIAN_ROLES: ReadonlySet<string> = new Set(["parent", "guardian", "relative"]);

/** Org types of OneRoster. */
export const ORG_TYPES = ["department", "school", "district", "local", "state", "national"] as const;
export const OrgType = z.enum(ORG_TYPES);
export type OrgType = z.infer<typeof OrgType>;

/** Class types of OneRoster (a reader keeps another value as written, and roster-check reports it). */
export const CLASS_TYPES = ["homeroom", "scheduled"] as const;

/** Roles an enrollment may have (1.2 adds `ext:*`). */
export const ENROLLMENT_ROLES = ["administrator", "proctor", "student", "teacher"] as const;

/** A role assignment's type (1.2 `roles.csv`). */
export const ROLE_TYPES = ["primary", "secondary"] as const;

/** Where a record was read from, for messages such as `users.csv:1042`. */
export const Origin = z.object({ file: z.string(), line: z.number().int() });
export type Origin = z.infer<typeof Origin>;

const sourcedId = z.string().min(1);
const extensions = z.record(z.string(), z.string()).optional();

/** An organisation: district, school, department… */
export const Org = z.object({
  sourcedId,
  status: Status,
  name: z.string(),
  type: OrgType,
  identifier: z.string(),
  parentSourcedId: z.string().optional(),
  extensions,
  origin: Origin.optional(),
});
export type Org = z.infer<typeof Org>;

/** One role of a user at one org (1.2 `roles.csv`; 1.1 yields one per org). */
export const RoleAssignment = z.object({
  role: UserRole,
  roleType: z.enum(ROLE_TYPES),
  orgSourcedId: z.string().optional(),
  beginDate: z.string().optional(),
  endDate: z.string().optional(),
});
export type RoleAssignment = z.infer<typeof RoleAssignment>;

/** A person: student, teacher, guardian, administrator… */
export const User = z.object({
  sourcedId,
  status: Status,
  enabledUser: z.boolean(),
  /** The user's primary role (1.1 `role`; 1.2 the primary entry of `roles.csv`). */
  role: UserRole,
  roles: z.array(RoleAssignment),
  orgSourcedIds: z.array(z.string()),
  username: z.string(),
  givenName: z.string(),
  familyName: z.string(),
  middleName: z.string(),
  /** The SIS identifier; for students, the student number. */
  identifier: z.string(),
  email: z.string(),
  agentSourcedIds: z.array(z.string()),
  grades: z.array(z.string()),
  extensions,
  origin: Origin.optional(),
});
export type User = z.infer<typeof User>;

/** A class (section). */
export const Class = z.object({
  sourcedId,
  status: Status,
  title: z.string(),
  classCode: z.string(),
  classType: z.string(),
  courseSourcedId: z.string(),
  schoolSourcedId: z.string(),
  termSourcedIds: z.array(z.string()),
  grades: z.array(z.string()),
  extensions,
  origin: Origin.optional(),
});
export type Class = z.infer<typeof Class>;

/** A user's membership of a class. */
export const Enrollment = z.object({
  sourcedId,
  status: Status,
  classSourcedId: sourcedId,
  schoolSourcedId: z.string(),
  userSourcedId: sourcedId,
  role: z.string(),
  primary: z.boolean().optional(),
  beginDate: z.string().optional(),
  endDate: z.string().optional(),
  extensions,
  origin: Origin.optional(),
});
export type Enrollment = z.infer<typeof Enrollment>;

/** A course. */
export const Course = z.object({
  sourcedId,
  status: Status,
  title: z.string(),
  courseCode: z.string(),
  orgSourcedId: z.string(),
  schoolYearSourcedId: z.string(),
  origin: Origin.optional(),
});
export type Course = z.infer<typeof Course>;

/** A school year, term, semester or grading period. */
export const AcademicSession = z.object({
  sourcedId,
  status: Status,
  title: z.string(),
  type: z.string(),
  startDate: z.string(),
  endDate: z.string(),
  parentSourcedId: z.string(),
  schoolYear: z.string(),
  origin: Origin.optional(),
});
export type AcademicSession = z.infer<typeof AcademicSession>;

/** How a file of the export is declared: a full snapshot, changes only, or absent. */
export const FileMode = z.enum(["bulk", "delta", "absent"]);
export type FileMode = z.infer<typeof FileMode>;

/** The entity collections a roster holds, by their OneRoster file stem. */
export const ENTITY_FILES = ["orgs", "users", "classes", "enrollments", "courses", "academicSessions"] as const;
export type EntityFile = (typeof ENTITY_FILES)[number];

/** A problem met while reading the source: kept, counted and shown, never silently dropped. */
export const SourceIssue = z.object({
  severity: z.enum(["error", "warning", "info"]),
  file: z.string(),
  /** A stable kind, e.g. `bad_row`, `lenient_value`, `unknown_column`. */
  kind: z.string(),
  message: z.string(),
  /** How many rows had this issue; `lines` holds the first few. */
  count: z.number().int(),
  lines: z.array(z.number().int()),
  /** Structured facts of the first occurrence: column, value, sourcedId, intended column… */
  data: z.record(z.string(), z.string()).optional(),
});
export type SourceIssue = z.infer<typeof SourceIssue>;

/** A row the reader had to reject, so that diagnostics do not call its id absent. */
export const RejectedRow = z.object({ file: z.string(), line: z.number().int(), sourcedId: z.string() });
export type RejectedRow = z.infer<typeof RejectedRow>;

/** Describes where a roster came from. */
export const SourceInfo = z.object({
  kind: z.enum(["oneroster-csv", "oneroster-rest", "classlink", "custom-csv"]),
  version: z.string(),
  location: z.string(),
  systemName: z.string().optional(),
});
export type SourceInfo = z.infer<typeof SourceInfo>;

/** One district's roster as its SIS publishes it. */
export interface Roster {
  source: SourceInfo;
  /** How each entity file was declared; a missing key means bulk. */
  fileModes: Partial<Record<EntityFile, FileMode>>;
  orgs: Org[];
  /** As columns when a reader read them (`UserTable`); an array when built by hand. */
  users: Rows<User>;
  classes: Class[];
  /** The bulk of an export, as columns when a reader read it ({@link EnrollmentTable}); an array when built by hand. */
  enrollments: Rows<Enrollment>;
  courses: Course[];
  academicSessions: AcademicSession[];
  issues: SourceIssue[];
  rejected: RejectedRow[];
}

/** A roster built in memory (the demo district, a test's): its users and enrollments arrays, to push to and filter. */
export interface BuiltRoster extends Roster {
  users: User[];
  enrollments: Enrollment[];
}

/**
 * An empty roster, for building one by hand in tests and notebooks.
 *
 * @example
 * const roster = { ...emptyRoster(), orgs: [school] };
 */
export function emptyRoster(source: Partial<SourceInfo> = {}): BuiltRoster {
  return {
    source: { kind: "oneroster-csv", version: "1.1", location: "(literal)", ...source },
    fileModes: {},
    orgs: [],
    users: [],
    classes: [],
    enrollments: [],
    courses: [],
    academicSessions: [],
    issues: [],
    rejected: [],
  };
}

/** The mode of a roster file: `bulk` unless declared otherwise. */
export function fileMode(roster: Roster, file: EntityFile): FileMode {
  return roster.fileModes[file] ?? "bulk";
}

/**
 * A source record is active when its status is `active` and, for users,
 * `enabledUser` is not false (findings.md, matching rules).
 */
export function isActiveInSource(record: { status: Status; enabledUser?: boolean }): boolean {
  return record.status === "active" && record.enabledUser !== false;
}

/** True for roles parent, guardian and relative. */
export function isGuardian(user: Pick<User, "role">): boolean {
  return GUARDIAN_ROLES.has(user.role);
}
