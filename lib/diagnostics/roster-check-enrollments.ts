/**
 * roster-check's checks of enrollments.csv, one enrollment at a time. Over a
 * roster that keeps its enrollments, checkRoster feeds them through these
 * checks; on a large export they run while the file is read (the reader's
 * `onEnrollments`), so that ten million enrollments are checked without ever
 * being kept (see {@link rosterCheckStream}).
 */
import {
  type Class,
  type Enrollment,
  type EntityFile,
  fileMode,
  GUARDIAN_ROLES,
  isActiveInSource,
  type Org,
  type Roster,
} from "../model/roster.ts";
import { type Finding, finding } from "../model/findings.ts";
import { type SourceIndex, tableOf } from "./indexes.ts";
import { listText, userName } from "./describe.ts";

/** The resolution of a finding fixed in the export. */
export const fix = (explanation: string) => ({ action: "fix_export" as const, explanation });
/** The resolution of a finding fixed in the SIS. */
export const FIX_IN_SIS = (explanation: string) => ({ action: "fix_in_sis" as const, explanation });

/** An ISO date, as the date-order check reads it. */
export const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The `value.date_order` finding of a record that begins after it ends, if it does. */
export function dateOrder(
  file: string,
  sourcedId: string,
  begin: string | undefined,
  end: string | undefined,
  what: string,
): Finding | undefined {
  if (!begin || !end || !ISO_DATE.test(begin) || !ISO_DATE.test(end) || begin <= end) return undefined;
  return finding({
    code: "value.date_order",
    entity: { file, sourcedId },
    message: `${file}: ${sourcedId} ${what} ${begin} after it ends ${end}`,
    details: { begin, end },
    resolution: fix("Correct the dates (endDate is the last day, or the day after in 1.2's roles)."),
  });
}

/** The `reference.unresolved` finding of a column naming a record the export lacks. */
export function unresolvedReference(
  file: string,
  sourcedId: string,
  column: string,
  target: string,
  what: string,
): Finding {
  return finding({
    code: "reference.unresolved",
    entity: { file, sourcedId, column, target },
    message: `${file}: ${sourcedId}'s ${column} names ${what} "${target}", which is not in the export`,
    details: {},
    resolution: fix("Export the referenced record, or correct the reference."),
  });
}

/**
 * Checks a column that must name a school: the `reference.unresolved` or
 * `reference.not_a_school` finding it deserves, if any (none for an id on a
 * refused row). Rows name the same school again and again: the last answer
 * is kept.
 *
 * @example
 * const school = schoolReference(src);
 * school("classes.csv", "cls-1", "schoolSourcedId", "dist-1")?.code // "reference.not_a_school"
 */
export function schoolReference(
  src: SourceIndex,
): (file: string, sourcedId: string, column: string, target: string) => Finding | undefined {
  let lastTarget: string | undefined;
  let lastOrg: Org | undefined | null;
  return (file, sourcedId, column, target) => {
    if (!target) return undefined;
    if (target !== lastTarget) {
      lastTarget = target;
      lastOrg = src.rejected.has(target) ? null : src.orgs.get(target);
    }
    const org = lastOrg;
    if (org === null) return undefined;
    if (!org) return unresolvedReference(file, sourcedId, column, target, "org");
    if (org.type === "school") return undefined;
    return finding({
      code: "reference.not_a_school",
      entity: { file, sourcedId, column, target },
      message: `${file}: ${sourcedId}'s ${column} names "${target}" (${org.name}), a ${org.type}, not a school`,
      details: { type: org.type },
      resolution: fix("Point the reference at the school's org."),
    });
  };
}

/** The checks of one roster's enrollments, fed one at a time. */
export interface EnrollmentChecks {
  /**
   * Checks one enrollment. `user`, when the reader has one, is its number for the row's user (the same number for
   * the same userSourcedId throughout one read): the user is then looked up once per number, not once per row.
   */
  check(e: Enrollment, user?: number): void;
  /** Classes with an active teacher enrollment. */
  readonly taught: ReadonlySet<string>;
  /** Active enrollments by their school's id. */
  readonly bySchool: ReadonlyMap<string, number>;
  /**
   * The reference findings, once every enrollment is checked. With
   * `rejected`, the final set of ids on rows the reader refused, a reference
   * to one is dropped even when its row was refused after the enrollment was
   * checked (enrollments.csv's own refused rows, when enrollments stream).
   */
  references(rejected?: ReadonlySet<string>): Finding[];
  /** The `value.date_order` findings. */
  readonly dates: readonly Finding[];
}

