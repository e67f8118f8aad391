/**
 * Builds roster records from rows addressed by OneRoster column name. The CSV
 * reader and the REST reader (which presents JSON records the same way) share
 * these, so every source reads values with the same leniency and warnings.
 */
import type { z } from "zod";
import {
  AcademicSession,
  Class,
  CLASS_TYPES,
  Course,
  Enrollment,
  ENROLLMENT_ROLES,
  KNOWN_ROLES,
  Org,
  ORG_TYPES,
  type RejectedRow,
  type RoleAssignment,
  User,
} from "../../model/roster.ts";
import type { IssueCollector } from "../../model/issues.ts";
import { Column, type RowStore } from "../../model/rows.ts";
import { detach, detachRow, textSharer } from "../detach.ts";
import { IdTable, rememberIds } from "../../id-table.ts";
import { normalizeGrade } from "../../normalize.ts";
import type { OneRosterVersion } from "./columns.ts";
import {
  checkDate,
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

const NO_AGENTS: string[] = Object.freeze([]) as unknown as string[];

/** A user's agents: most users have none, and share one frozen empty list. */
function agents(raw: string): string[] {
  return raw.trim() === "" ? NO_AGENTS : readList(raw);
}

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

/**
 * Lists that many rows hold alike (the same school, the same grade, no
 * agents), one frozen copy per distinct cell text for one read, so a million
 * users do not hold a million copies of `["sch-1"]`. A list whose reading
 * warned is never shared: the next row must warn too.
 *
 * @example
 * const share = listSharer();
 * share("orgs", "sch-1", () => readList("sch-1")) === share("orgs", "sch-1", () => readList("sch-1")) // true
 */
export function listSharer(
  limit = 10_000,
): <T>(kind: string, text: string, read: (warn?: Warn) => T[], warn?: Warn) => T[] {
  // A map of its own for each kind, keyed by the cell itself (no key made per row), and the kind's last list: rows
  // in a file's order often repeat the cell before them.
  const kinds = new Map<string, { lists: Map<string, unknown[]>; lastText: string; last: unknown[] | undefined }>();
  let size = 0;
  return <T>(kind: string, text: string, read: (warn?: Warn) => T[], warn?: Warn): T[] => {
    // Long cells are rarely shared, and a key must not double what a hostile row costs.
    if (text.length > 512) return read(warn);
    let k = kinds.get(kind);
    if (k === undefined) kinds.set(kind, k = { lists: new Map(), lastText: "", last: undefined });
    if (k.last !== undefined && text === k.lastText) return k.last as T[];
    const had = k.lists.get(text);
    if (had !== undefined) {
      k.lastText = text;
      k.last = had;
      return had as T[];
    }
    let warned = false;
    const list = read(
      warn && ((message, data) => {
        warned = true;
        warn(message, data);
      }),
    );
    if (!warned && size < limit) {
      detachRow(list);
      // Frozen through: a shared role assignment changed for one user would change it for all.
      for (const item of list) if (item && typeof item === "object") Object.freeze(item);
      const key = detach(text);
      k.lists.set(key, Object.freeze(list) as unknown[]);
      size++;
      k.lastText = key;
      k.last = list;
    }
    return list;
  };
}

/**
 * Checks the dates every row may carry, then builds it. Rows repeat their
 * dates (a term's begin and end on every enrollment): a cell equal to the
 * last one of its column that passed is not checked again.
 */
export function dated(build: RowBuilder, dates: Array<[string, "date" | "datetime"]> = []): RowBuilder {
  const columns: Array<[string, "date" | "datetime"]> = [["dateLastModified", "datetime"], ...dates];
  const passed = columns.map(() => "");
  return (get, warn, extensions) => {
    for (let i = 0; i < columns.length; i++) {
      const [column, kind] = columns[i];
      const raw = get(column);
      if (raw === passed[i]) continue;
      let warned = false;
      checkDate(raw, column, kind, (message, data) => {
        warned = true;
        warn(message, data);
      });
      if (!warned) passed[i] = raw;
    }
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
  origin: undefined, // set by RowSink: a slot in the object, not a property added later
});

/** The kind of shared list (see {@link listSharer}) of each known role's assignments. */
const ROLE_KINDS: ReadonlyMap<string, string> = new Map(KNOWN_ROLES.map((r) => [r, `roles\u0000${r}`]));

/** Roles past which a user's role work is remembered for the read (see userRow). */
const MANY = 32;

/** Builds a user; 1.2 roles come from roles.csv (or a REST user's `roles`). */
export function userRow(
  version: OneRosterVersion,
  roles: Map<string, RoleAssignment[]> | undefined,
  asOf?: string,
  rolesFrom: "roles.csv" | "rest" = "roles.csv",
): RowBuilder {
  const today = asOf ?? new Date().toISOString().slice(0, 10);
  const share = listSharer();
  const name = textSharer();
  const current = (r: RoleAssignment & { deleted?: boolean }) => !r.deleted && (!r.endDate || r.endDate > today);
  // A user with many roles is worked out once, however often its row repeats (each repeat would redo it: 20,000
  // roles on a row repeated 100,000 times took minutes).
  const worked = new Map<
    string,
    { current: RoleAssignment[]; primary?: RoleAssignment; orgsKey?: string; orgSourcedIds?: string[] }
  >();
  const currentRoles = (sourcedId: string): RoleAssignment[] | undefined => {
    const all = roles?.get(sourcedId);
    if (!all || all.length <= MANY) return all?.filter(current);
    let w = worked.get(sourcedId);
    if (!w) worked.set(sourcedId, w = { current: all.filter(current) });
    return w.current;
  };
  return (get, warn, extensions) => {
    const sourcedId = get("sourcedId").trim();
    let role: string;
    let assignments: RoleAssignment[];
    const orgsText = get("orgSourcedIds");
    let orgSourcedIds = share("orgs", orgsText, () => readList(orgsText));
    let fromRoles = currentRoles(sourcedId);
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
      // The remembered work, when these are the user's remembered current roles.
      const w = fromRoles.length > MANY && worked.get(sourcedId)?.current === fromRoles
        ? worked.get(sourcedId)
        : undefined;
      const primaryOf = (list: RoleAssignment[]) => list.find((r) => r.roleType === "primary") ?? list[0];
      const primary = w ? (w.primary ??= primaryOf(fromRoles)) : primaryOf(fromRoles);
      role = primary.role;
      const primaryOrg = get("primaryOrgSourcedId").trim();
      const orgsKey = `${primaryOrg.length}:${primaryOrg}${orgsText}`;
      if (w?.orgsKey === orgsKey) orgSourcedIds = w.orgSourcedIds!;
      else {
        const orgs = fromRoles.map((r) => r.orgSourcedId).filter((o): o is string => !!o);
        orgSourcedIds = [...new Set([...(primaryOrg ? [primaryOrg] : []), ...orgs, ...orgSourcedIds])];
        if (w) Object.assign(w, { orgsKey, orgSourcedIds });
      }
    } else {
      if (version === "1.2" && !rawRole.trim()) {
        return rolesFrom === "rest"
          ? `user "${sourcedId}" has no current role; expected an entry in its "roles" with a known role`
          : `user "${sourcedId}" has no current role in roles.csv; expected a roles.csv row with its userSourcedId`;
      }
      role = readEnum(rawRole, "role", version === "1.2" ? ROLES_12 : ROLES_11, warn);
      if (!(version === "1.2" ? ROLES_12 : ROLES_11 as readonly string[]).includes(role) && !role.startsWith("ext:")) {
        return `column "role" has "${rawRole.trim()}"; expected one of ${
          (version === "1.2" ? ROLES_12 : ROLES_11).join(", ")
        }`;
      }
      const ids = orgSourcedIds;
      // A kind of list for each known role; other roles length-prefixed, so that no role and org cell can spell
      // another pair's key. One assignment per distinct org: a cell of "a,a,a…" must not cost an object per repeat.
      const kind = ROLE_KINDS.get(role);
      assignments = share(
        kind ?? "roles",
        kind ? orgsText : `${role.length}:${role}${orgsText}`,
        () =>
          [...new Set(ids)].map((org, i): RoleAssignment => ({
            role: role as RoleAssignment["role"],
            roleType: i === 0 ? "primary" : "secondary",
            orgSourcedId: org,
          })),
      );
    }
    return {
      sourcedId,
      status: readStatus(get("status"), warn),
      enabledUser: readBoolean(get("enabledUser"), "enabledUser", true, warn),
      role,
      roles: assignments,
      orgSourcedIds,
      username: get("username").trim(),
      givenName: name(get("givenName")),
      familyName: name(get("familyName")),
      middleName: get("middleName"),
      identifier: get("identifier").trim(),
      email: get("email"),
      agentSourcedIds: agents(get("agentSourcedIds")),
      grades: share("grades", get("grades"), (w) => grades(get("grades"), w!), warn),
      extensions: extensions(),
      origin: undefined, // set by RowSink: a slot in the object, not a property added later
    };
  };
}

