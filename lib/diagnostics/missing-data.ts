/**
 * Missing Data Finder: which schools, people, classes and enrollments the
 * roster has and the platform lacks, and the other way round, plus student
 * fields that differ (shared/findings.md, tool `missing-data`).
 */
import { type DiagnosticContext, diagnosticContext } from "./context.ts";
import { type EntityFile, fileMode, isActiveInSource, type Roster, type User } from "../model/roster.ts";
import type { PlatformSnapshot, Student, Teacher } from "../model/snapshot.ts";
import { normalizeGrade, normalizeName } from "../normalize.ts";
import { type Finding, finding } from "../model/findings.ts";
import type { PlatformIndex, SourceIndex } from "./indexes.ts";
import { readerOf } from "../model/platform-tables.ts";
import type { Rows } from "../model/rows.ts";
import { UserFields } from "../model/user-table.ts";
import {
  describePlatformClass,
  describePlatformPerson,
  describeSourceClass,
  describeSourceUser,
  gradeText,
  userName,
} from "./describe.ts";

type Cause = { code: string; entity: Record<string, string | number> };

/**
 * Compares a roster with the platform and reports every `missing-data` code.
 * Records whose file is a delta export, or absent, are never called
 * `not_in_source`: such a file cannot show what is gone.
 *
 * @example
 * const findings = findMissingData(roster, platform);
 * findings.filter((f) => f.code === "student.missing_in_platform").length // 4
 */
