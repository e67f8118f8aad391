/**
 * Builds roster records from rows addressed by OneRoster column name. The CSV
 * reader and the REST reader (which presents JSON records the same way) share
 * these, so every source reads values with the same leniency and warnings.
 */
import type { z } from "zod";
import type { RejectedRow, RoleAssignment } from "../../roster.ts";
import type { IssueCollector } from "../issues.ts";
import { normalizeGrade } from "../../normalize.ts";
import type { OneRosterVersion } from "./columns.ts";
import {
  checkDate,
  ENROLLMENT_ROLES,
  GRADE_CODES,
  readBoolean,
  readEnum,
  readList,
  readStatus,
  ROLES_11,
  ROLES_12,
  type Warn,
} from "./values.ts";

/** Org types of OneRoster. */
export const ORG_TYPES = ["department", "school", "district", "local", "state", "national"] as const;

/** Reads a cell of the current row by OneRoster column name ("" when absent). */
export type Get = (column: string) => string;
/** The row's extension columns, or undefined when it has none. */
export type Extensions = () => Record<string, string> | undefined;
/** Builds a candidate record from a row, or returns why the row cannot be read. */
export type RowBuilder = (
  get: Get,
  warn: Warn,
  extensions: Extensions,
) => Record<string, unknown> & { sourcedId: string } | string | null;

function grades(raw: string, warn: Warn): string[] {
  const list = readList(raw);
  for (const g of list) {
    if (!GRADE_CODES.has(normalizeGrade(g))) {
      warn(`column "grades" has "${g}"; not a CEDS grade code, kept as written`, {
        kind: "grade_code",
        column: "grades",
        value: g,
      });
    }
  }
  return list;
}

/** Checks the dates every row may carry, then builds it. */
export function dated(build: RowBuilder, dates: Array<[string, "date" | "datetime"]> = []): RowBuilder {
  return (get, warn, extensions) => {
    checkDate(get("dateLastModified"), "dateLastModified", "datetime", warn);
    for (const [column, kind] of dates) checkDate(get(column), column, kind, warn);
    return build(get, warn, extensions);
  };
}

/** Builds an org. */
export const orgRow: RowBuilder = (get, warn, extensions) => ({
  sourcedId: get("sourcedId").trim(),
  status: readStatus(get("status"), warn),
  name: get("name").trim(),
  type: readEnum(get("type"), "type", ORG_TYPES, warn),
  identifier: get("identifier").trim(),
  parentSourcedId: get("parentSourcedId").trim() || undefined,
  extensions: extensions(),
});

/** Builds a user; 1.2 roles come from roles.csv (or a REST user's `roles`). */
export function userRow(
  version: OneRosterVersion,
  roles: Map<string, RoleAssignment[]> | undefined,
  asOf?: string,
): RowBuilder {
  const today = asOf ?? new Date().toISOString().slice(0, 10);
  return (get, warn, extensions) => {
    const sourcedId = get("sourcedId").trim();
    let role: string;
    let assignments: RoleAssignment[];
    let orgSourcedIds = readList(get("orgSourcedIds"));
    const current = (r: RoleAssignment & { deleted?: boolean }) => !r.deleted && (!r.endDate || r.endDate > today);
    let fromRoles = roles?.get(sourcedId)?.filter(current);
    const rawRole = get("role");
    if (version === "1.2" && !fromRoles?.length && !rawRole.trim() && !isActiveRow(get)) {
      // A deleted or disabled user is absent whatever its roles say (shared/findings.md): read it with the
      // roles it had, or, with none known, leave it out as if the file did not hold it (never "unreadable").
      fromRoles = roles?.get(sourcedId);
      if (!fromRoles?.length) return null;
      fromRoles = fromRoles.map(({ deleted: _, ...r }: RoleAssignment & { deleted?: boolean }) => r);
    }
    if (version === "1.2" && fromRoles?.length) {
      assignments = fromRoles;
      const primary = fromRoles.find((r) => r.roleType === "primary") ?? fromRoles[0];
      role = primary.role;
      const primaryOrg = get("primaryOrgSourcedId").trim();
      const orgs = fromRoles.map((r) => r.orgSourcedId).filter((o): o is string => !!o);
      orgSourcedIds = [...new Set([...(primaryOrg ? [primaryOrg] : []), ...orgs, ...orgSourcedIds])];
    } else {
      if (version === "1.2" && !rawRole.trim()) {
        return `user "${sourcedId}" has no current role in roles.csv; expected a roles.csv row with its userSourcedId`;
      }
      role = readEnum(rawRole, "role", version === "1.2" ? ROLES_12 : ROLES_11, warn);
      if (!(version === "1.2" ? ROLES_12 : ROLES_11 as readonly string[]).includes(role) && !role.startsWith("ext:")) {
        return `column "role" has "${rawRole.trim()}"; expected one of ${
          (version === "1.2" ? ROLES_12 : ROLES_11).join(", ")
        }`;
      }
      assignments = orgSourcedIds.map((org, i) => ({
        role: role as RoleAssignment["role"],
        roleType: i === 0 ? "primary" : "secondary",
        orgSourcedId: org,
      }));
    }
    return {
      sourcedId,
      status: readStatus(get("status"), warn),
      enabledUser: readBoolean(get("enabledUser"), "enabledUser", true, warn),
      role,
      roles: assignments,
      orgSourcedIds,
      username: get("username").trim(),
      givenName: get("givenName"),
      familyName: get("familyName"),
      middleName: get("middleName"),
      identifier: get("identifier").trim(),
      email: get("email"),
      agentSourcedIds: readList(get("agentSourcedIds")),
      grades: grades(get("grades"), warn),
      extensions: extensions(),
    };
  };
}