/** Whether a user row is active: status active and enabledUser not false (read silently; the row's own read warns). */
function isActiveRow(get: Get): boolean {
  const quiet: Warn = () => {};
  return readStatus(get("status"), quiet) === "active" &&
    readBoolean(get("enabledUser"), "enabledUser", true, quiet) !== false;
}

/** Builds classes (lists many classes hold alike shared for the read: see {@link listSharer}). */
export function classRow(): RowBuilder {
  const share = listSharer();
  return (get, warn, extensions) => ({
    sourcedId: get("sourcedId").trim(),
    status: readStatus(get("status"), warn),
    title: get("title"),
    classCode: get("classCode").trim(),
    classType: readEnum(get("classType"), "classType", CLASS_TYPES, warn),
    courseSourcedId: get("courseSourcedId").trim(),
    schoolSourcedId: get("schoolSourcedId").trim(),
    termSourcedIds: share("terms", get("termSourcedIds"), () => readList(get("termSourcedIds"))),
    grades: share("grades", get("grades"), (w) => grades(get("grades"), w!), warn),
    extensions: extensions(),
    origin: undefined, // set by RowSink: a slot in the object, not a property added later
  });
}

/**
 * Builds an enrollment, passing its class, school and user ids and its dates
 * through `intern` (so the millions of rows of a large district share one string per
 * id instead of holding a copy each).
 *
 * @example
 * const ids = new Map<string, string>();
 * const build = enrollmentRowWith((s) => ids.get(s) ?? (ids.set(s, s), s));
 */