/**
 * Starts the checks of a roster's enrollments against the roster's other
 * files (`src` indexes them; it need not know the enrollments).
 *
 * @example
 * const checks = enrollmentChecks(roster, indexSource(roster));
 * for (const e of roster.enrollments) checks.check(e);
 * checks.references();
 */
export function enrollmentChecks(roster: Roster, src: SourceIndex): EnrollmentChecks {
  const out: Finding[] = [];
  // Findings that a refused row's id silences, with that id: the final word is given in references().
  const guarded: Array<{ target: string; finding: Finding }> = [];
  const dates: Finding[] = [];
  const taught = new Set<string>();
  const bySchool = new Map<string, number>();
  const bulk = (file: EntityFile) => fileMode(roster, file) === "bulk";
  const checkSchools = bulk("orgs");
  const bulkClasses = bulk("classes");
  const bulkUsers = bulk("users");
  const unresolved = (sourcedId: string, column: string, target: string, what: string) =>
    guarded.push({ target, finding: unresolvedReference("enrollments.csv", sourcedId, column, target, what) });
  const schoolOf = schoolReference(src);
  const school = (sourcedId: string, target: string) => {
    const f = schoolOf("enrollments.csv", sourcedId, "schoolSourcedId", target);
    if (f) guarded.push({ target, finding: f });
  };

  // Rows come grouped by class and school: the last answers are kept.
  let lastClassId: string | undefined;
  let lastClass: Class | undefined;
  let lastCountedSchool: string | undefined;
  let counted = 0;
  let passedBegin: string | undefined;
  let passedEnd: string | undefined;
  // The user of each number (its number in src.users, or -1), with the id it was looked up by (a number that names
  // another id is looked up again).
  const keysByNumber: number[] = [];
  const idsByNumber: string[] = [];
  const keyOf = (e: Enrollment, n: number | undefined): number => {
    if (n === undefined) return src.users.numberOf(e.userSourcedId);
    if (idsByNumber[n] === e.userSourcedId) return keysByNumber[n];
    const key = src.users.numberOf(e.userSourcedId);
    // Numbers come nearly in order; one far beyond the others (a reader's bug) is not worth a sparse array.
    if (n >= 0 && n <= idsByNumber.length + 65_536) {
      idsByNumber[n] = e.userSourcedId;
      keysByNumber[n] = key;
    }
    return key;
  };
  // A user's role, status and schools, read from the table's columns where the index is a user table's (its numbers
  // are the table's rows): ten million enrollments made no user whole; else from the index's own row.
  const table = tableOf(src.users);
  const roleOf = (k: number) => table ? table.roleAt(k) : src.users.at(k)!.role;
  const statusOf = (k: number) => table ? table.statusAt(k) : src.users.at(k)!.status;
  const orgsOf = (k: number) => table ? table.orgsAt(k) : src.users.at(k)!.orgSourcedIds;
  const check = (e: Enrollment, n?: number) => {
    if (checkSchools) school(e.sourcedId, e.schoolSourcedId);
    if (e.classSourcedId !== lastClassId) lastClass = src.classes.get(lastClassId = e.classSourcedId);
    const cls = lastClass;
    const k = keyOf(e, n);
    if (!cls && bulkClasses && !src.rejected.has(e.classSourcedId)) {
      unresolved(e.sourcedId, "classSourcedId", e.classSourcedId, "class");
    }
    if (k === -1 && bulkUsers && !src.rejected.has(e.userSourcedId)) {
      unresolved(e.sourcedId, "userSourcedId", e.userSourcedId, "user");
    }
    if (cls && e.schoolSourcedId && cls.schoolSourcedId && e.schoolSourcedId !== cls.schoolSourcedId) {
      out.push(finding({
        code: "reference.enrollment_school_mismatch",
        entity: { sourcedId: e.sourcedId },
        message:
          `enrollments.csv: ${e.sourcedId} says school ${e.schoolSourcedId}, but its class ${cls.sourcedId} is at ${cls.schoolSourcedId}`,
        details: { enrollmentSchool: e.schoolSourcedId, classSchool: cls.schoolSourcedId },
        resolution: fix("Use the class's school on the enrollment."),
      }));
    }
    if (k !== -1 && (e.role === "student" || e.role === "teacher")) {
      const role = roleOf(k);
      const wrong = e.role === "student" ? role !== "student" : role === "student" || GUARDIAN_ROLES.has(role);
      if (wrong) {
        const user = src.users.at(k)!;
        out.push(finding({
          code: "reference.enrollment_role_mismatch",
          entity: { sourcedId: e.sourcedId },
          message: `enrollments.csv: ${e.sourcedId} enrolls ${user.sourcedId} (${
            userName(user)
          }, a ${user.role}) as ${e.role} in ${e.classSourcedId}`,
          details: { enrollmentRole: e.role, userRole: user.role },
          resolution: FIX_IN_SIS(
            "Enroll the person with their own role; a sync would make a teacher a student (or the reverse).",
          ),
        }));
      }
    }
    if (e.status === "active") {
      if (cls?.status === "tobedeleted") out.push(activeToDeleted(e.sourcedId, "classSourcedId", e.classSourcedId));
      if (k !== -1 && statusOf(k) === "tobedeleted") {
        out.push(activeToDeleted(e.sourcedId, "userSourcedId", e.userSourcedId));
      }
    }
    const active = isActiveInSource(e);
    if (k !== -1 && cls && e.role === "student" && active && !orgsOf(k).includes(cls.schoolSourcedId)) {
      const user = src.users.at(k)!;
      out.push(finding({
        code: "reference.student_not_at_class_school",
        entity: { sourcedId: e.sourcedId },
        message: `enrollments.csv: student ${user.sourcedId} (${
          userName(user)
        }) is enrolled in ${cls.sourcedId} at ${cls.schoolSourcedId}, which is not among the student's schools (${
          listText(user.orgSourcedIds) || "none"
        })`,
        details: { classSchool: cls.schoolSourcedId, studentSchools: user.orgSourcedIds },
        resolution: FIX_IN_SIS(
          "Add the school to the student's orgs, or move the enrollment; a platform sync may put the student in the wrong campus.",
        ),
      }));
    }
    // Most rows carry their term's dates: a pair of dates that passed is not tested again.
    if (e.beginDate !== passedBegin || e.endDate !== passedEnd) {
      const order = dateOrder("enrollments.csv", e.sourcedId, e.beginDate, e.endDate, "begins");
      if (order) dates.push(order);
      else {
        passedBegin = e.beginDate;
        passedEnd = e.endDate;
      }
    }
    if (active) {
      if (e.role === "teacher") taught.add(e.classSourcedId);
      if (e.schoolSourcedId !== lastCountedSchool) {
        count();
        lastCountedSchool = e.schoolSourcedId;
      }
      counted++;
    }
  };
  const count = () => {
    if (lastCountedSchool === undefined) return;
    bySchool.set(lastCountedSchool, (bySchool.get(lastCountedSchool) ?? 0) + counted);
    counted = 0;
  };

  return {
    check,
    taught,
    get bySchool() {
      count();
      return bySchool;
    },
    dates,
    references(rejected) {
      const all: Finding[] = [];
      for (const g of guarded) if (!rejected?.has(g.target)) all.push(g.finding);
      for (const f of out) all.push(f);
      return all;
    },
  };
}

function activeToDeleted(sourcedId: string, column: string, target: string): Finding {
  return finding({
    code: "reference.active_to_deleted",
    entity: { file: "enrollments.csv", sourcedId, column, target },
    message: `enrollments.csv: active enrollment ${sourcedId} points at ${target}, which is tobedeleted`,
    details: {},
    resolution: fix("Mark the enrollment tobedeleted with its class or user."),
  });
}
