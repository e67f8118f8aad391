/**
 * Campus Transfer Validator: students whose school changed in the roster but
 * not in the platform, enrollments left behind at the old campus, duplicate
 * records a transfer created, and parents left linked to the stale record
 * (shared/findings.md, tool `campus-transfer`).
 */
import { type DiagnosticContext, diagnosticContext } from "./context.ts";
import type { Roster, User } from "../model/roster.ts";
import type { Campus, PlatformClass, PlatformEnrollment, PlatformSnapshot, Student } from "../model/snapshot.ts";
import type { Rows } from "../model/rows.ts";
import { type Finding, finding } from "../model/findings.ts";
import { activeUser, denseSlots, type PlatformIndex, type SourceIndex } from "./indexes.ts";
import { PlatformEnrollmentTable } from "../model/platform-enrollment-table.ts";
import { describeSourceUser } from "./describe.ts";
import { IdTable } from "../id-table.ts";
import { IntList } from "../int-list.ts";
import { UserFields, UserTable } from "../model/user-table.ts";
import { readerOf } from "../model/platform-tables.ts";

/**
 * Reports every `campus-transfer` code.
 *
 * @example
 * findCampusTransfers(roster, platform).filter((f) => f.code === "transfer.duplicate_student")
 */
export function findCampusTransfers(
  roster: Roster,
  platform: PlatformSnapshot,
  ctx: DiagnosticContext = diagnosticContext(roster, platform),
): Finding[] {
  const source = ctx.source;
  const plat = ctx.plat;
  const out: Finding[] = [];

  // The records the platform index's row places point into: the context's, which the index was built over.
  const indexed = ctx.platform.students;
  // Each active source student's platform record and each platform record's active source student (people.ts).
  const { platformRow, sourceStudent } = ctx.people;
  const stale = staleEnrollments(
    source,
    plat,
    { records: indexed, platformRow, sourceStudent, users: roster.users },
    ctx.platform.classes,
    platform.enrollments,
  );

  const isSchool = (id: string) => source.orgs.get(id)?.type === "school";
  // Read field by field: a user is made whole only for a finding (user-table.ts).
  const users = new UserFields(roster.users);
  for (let i = 0; i < users.length; i++) {
    if (users.role(i) !== "student" || !users.active(i) || platformRow[i] === -1) continue;
    const student = indexed.at(platformRow[i])!;
    if (student.deletedAt !== null) continue;
    const campus = student.campusId === null ? undefined : plat.campusById.get(student.campusId);
    const left = stale.get(student.id);
    // Most students are at one of their schools in the roster, with nothing left behind: no finding, and no list
    // of their schools made (a million arrays at 1,000,000 students).
    const orgs = users.orgs(i);
    const there = !!campus?.sourceId && isSchool(campus.sourceId) && orgs.includes(campus.sourceId);
    if (there && !left) continue;
    const schools = orgs.filter(isSchool);
    if (schools.length === 0) continue;
    const moved = !there;
    const user = users.user(i);
    const target = plat.campusBySource.get(schools[0]);
    const sourceSchool = {
      sourcedId: schools[0],
      name: source.orgs.get(schools[0])!.name,
      platformId: target && target.deletedAt === null ? target.id : null,
    };
    const platformCampus = campus ? { platformId: campus.id, sourcedId: campus.sourceId, name: campus.name } : null;
    let notUpdated: Finding | undefined;
    if (moved) {
      notUpdated = finding({
        code: "transfer.campus_not_updated",
        entity: { sourcedId: user.sourcedId, platformId: student.id },
        message:
          `${describeSourceUser(user, source)} is at ${sourceSchool.name} (${sourceSchool.sourcedId}) in the roster ` +
          `but at ${
            campus ? `${campus.name} (${campus.sourceId ?? `platform ${campus.id}`})` : "no campus"
          } in the platform (student ${student.id})`,
        details: { sourceSchool, sourceSchools: schools, platformCampus },
        resolution: {
          action: "resync",
          explanation:
            "The transfer has not reached the platform; a roster sync moves the student's campus. The fix script can move it now.",
        },
      });
      out.push(notUpdated);
    }
    if (left?.length) {
      out.push(finding({
        code: "transfer.stale_enrollments",
        entity: { sourcedId: user.sourcedId, platformId: student.id },
        message:
          `${describeSourceUser(user, source)} keeps ${left.length} active enrollment${left.length === 1 ? "" : "s"} ` +
          `at ${[...new Set(left.map((s) => s.campus))].join(", ")} that the roster no longer has: ${
            left.map((s) => s.title).join("; ")
          }`,
        details: {
          classes: left,
          sourceSchool,
          ...(notUpdated ? { causedBy: { code: notUpdated.code, entity: notUpdated.entity } } : {}),
        },
        resolution: {
          action: "soft_delete",
          explanation:
            "The old campus's enrollments outlived the transfer; a roster sync removes them, or the fix script soft-deletes them.",
        },
      }));
    }
  }

  // Active platform records sharing one student number: numbers numbered in order of first appearance (an IdTable:
  // a Map of 200,000 numbers costs ten times as much beside a heap of a million rows), the first record of each
  // number kept, and a list only where there are two or more.
  // Kept as rows of platform.students, read field by field: a student is made whole only when asked for.
  const students = platform.students;
  const numberAt = readerOf(students, "studentNumber");
  const deletedAt = readerOf(students, "deletedAt");
  const numbers = new IdTable(students.length);
  const firstOf = new IntList(1024);
  const shared = new Map<number, number[]>();
  for (let i = 0; i < students.length; i++) {
    if (deletedAt(i) !== null) continue;
    const number = (numberAt(i) ?? "").trim();
    if (!number) continue;
    const n = numbers.add(number);
    if (n === firstOf.length) firstOf.push(i);
    else {
      const list = shared.get(n);
      if (list) list.push(i);
      else shared.set(n, [firstOf.at(n), i]);
    }
  }
  const recordsOf = (number: string): Student[] => {
    const n = numbers.indexOf(number);
    return n === -1 ? [] : (shared.get(n) ?? [firstOf.at(n)]).map((i) => students.at(i)!);
  };
  for (const n of [...shared.keys()].sort((a, b) => a - b)) {
    const number = numbers.at(n);
    const students = recordsOf(number);
    const records = students.map((s) => ({
      platformId: s.id,
      sourcedId: s.sourceId,
      name: `${s.firstName} ${s.lastName}`.trim(),
      campus: s.campusId === null ? null : plat.campusById.get(s.campusId)?.name ?? null,
      inSource: inSource(s, source),
    }));
    out.push(finding({
      code: "transfer.duplicate_student",
      entity: { studentNumber: number },
      message: `Student number ${number} has ${students.length} active platform records: ` +
        records.map((r) =>
          `${r.name} (platform ${r.platformId}, ${r.sourcedId ?? "no source id"}, ${r.campus ?? "no campus"}${
            r.inSource ? "" : ", not in the roster"
          })`
        ).join("; "),
      details: { students: records },
      resolution: {
        action: "merge_records",
        explanation:
          "A transfer or a re-identification in the SIS created a second record; merge them into the one the roster still has, moving parent links and reading history.",
      },
    }));
  }

  // Parents left linked to a stale record of a student number whose active record they do not see.
  // First the links to a stale record (few), then only those parents' links.
  // The links and their students read by row: a million and a half links, none made whole.
  const links = platform.parentStudents;
  const linkParent = readerOf(links, "parentId");
  const linkStudent = readerOf(links, "studentId");
  const linkDeleted = readerOf(links, "deletedAt");
  // Read by the index's row places: from the records it was built over.
  const indexedNumber = readerOf(indexed, "studentNumber");
  const indexedDeleted = readerOf(indexed, "deletedAt");
  const staleLinks = new Map<number, Set<number>>();
  for (let i = 0; i < links.length; i++) {
    if (linkDeleted(i) !== null) continue;
    const parentId = linkParent(i);
    const studentId = linkStudent(i);
    if (staleLinks.get(parentId)?.has(studentId)) continue;
    const stale = plat.studentById.rowOf(studentId);
    if (stale === -1) continue;
    const number = (indexedNumber(stale) ?? "").trim();
    if (!number || (indexedDeleted(stale) === null && sourceStudent[stale] !== -1)) continue;
    const parent = plat.parentById.get(parentId);
    if (!parent || parent.deletedAt !== null) continue;
    let set = staleLinks.get(parentId);
    if (!set) staleLinks.set(parentId, set = new Set());
    set.add(studentId);
  }
  const linksByParent = new Map<number, Set<number>>();
  if (staleLinks.size) {
    for (const ps of platform.parentStudents) {
      if (ps.deletedAt !== null || !staleLinks.has(ps.parentId)) continue;
      let set = linksByParent.get(ps.parentId);
      if (!set) linksByParent.set(ps.parentId, set = new Set());
      set.add(ps.studentId);
    }
  }
  for (const [parentId, staleIds] of staleLinks) {
    const parent = plat.parentById.get(parentId)!;
    const studentIds = linksByParent.get(parentId)!;
    for (const studentId of staleIds) {
      const stale = plat.studentById.get(studentId)!;
      const number = (stale.studentNumber ?? "").trim();
      const current = recordsOf(number).filter((s) => s.id !== stale.id);
      if (current.length === 0 || current.some((s) => studentIds.has(s.id))) continue;
      out.push(finding({
        code: "transfer.parent_link_on_stale_record",
        entity: { parentPlatformId: parent.id, studentPlatformId: stale.id },
        message:
          `Parent account ${parent.email.trim()} (platform ${parent.id}) is linked to student record ${stale.id} ` +
          `(${stale.firstName} ${stale.lastName}, ${stale.sourceId ?? "no source id"}, ${
            stale.deletedAt ? `deleted ${stale.deletedAt}` : "not in the roster"
          }) ` +
          `but not to the active record ${
            current.map((s) => `${s.id} (${s.sourceId ?? "no source id"})`).join(", ")
          } of student number ${number}`,
        details: {
          staleRecord: { platformId: stale.id, sourcedId: stale.sourceId, deletedAt: stale.deletedAt },
          activeRecords: current.map((s) => ({ platformId: s.id, sourcedId: s.sourceId })),
          studentNumber: number,
        },
        resolution: {
          action: "relink_parent",
          explanation:
            "Move the parent's link from the stale record to the active one (the fix script does it), so the parent sees the child's current classes.",
        },
      }));
    }
  }
  return out;
}