export function findMissingData(
  roster: Roster,
  platform: PlatformSnapshot,
  ctx: DiagnosticContext = diagnosticContext(roster, platform),
): Finding[] {
  const source = ctx.source;
  const plat = ctx.plat;
  const out: Finding[] = [];
  const canSayAbsent = (file: EntityFile) => fileMode(roster, file) === "bulk";

  // Causes for the enrollment cascade, by source id.
  // A school with no campus: its people and classes cannot be synced either (the root cause reports rank first).
  const missingCampuses = new Map<string, Cause>();
  const missingClasses = new Map<string, Cause>();
  const missingUsers = new Map<string, Cause>();
  const goneClasses = new Map<string, Cause>();
  const goneUsers = new Map<string, Cause>();
  const campusCause = (school: string | undefined) => {
    const cause = school === undefined ? undefined : missingCampuses.get(school);
    return cause ? { causedBy: cause } : {};
  };

  // Campuses
  for (const org of roster.orgs) {
    if (org.type !== "school" || !isActiveInSource(org)) continue;
    const campus = plat.campusBySource.get(org.sourcedId);
    if (campus && campus.deletedAt === null) continue;
    missingCampuses.set(org.sourcedId, { code: "campus.missing_in_platform", entity: { sourcedId: org.sourcedId } });
    out.push(finding({
      code: "campus.missing_in_platform",
      entity: { sourcedId: org.sourcedId },
      message:
        `School ${org.name.trim()} (${org.sourcedId}) is in the roster but has no active campus in the platform` +
        (campus ? ` (campus ${campus.id} was deleted ${campus.deletedAt})` : ""),
      details: {
        name: org.name,
        ...(campus ? { deletedCampus: { platformId: campus.id, deletedAt: campus.deletedAt } } : {}),
      },
      resolution: {
        action: "resync",
        explanation:
          "Run a roster sync; a school new this year needs its campus created. If it stays missing, check the district's licence covers it.",
      },
    }));
  }
  if (canSayAbsent("orgs")) {
    for (const campus of platform.campuses) {
      if (campus.deletedAt !== null || campus.sourceId === null || source.rejected.has(campus.sourceId)) continue;
      const org = source.orgs.get(campus.sourceId);
      if (org && org.type === "school" && isActiveInSource(org)) continue;
      out.push(finding({
        code: "campus.not_in_source",
        entity: { platformId: campus.id, sourcedId: campus.sourceId },
        message:
          `Campus ${campus.name.trim()} (platform ${campus.id}, ${campus.sourceId}) is active in the platform but the roster has no active school ${campus.sourceId}` +
          (org ? ` (the roster has it as ${org.type}, ${org.status})` : ""),
        details: { name: campus.name, ...(org ? { sourceStatus: org.status, sourceType: org.type } : {}) },
        resolution: {
          action: "contact_district",
          explanation:
            "Ask the district whether the school closed or was renamed in the SIS; a closed school's campus is soft-deleted by the next sync.",
        },
      }));
    }
  }

  // Students and teachers, their role and status read without making each user (user-table.ts)
  // Each active source person's platform record, and each platform person's active source user: joined once per run
  // by source id (people.ts), as rows of the records the context's indexes were built over.
  const users = new UserFields(roster.users);
  const platformRow = ctx.people.platformRow;
  for (const kind of ["student", "teacher"] as const) {
    const people: Rows<Student | Teacher> = kind === "student" ? ctx.platform.students : ctx.platform.teachers;
    const missingCode = kind === "student" ? "student.missing_in_platform" : "teacher.missing_in_platform";
    for (let i = 0; i < users.length; i++) {
      if (users.role(i) !== kind || !users.active(i)) continue;
      const person = platformRow[i] === -1 ? undefined : people.at(platformRow[i]);
      if (person && person.deletedAt === null) {
        if (kind === "student") studentFieldMismatches(out, users.user(i), person as Student, source, plat);
        continue;
      }
      const user = users.user(i);
      const entity = { sourcedId: user.sourcedId };
      missingUsers.set(user.sourcedId, { code: missingCode, entity });
      out.push(finding({
        code: missingCode,
        entity,
        message: `${describeSourceUser(user, source)} is in the roster but not in the platform` +
          (person ? ` (platform record ${person.id} was deleted ${person.deletedAt})` : ""),
        details: {
          name: userName(user),
          ...(kind === "student"
            ? { grade: user.grades[0] ?? "", studentNumber: user.identifier }
            : { email: user.email }),
          schools: user.orgSourcedIds,
          ...(person ? { deletedRecord: { platformId: person.id, deletedAt: person.deletedAt } } : {}),
          ...campusCause(user.orgSourcedIds.find((o) => missingCampuses.has(o))),
        },
        resolution: {
          action: "resync",
          explanation: person
            ? "The platform record was soft-deleted while the SIS still exports the person; a roster sync restores it. If it stays deleted, check the sync log for this id."
            : "Run a roster sync. If the person still does not appear, check the sync log for rejected rows with this id.",
        },
      }));
    }
    if (!canSayAbsent("users")) continue;
    const goneCode = kind === "student" ? "student.not_in_source" : "teacher.not_in_source";
    const activeSource = kind === "student" ? ctx.people.sourceStudent : ctx.people.sourceTeacher;
    const deletedAt = readerOf(people, "deletedAt");
    const sourceIdAt = readerOf(people, "sourceId");
    for (let r = 0; r < people.length; r++) {
      // Read field by field: a record is made whole only when it is not the active person wanted.
      if (activeSource[r] !== -1 || deletedAt(r) !== null) continue;
      const sourceId = sourceIdAt(r);
      if (sourceId === null || source.rejected.has(sourceId)) continue;
      const person = people.at(r)!;
      const user = source.users.get(sourceId);
      const entity = { platformId: person.id, sourcedId: sourceId };
      goneUsers.set(sourceId, { code: goneCode, entity });
      out.push(finding({
        code: goneCode,
        entity,
        message: `${capitalize(describePlatformPerson(kind, person, plat))} is active in the platform but ${
          whyAbsent(user, kind)
        }`,
        details: { name: `${person.firstName} ${person.lastName}`.trim(), ...sourceState(user) },
        resolution: {
          action: "resync",
          explanation:
            `The SIS no longer exports this ${kind} as active; a roster sync deactivates the platform record. If the ${kind} is still at the district, the district must fix the record in the SIS.`,
        },
      }));
    }
  }

  // Classes
  for (const cls of roster.classes) {
    if (!isActiveInSource(cls)) continue;
    const row = plat.classBySource.get(cls.sourcedId);
    if (row && row.deletedAt === null) continue;
    const entity = { sourcedId: cls.sourcedId };
    missingClasses.set(cls.sourcedId, { code: "class.missing_in_platform", entity });
    out.push(finding({
      code: "class.missing_in_platform",
      entity,
      message: `${capitalize(describeSourceClass(cls, source))} is in the roster but not in the platform` +
        (row ? ` (platform class ${row.id} was deleted ${row.deletedAt})` : ""),
      details: {
        title: cls.title,
        school: cls.schoolSourcedId,
        ...(row ? { deletedRecord: { platformId: row.id, deletedAt: row.deletedAt } } : {}),
        ...campusCause(cls.schoolSourcedId),
      },
      resolution: {
        action: "resync",
        explanation: "Run a roster sync; the class and its enrollments are created with it.",
      },
    }));
  }
  if (canSayAbsent("classes")) {
    for (const row of platform.classes) {
      if (row.deletedAt !== null || row.sourceId === null || source.rejected.has(row.sourceId)) continue;
      const cls = source.classes.get(row.sourceId);
      if (cls && isActiveInSource(cls)) continue;
      const entity = { platformId: row.id, sourcedId: row.sourceId };
      goneClasses.set(row.sourceId, { code: "class.not_in_source", entity });
      out.push(finding({
        code: "class.not_in_source",
        entity,
        message: `${capitalize(describePlatformClass(row, plat))} is active in the platform but ${
          cls ? `the roster marks it ${cls.status}` : "is not in the roster"
        }`,
        details: { title: row.title, ...(cls ? { sourceStatus: cls.status } : {}) },
        resolution: {
          action: "resync",
          explanation: "The SIS no longer exports this class; a roster sync deactivates it and its enrollments.",
        },
      }));
    }
  }

  // Enrollments
  for (const [, , , [e]] of source.activeEnrollments.notIn(plat.activeEnrollments)) {
    const cause = missingClasses.get(e.classSourcedId) ?? missingUsers.get(e.userSourcedId);
    const user = source.users.get(e.userSourcedId);
    const cls = source.classes.get(e.classSourcedId);
    out.push(finding({
      code: "enrollment.missing_in_platform",
      entity: { classSourcedId: e.classSourcedId, userSourcedId: e.userSourcedId, role: e.role },
      message: `${user ? describeSourceUser(user, source) : `User ${e.userSourcedId}`} is enrolled as ${e.role} in ` +
        `${
          cls ? describeSourceClass(cls, source) : `class ${e.classSourcedId}`
        } in the roster but not in the platform` +
        (cause ? ` (because of ${cause.code})` : ""),
      details: { enrollmentSourcedId: e.sourcedId, ...(cause ? { causedBy: cause } : {}) },
      resolution: {
        action: "resync",
        explanation: cause
          ? `Fix ${cause.code} first; this enrollment follows once the ${cause.code.split(".")[0]} exists.`
          : "Run a roster sync; the enrollment is created with it.",
      },
    }));
  }
  if (canSayAbsent("enrollments")) {
    for (const [classSourcedId, userSourcedId, role, rows] of plat.activeEnrollments.notIn(source.activeEnrollments)) {
      for (const e of rows) {
        if (e.sourceId === null || source.rejected.has(e.sourceId)) continue;
        const cause = goneClasses.get(classSourcedId) ?? goneUsers.get(userSourcedId);
        const cls = plat.classBySource.get(classSourcedId)!;
        const person = role === "student"
          ? plat.studentBySource.get(userSourcedId)
          : plat.teacherBySource.get(userSourcedId);
        out.push(finding({
          code: "enrollment.not_in_source",
          entity: { classSourcedId, userSourcedId, role, platformId: e.id },
          message:
            `${
              capitalize(describePlatformPerson(role as "student" | "teacher", person!, plat))
            } is enrolled as ${role} in ` +
            `${describePlatformClass(cls, plat)} in the platform but not in the roster` +
            (cause ? ` (because of ${cause.code})` : ""),
          details: { enrollmentSourceId: e.sourceId, ...(cause ? { causedBy: cause } : {}) },
          resolution: {
            action: "resync",
            explanation: cause
              ? `Follows from ${cause.code}; the sync that fixes it removes this enrollment too.`
              : "The SIS no longer exports this enrollment; a roster sync removes it.",
          },
        }));
      }
    }
  }
  return out;
}