export function enrollmentRowWith(intern: (id: string) => string): RowBuilder {
  // Rows come grouped by class, school and term: most values equal the previous row's, no Map lookup needed.
  const cls = lastValue(intern);
  const school = lastValue(intern);
  const begin = lastValue(intern);
  const end = lastValue(intern);
  return (get, warn, extensions) => {
    const row = enrollmentRow(get, warn, extensions);
    if (row === null || typeof row === "string") return row;
    row.classSourcedId = cls(row.classSourcedId as string);
    row.schoolSourcedId = school(row.schoolSourcedId as string);
    row.userSourcedId = intern(row.userSourcedId as string);
    // Term dates repeat on nearly every row.
    if (row.beginDate !== undefined) row.beginDate = begin(row.beginDate as string);
    if (row.endDate !== undefined) row.endDate = end(row.endDate as string);
    return row;
  };
}

/** `intern`, answering a repeat of the last value without asking it. */
function lastValue(intern: (id: string) => string): (id: string) => string {
  let raw: string | undefined;
  let kept = "";
  return (id) => id === raw ? kept : (kept = intern(raw = id));
}

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
    origin: undefined, // set by RowSink: a slot in the object, not a property added later
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

/** How one field of a record is checked on the fast path (see {@link passes}). */
type FieldCheck =
  | "id"
  | "string"
  | "string?"
  | "boolean"
  | "boolean?"
  | "strings"
  | "status"
  | "role"
  | "roles"
  | "extensions"
  | ReadonlySet<string>;

const KNOWN_ROLE_SET: ReadonlySet<string> = new Set(KNOWN_ROLES);
const EXT_ROLE = /^ext:\S+$/;
const ORG_TYPE_SET: ReadonlySet<string> = new Set(ORG_TYPES);
const ROLE_TYPES: ReadonlySet<string> = new Set(["primary", "secondary"]);

/**
 * The fields of each model schema as plain checks, in the schema's order.
 * They accept exactly what the schema accepts for the records the builders
 * make; anything they do not accept goes to zod, so every rejection keeps
 * zod's first issue and so its message. Validating a million rows with zod
 * cost more than reading them (and copied every record).
 */