/** Whether a platform record is an active source student's (read field by field where the users are a table). */
function inSource(student: Student, source: SourceIndex): boolean {
  return student.sourceId !== null && activeUser(source.users, student.sourceId, "student") !== -1;
}

/** A platform enrollment the roster no longer has at a campus the student left. */
interface StaleEnrollment {
  platformId: number;
  classPlatformId: number;
  classSourcedId: string | null;
  title: string;
  campus: string;
}

/**
 * Active students' active enrollments in classes at a campus that is not one
 * of the student's schools in the roster, and that the roster does not have,
 * by platform student id, in enrollment order. One pass over the enrollments,
 * keeping only what is stale (a list per student would be millions of arrays);
 * what an enrollment's class and student allow is worked out once per class
 * and once per student, as numbers: the campus's source id numbered, each
 * class's school and each student's orgs by those numbers, so that the ten
 * million enrollments of a 1,000,000-student district are asked of typed
 * arrays, not of objects and strings.
 */
function staleEnrollments(
  source: SourceIndex,
  plat: PlatformIndex,
  students: {
    /** The platform's students the index was built over. */
    records: Rows<Student>;
    /** By row of the roster's users: its platform record's row (see PeopleJoin). */
    platformRow: Int32Array;
    /** By row of `records`: the row of its active source student (see PeopleJoin). */
    sourceStudent: Int32Array;
    users: Rows<User>;
  },
  platformClasses: Rows<PlatformClass>,
  enrollments: Rows<PlatformEnrollment>,
): Map<number, StaleEnrollment[]> {
  const campusNumber = (sourceId: string) => plat.campusBySource.numberOf(sourceId);
  // Active classes at a campus the roster can name, by slot; with the campus's number when the roster calls it a
  // school (NOT_SCHOOL else): asked once per class, not once per enrollment.
  // Each class kept as its row among the classes the index was built over, read field by field (no class made whole
  // to be kept: 370,000 at 1,000,000 students), with its campus.
  const classDeleted = readerOf(platformClasses, "deletedAt");
  const classCampus = readerOf(platformClasses, "campusId");
  const classSourceId = readerOf(platformClasses, "sourceId");
  const classTitle = readerOf(platformClasses, "title");
  const classes: { row: number; campus: Campus & { sourceId: string } }[] = [];
  const classIds: number[] = [];
  const schools: number[] = [];
  for (const id of plat.classById.keys()) {
    const row = plat.classById.rowOf(id);
    const campusId = classCampus(row);
    if (classDeleted(row) !== null || campusId === null) continue;
    const campus = plat.campusById.get(campusId);
    if (!campus?.sourceId) continue;
    classes.push({ row, campus: campus as Campus & { sourceId: string } });
    classIds.push(id);
    schools.push(source.orgs.get(campus.sourceId)?.type === "school" ? campusNumber(campus.sourceId) : NOT_SCHOOL);
  }
  // Only the records the caller asks about: an active source student's platform record (not a twin); with the
  // numbers of the student's orgs that are campuses (the first in an array, any more in a Map: most have one).
  // The student records themselves, and the orgs outside the heap: an object per student, and arrays grown push by
  // push, left their copies in the old generation at 1,000,000 students (see int-list.ts). Ids stay numbers: a
  // platform id need not fit in 32 bits.
  // Each record kept as its row among the platform's students, read field by field (and each source user likewise
  // where the users are a table): no record or user made whole.
  const platformStudents = students.records;
  const sourceIdAt = readerOf(platformStudents, "sourceId");
  const userTable = students.users instanceof UserTable ? students.users : undefined;
  const orgsOf = (user: number): readonly string[] =>
    userTable ? userTable.orgsAt(user) : students.users.at(user)!.orgSourcedIds;
  const rows = new IntList(plat.studentById.size);
  const studentIds: number[] = [];
  const firstOrg = new IntList(plat.studentById.size);
  const moreOrgs = new Map<number, number[]>();
  for (const id of plat.studentById.keys()) {
    const row = plat.studentById.rowOf(id);
    const user = students.sourceStudent[row];
    if (user === -1 || !sourceIdAt(row)) continue;
    const orgs = orgsOf(user);
    // Not a twin: the very record the index by source id holds for the student (the same place, or in a list built
    // by hand the same record at two places).
    const kept = students.platformRow[user];
    if (kept !== row && !(Array.isArray(platformStudents) && platformStudents[kept] === platformStudents[row])) {
      continue;
    }
    const slot = rows.length;
    rows.push(row);
    studentIds.push(id);
    let first = -1;
    for (const org of orgs) {
      const n = campusNumber(org);
      if (n === -1) continue;
      if (first === -1) first = n;
      else {
        const more = moreOrgs.get(slot);
        if (more) more.push(n);
        else moreOrgs.set(slot, [n]);
      }
    }
    firstOrg.push(first);
  }
  const classSlot = denseSlots(classIds);
  const studentSlot = denseSlots(studentIds);
  const school = Int32Array.from(schools);
  const org = firstOrg.view();
  const out = new Map<number, StaleEnrollment[]>();
  const visit = (id: number, classId: number, studentId: number) => {
    const c = classSlot(classId);
    if (c === -1) return;
    const s = studentSlot(studentId);
    if (s === -1) return;
    // At one of the student's schools (as the roster says): not stale.
    const at = school[c];
    if (at !== NOT_SCHOOL && (org[s] === at || moreOrgs.get(s)?.includes(at))) return;
    const { row: clsRow, campus } = classes[c];
    const classSourcedId = classSourceId(clsRow);
    if (classSourcedId && source.activeEnrollments.has(classSourcedId, sourceIdAt(rows.at(s))!, "student")) return;
    const row = {
      platformId: id,
      classPlatformId: classIds[c],
      classSourcedId,
      title: classTitle(clsRow),
      campus: campus.name,
    };
    const list = out.get(studentIds[s]);
    if (list) list.push(row);
    else out.set(studentIds[s], [row]);
  };
  // Read from the columns: no row made again for each of millions of enrollments.
  const table = PlatformEnrollmentTable.of(enrollments);
  for (let i = 0; i < table.count; i++) {
    const studentId = table.studentIds.get(i);
    if (table.deletedAt.has(i) || studentId !== studentId) continue;
    visit(table.ids.get(i), table.classIds.get(i), studentId);
  }
  return out;
}

/** A class whose campus the roster does not call a school: no student is at it. */
const NOT_SCHOOL = -2;