/** Whether a user row is active: status active and enabledUser not false (read silently; the row's own read warns). */
function isActiveRow(get: Get): boolean {
  const quiet: Warn = () => {};
  return readStatus(get("status"), quiet) === "active" &&
    readBoolean(get("enabledUser"), "enabledUser", true, quiet) !== false;
}

/** Builds a class. */
export const classRow: RowBuilder = (get, warn, extensions) => ({
  sourcedId: get("sourcedId").trim(),
  status: readStatus(get("status"), warn),
  title: get("title"),
  classCode: get("classCode").trim(),
  classType: readEnum(get("classType"), "classType", ["homeroom", "scheduled"], warn),
  courseSourcedId: get("courseSourcedId").trim(),
  schoolSourcedId: get("schoolSourcedId").trim(),
  termSourcedIds: readList(get("termSourcedIds")),
  grades: grades(get("grades"), warn),
  extensions: extensions(),
});

/** Builds an enrollment. */
export const enrollmentRow: RowBuilder = (get, warn, extensions) => {
  const role = readEnum(get("role"), "role", ENROLLMENT_ROLES, warn);
  if (!(ENROLLMENT_ROLES as readonly string[]).includes(role) && !role.startsWith("ext:")) {
    return `column "role" has "${get("role").trim()}"; expected one of ${ENROLLMENT_ROLES.join(", ")}`;
  }
  return {
    sourcedId: get("sourcedId").trim(),
    status: readStatus(get("status"), warn),
    classSourcedId: get("classSourcedId").trim(),
    schoolSourcedId: get("schoolSourcedId").trim(),
    userSourcedId: get("userSourcedId").trim(),
    role,
    primary: readBoolean(get("primary"), "primary", undefined, warn),
    beginDate: get("beginDate").trim() || undefined,
    endDate: get("endDate").trim() || undefined,
    extensions: extensions(),
  };
};

/** Builds a course. */
export const courseRow: RowBuilder = (get, warn) => ({
  sourcedId: get("sourcedId").trim(),
  status: readStatus(get("status"), warn),
  title: get("title"),
  courseCode: get("courseCode").trim(),
  orgSourcedId: get("orgSourcedId").trim(),
  schoolYearSourcedId: get("schoolYearSourcedId").trim(),
});

/** Builds an academic session. */
export const sessionRow: RowBuilder = (get, warn) => ({
  sourcedId: get("sourcedId").trim(),
  status: readStatus(get("status"), warn),
  title: get("title"),
  type: readEnum(get("type"), "type", ["gradingPeriod", "semester", "schoolYear", "term"], warn),
  startDate: get("startDate").trim(),
  endDate: get("endDate").trim(),
  parentSourcedId: get("parentSourcedId").trim(),
  schoolYear: get("schoolYear").trim(),
});