const FAST_CHECKS = new Map<z.ZodType, ReadonlyArray<readonly [string, FieldCheck]>>([
  [Org, [
    ["sourcedId", "id"],
    ["status", "status"],
    ["name", "string"],
    ["type", ORG_TYPE_SET],
    ["identifier", "string"],
    ["parentSourcedId", "string?"],
    ["extensions", "extensions"],
  ]],
  [User, [
    ["sourcedId", "id"],
    ["status", "status"],
    ["enabledUser", "boolean"],
    ["role", "role"],
    ["roles", "roles"],
    ["orgSourcedIds", "strings"],
    ["username", "string"],
    ["givenName", "string"],
    ["familyName", "string"],
    ["middleName", "string"],
    ["identifier", "string"],
    ["email", "string"],
    ["agentSourcedIds", "strings"],
    ["grades", "strings"],
    ["extensions", "extensions"],
  ]],
  [Class, [
    ["sourcedId", "id"],
    ["status", "status"],
    ["title", "string"],
    ["classCode", "string"],
    ["classType", "string"],
    ["courseSourcedId", "string"],
    ["schoolSourcedId", "string"],
    ["termSourcedIds", "strings"],
    ["grades", "strings"],
    ["extensions", "extensions"],
  ]],
  [Enrollment, [
    ["sourcedId", "id"],
    ["status", "status"],
    ["classSourcedId", "id"],
    ["schoolSourcedId", "string"],
    ["userSourcedId", "id"],
    ["role", "string"],
    ["primary", "boolean?"],
    ["beginDate", "string?"],
    ["endDate", "string?"],
    ["extensions", "extensions"],
  ]],
  [Course, [
    ["sourcedId", "id"],
    ["status", "status"],
    ["title", "string"],
    ["courseCode", "string"],
    ["orgSourcedId", "string"],
    ["schoolYearSourcedId", "string"],
  ]],
  [AcademicSession, [
    ["sourcedId", "id"],
    ["status", "status"],
    ["title", "string"],
    ["type", "string"],
    ["startDate", "string"],
    ["endDate", "string"],
    ["parentSourcedId", "string"],
    ["schoolYear", "string"],
  ]],
]);

/** Fields a builder shares itself (enrollmentRowWith's interned ids, userRow's names): detached once per distinct value, never again per row. */
const INTERNED = new Map<z.ZodType, ReadonlySet<string>>([
  [Enrollment, new Set(["classSourcedId", "schoolSourcedId", "userSourcedId", "beginDate", "endDate"])],
  // userRow's names (textSharer).
  [User, new Set(["givenName", "familyName"])],
]);

/** A row's text fields and lists, to detach from the file's text (see detach.ts), from its checks. */
interface DetachPlan {
  strings: readonly string[];
  lists: readonly string[];
  roles: boolean;
  extensions: boolean;
}

const DETACH_PLANS = new Map<z.ZodType, DetachPlan>(
  [...FAST_CHECKS].map(([schema, checks]) => {
    const interned = INTERNED.get(schema);
    // sourcedId is detached as the sink numbers it (RowSink).
    const kept = checks.filter(([name]) => name !== "sourcedId" && !interned?.has(name));
    const named = (...kinds: FieldCheck[]) => kept.filter(([, c]) => kinds.includes(c)).map(([name]) => name);
    return [schema, {
      strings: named("id", "string", "string?"),
      lists: named("strings"),
      roles: kept.some(([, c]) => c === "roles"),
      extensions: kept.some(([, c]) => c === "extensions"),
    }];
  }),
);

/** Detaches a kept row's text as its plan says; shared (frozen) lists were detached when made. */
function detachByPlan(row: Record<string, unknown>, plan: DetachPlan): void {
  // A row's fields that are alike share one copy: a parent's or a teacher's username is often its email (half the
  // users of the generated districts), 40 bytes a user kept once instead of twice.
  let firstText: string | undefined;
  let firstCopy: string | undefined;
  for (const name of plan.strings) {
    const v = row[name];
    if (typeof v !== "string" || v.length < 13) continue;
    if (v === firstText) row[name] = firstCopy;
    else if (firstText === undefined) row[name] = firstCopy = detach(firstText = v);
    else row[name] = detach(v);
  }
  for (const name of plan.lists) {
    const list = row[name] as string[];
    if (Object.isFrozen(list)) continue;
    for (let i = 0; i < list.length; i++) if (list[i].length >= 13) list[i] = detach(list[i]);
  }
  if (plan.roles && !Object.isFrozen(row.roles)) { for (const r of row.roles as object[]) detachRow(r); }
  if (plan.extensions && row.extensions) detachRow(row.extensions as object);
}