/**
 * The student fields compared: each side's value as written (`user`,
 * `student`) and the one normalisation both sides go through before they are
 * compared, so that values equal as written need no normalising.
 */
const FIELDS = [
  {
    field: "first_name",
    user: (u: User) => u.givenName,
    student: (s: Student) => s.firstName,
    normalize: normalizeName,
  },
  {
    field: "last_name",
    user: (u: User) => u.familyName,
    student: (s: Student) => s.lastName,
    normalize: normalizeName,
  },
  {
    field: "grade",
    user: (u: User) => u.grades[0],
    student: (s: Student) => s.grade,
    normalize: normalizeGrade,
  },
  {
    field: "student_number",
    user: (u: User) => u.identifier,
    student: (s: Student) => s.studentNumber,
    normalize: (v: string | null | undefined) => (v ?? "").trim(),
  },
] as const;

/** Pushes onto `out` a finding for each student field the roster and the platform disagree on. */
function studentFieldMismatches(
  out: Finding[],
  user: User,
  student: Student,
  source: SourceIndex,
  plat: PlatformIndex,
): void {
  for (const f of FIELDS) {
    const asWritten = f.user(user);
    const platformAsWritten = f.student(student);
    // Equal as written: equal once normalised (most students, most fields).
    if (asWritten === platformAsWritten) continue;
    const sourceValue = f.normalize(asWritten);
    const platformValue = f.normalize(platformAsWritten);
    if (sourceValue === platformValue) continue;
    const shown = (v: string) => f.field === "grade" ? gradeText(v) || "(none)" : v ? `"${v}"` : "(empty)";
    out.push(finding({
      code: "student.field_mismatch",
      entity: { sourcedId: user.sourcedId, platformId: student.id, field: f.field },
      message: `${describeSourceUser(user, source)}: ${f.field} is ${shown(sourceValue)} in the roster but ${
        shown(platformValue)
      } in the platform (student ${student.id})`,
      details: {
        source: sourceValue,
        platform: platformValue,
        campus: student.campusId === null ? null : plat.campusById.get(student.campusId)?.name ?? null,
      },
      resolution: {
        action: "resync",
        explanation:
          "The roster is the source of truth for student fields; a roster sync updates the platform. If the roster value is wrong, the district corrects it in the SIS.",
      },
    }));
  }
}

function whyAbsent(user: User | undefined, kind: string): string {
  if (!user) return "is not in the roster";
  if (user.role !== kind) return `the roster has ${user.sourcedId} as ${user.role}`;
  if (user.status !== "active") return `the roster marks it ${user.status}`;
  return "the roster has it with enabledUser false";
}

function sourceState(user: User | undefined): Record<string, unknown> {
  if (!user) return {};
  return { sourceRole: user.role, sourceStatus: user.status, sourceEnabledUser: user.enabledUser };
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