/** Where rejected rows are reported. */
export interface RejectSink {
  issues: IssueCollector;
  rejected: RejectedRow[];
}

/** What the sink says about a row that cannot be read, per source. */
const EXPECTED: Record<string, string> = {
  sourcedId: "a non-empty id",
  status: "one of active, tobedeleted",
  type: `one of ${ORG_TYPES.join(", ")}`,
  enabledUser: "true or false",
  primary: "true or false",
  classSourcedId: "a non-empty id",
  userSourcedId: "a non-empty id",
  roleType: "primary or secondary",
};

/**
 * Builds rows into validated records: each row is built, validated with the
 * model's zod schema, rejected with file, line and column when it cannot be
 * read (and its id remembered, so no diagnostic calls it absent), and kept
 * once per sourcedId.
 *
 * @example
 * const sink = new RowSink("users.csv", User, dated(userRow("1.1", undefined)), reporter);
 * sink.add(get, warn, 12, () => undefined);
 */
export class RowSink<T extends { sourcedId: string }> {
  readonly rows: T[] = [];
  // sourcedId → the role of its first row (users) or "", to tell a duplicate from an id reused across roles.
  #seen = new Map<string, string>();

  constructor(
    readonly file: string,
    readonly schema: z.ZodType<T>,
    readonly build: RowBuilder,
    readonly sink: RejectSink,
    readonly unit: "row" | "record" = "row",
  ) {}

  add(get: Get, warn: Warn, line: number, extensions: Extensions): void {
    const candidate = this.build(get, warn, extensions);
    if (candidate === null) return;
    if (typeof candidate === "string") {
      return this.reject(line, get("sourcedId").trim(), candidate, /^column "([^"]+)"/.exec(candidate)?.[1]);
    }
    candidate.origin = { file: this.file, line };
    const parsed = this.schema.safeParse(candidate);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const column = String(issue.path[0] ?? "");
      const raw = (candidate as Record<string, unknown>)[column];
      return this.reject(
        line,
        String(candidate.sourcedId ?? ""),
        `column "${column}" has "${raw ?? ""}"; expected ${EXPECTED[column] ?? issue.message}`,
        column,
      );
    }
    const row = parsed.data;
    const role = "role" in row ? String(row.role) : "";
    const firstRole = this.#seen.get(row.sourcedId);
    if (firstRole !== undefined) {
      this.sink.issues.add(
        "warning",
        this.file,
        line,
        "duplicate_id",
        `sourcedId "${row.sourcedId}" appears again${
          role !== firstRole ? ` (as ${role}; first as ${firstRole})` : ""
        }; the first ${this.unit} is kept`,
        { sourcedId: row.sourcedId, ...(role ? { role, firstRole } : {}) },
      );
      return;
    }
    this.#seen.set(row.sourcedId, role);
    this.rows.push(row);
  }

  /** Reports a row that cannot be read. */
  reject(line: number, sourcedId: string, message: string, column?: string): void {
    rejectRow(this.sink, this.file, line, sourcedId, message, column, this.unit);
  }
}

/**
 * Reports a row that cannot be read, with its file, line and column, and
 * remembers its id so that no diagnostic calls it absent.
 *
 * @example
 * rejectRow(sink, "roles.csv", 7, "stu-1", 'column "role" has "x"; expected …', "role");
 */
export function rejectRow(
  sink: RejectSink,
  file: string,
  line: number,
  sourcedId: string,
  message: string,
  column?: string,
  unit: "row" | "record" = "row",
): void {
  const data: Record<string, string> = { line: String(line) };
  if (column) data.column = column;
  if (sourcedId) data.sourcedId = sourcedId;
  sink.issues.add("error", file, line, "bad_row", `${message}; ${unit} skipped`, data);
  if (sourcedId) sink.rejected.push({ file, line, sourcedId });
}

/**
 * A {@link Warn} that records lenient readings in `issues` at the current line of `file`.
 *
 * @example
 * const warn = warnInto(issues, "users.csv", () => line);
 */
export function warnInto(issues: IssueCollector, file: string, line: () => number): Warn {
  return (message, data) =>
    issues.add(
      "warning",
      file,
      line(),
      data?.kind ?? "lenient_value",
      message,
      data ? { column: data.column, value: data.value } : undefined,
    );
}