/** Long lists already checked (a repeated row hands the same list again): checked once. */
const checkedLists = new WeakSet<object>();
function passedOnce(list: unknown[], ok: (x: unknown) => boolean): boolean {
  if (list.length <= MANY) return list.every(ok);
  if (checkedLists.has(list)) return true;
  const passed = list.every(ok);
  if (passed) checkedLists.add(list);
  return passed;
}

function fieldPasses(v: unknown, check: FieldCheck): boolean {
  switch (check) {
    case "id":
      return typeof v === "string" && v.length > 0;
    case "string":
      return typeof v === "string";
    case "string?":
      return v === undefined || typeof v === "string";
    case "boolean":
      return typeof v === "boolean";
    case "boolean?":
      return v === undefined || typeof v === "boolean";
    case "status":
      return v === "active" || v === "tobedeleted";
    case "role":
      return typeof v === "string" && (KNOWN_ROLE_SET.has(v) || EXT_ROLE.test(v));
    case "strings":
      return Array.isArray(v) && passedOnce(v, (x) => typeof x === "string");
    case "roles":
      return Array.isArray(v) && passedOnce(v, rolePasses);
    case "extensions":
      return v === undefined || (typeof v === "object" && v !== null && !Array.isArray(v) &&
        Object.getPrototypeOf(v) === Object.prototype && Object.values(v).every((x) => typeof x === "string"));
    default:
      return typeof v === "string" && check.has(v);
  }
}

function rolePasses(r: unknown): boolean {
  if (typeof r !== "object" || r === null || Array.isArray(r)) return false;
  const a = r as Record<string, unknown>;
  // Only the schema's keys, so the record is what zod would have returned.
  for (const k in a) {
    if (k !== "role" && k !== "roleType" && k !== "orgSourcedId" && k !== "beginDate" && k !== "endDate") return false;
  }
  return fieldPasses(a.role, "role") && typeof a.roleType === "string" && ROLE_TYPES.has(a.roleType) &&
    fieldPasses(a.orgSourcedId, "string?") && fieldPasses(a.beginDate, "string?") && fieldPasses(a.endDate, "string?");
}

/**
 * Whether a built record certainly passes its schema and is already what the
 * schema would return: the schema's keys in its order, `origin` last, nothing
 * else.
 */
function passes(checks: ReadonlyArray<readonly [string, FieldCheck]>, candidate: Record<string, unknown>): boolean {
  let i = 0;
  for (const key in candidate) {
    if (i === checks.length) {
      if (key !== "origin") return false;
      i++;
      continue;
    }
    const [name, check] = checks[i++];
    if (key !== name || !fieldPasses(candidate[key], check)) return false;
  }
  if (i !== checks.length + 1) return false;
  const origin = candidate.origin as { file?: unknown; line?: unknown } | null;
  return typeof origin === "object" && origin !== null && typeof origin.file === "string" &&
    Number.isInteger(origin.line);
}

/**
 * The files whose kept rows come with their reader's table of ids (see {@link RowSink.done}): those the diagnostics'
 * source index finds by id. Every reader asks this one list.
 */
export const NUMBERED_FILES: ReadonlySet<string> = new Set(["orgs", "users", "classes"]);

/**
 * Builds rows into validated records: each row is built, validated with the
 * model's zod schema (by plain checks that stand for it on the hot path), rejected with file, line and column when it cannot be
 * read (and its id remembered, so no diagnostic calls it absent), and kept
 * once per sourcedId.
 *
 * @example
 * const sink = new RowSink("users.csv", User, dated(userRow("1.1", undefined)), reporter);
 * sink.add(get, warn, 12, () => undefined);
 */
export class RowSink<T extends { sourcedId: string }, S extends RowStore<T> = T[]> {
  // Every kept row's sourcedId, numbered as `rows` is: a repeat finds its first row (and role) there. Packed when
  // rows are forwarded (the thread reading enrollments.csv): nothing else holds the ids here, and 9.4 million of them
  // as strings grew that thread's heap by 375 MB at 1,000,000 students.
  readonly #seen: IdTable;
  // Each kept row's role, numbered likewise, when rows are forwarded instead of kept: as the role's number in
  // #roleIds, in a column that keeps such small numbers in 8 bits (a list of ten million references, grown push by
  // push, held 75 MB and left as much again behind in the old generation of the thread reading enrollments.csv; 32-bit
  // numbers, 37 MB).
  readonly #roles = new Column(Int32Array);
  #roleIds = new IdTable();
  #fast: ReadonlyArray<readonly [string, FieldCheck]> | undefined;
  #detach: DetachPlan | undefined;

  /** `fromText`: the values were cut from a file's text (CSV) and are detached when kept; JSON's are fresh already. */
  constructor(
    readonly file: string,
    readonly schema: z.ZodType<T>,
    readonly build: RowBuilder,
    readonly sink: RejectSink,
    readonly unit: "row" | "record" = "row",
    fromText = true,
    /** Takes each kept row instead of `rows` (which then stays empty); a repeat of its id is still reported. */
    readonly forward?: (row: T) => void,
    /** Where kept rows go: an array, or a table that keeps them as columns (enrollments: `EnrollmentTable`). */
    readonly rows: S = [] as unknown as S,
  ) {
    this.#seen = forward ? IdTable.packed() : new IdTable();
    this.#fast = FAST_CHECKS.get(schema);
    this.#detach = fromText ? DETACH_PLANS.get(schema) : undefined;
  }

  add(get: Get, warn: Warn, line: number, extensions: Extensions): void {
    const candidate = this.build(get, warn, extensions);
    if (candidate === null) return;
    if (typeof candidate === "string") {
      return this.reject(line, get("sourcedId").trim(), candidate, /^column "([^"]+)"/.exec(candidate)?.[1]);
    }
    candidate.origin = { file: this.file, line };
    if (this.#fast && passes(this.#fast, candidate)) return this.#keep(candidate as unknown as T, line);
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
    this.#keep(parsed.data, line);
  }

  #keep(row: T, line: number): void {
    const known = this.#seen.size;
    // A new id is stored detached from the file's text (see detach.ts).
    const n = this.#seen.add(row.sourcedId, this.#detach ? detach : undefined);
    if (n < known) {
      const role = "role" in row ? String(row.role) : "";
      const kept = this.forward
        ? this.#roleIds.at(this.#roles.get(n))
        : (this.rows.at(n) as Record<string, unknown>).role;
      const firstRole = kept === undefined ? "" : String(kept);
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
    row.sourcedId = this.#seen.at(n);
    if (this.#detach) detachByPlan(row as unknown as Record<string, unknown>, this.#detach);
    if (this.forward) {
      const role = (row as Record<string, unknown>).role;
      this.#roles.set(n, this.#roleIds.add(role === undefined ? "" : String(role)));
      this.forward(row);
    } else this.rows.push(row);
  }

  /**
   * The kept rows, remembered with the table that numbered their ids when they are an array (see `rememberIds`): the
   * diagnostics' index of the file's rows by id then needs no table of its own. The table lives as long as the rows.
   *
   * @example
   * const users = sink.done(); // numberedIds(users) is the sink's table
   */
  done(): S {
    if (!this.forward && Array.isArray(this.rows)) rememberIds(this.rows, this.#seen);
    return this.rows;
  }

  /**
   * Makes each id in a kept row's list `field` the very string of the kept row it
   * names, where it names one: a user's agents name other users of the file,
   * and a copy of each id held twice costs 32 bytes an agent. Call it once the
   * file is read (an agent may come after the row that names it).
   *
   * @example
   * sink.shareIds("agentSourcedIds"); // each agent id now the very string of that user's sourcedId
   */
  shareIds(field: keyof T & string): void {
    for (const row of this.rows) {
      const ids = row[field];
      if (!Array.isArray(ids) || ids.length === 0 || Object.isFrozen(ids)) continue;
      for (let i = 0; i < ids.length; i++) {
        const n = this.#seen.indexOf(ids[i]);
        if (n !== -1) ids[i] = this.#seen.at(n);
      }
    }
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
