/**
 * Plants known problems in a generated district and says exactly which
 * findings each one must produce, cascades included, so tests and the demo
 * can check the tools against a known answer.
 */
import type { FindingCode } from "../model/findings.ts";
import { GUARDIAN_ROLES, type User } from "../model/roster.ts";
import type { Parent, Student } from "../model/snapshot.ts";
import { normalizeEmail } from "../normalize.ts";
import type { DemoDistrict } from "./generate.ts";

/** A finding a planted problem must produce. */
export interface PlantedFinding {
  code: FindingCode;
  entity: Record<string, string | number>;
  /** What was planted, for test messages. */
  why: string;
}

const DELETED_AT = "2026-11-20 09:30:00+00";

/** Lookups and bookkeeping shared by the planting steps. */
class Planter {
  planted: PlantedFinding[] = [];
  #used = new Set<string>();

  constructor(readonly d: DemoDistrict) {}

  plant(code: FindingCode, entity: Record<string, string | number>, why: string) {
    this.planted.push({ code, entity, why });
  }
  get roster() {
    return this.d.roster;
  }
  get platform() {
    return this.d.platform;
  }
  schools() {
    return this.roster.orgs.filter((o) => o.type === "school" && o.sourcedId !== "sch-new");
  }
  guardiansOf(student: User): User[] {
    return this.roster.users.filter((u) =>
      GUARDIAN_ROLES.has(u.role) &&
      (u.agentSourcedIds.includes(student.sourcedId) || student.agentSourcedIds.includes(u.sourcedId))
    );
  }
  studentsOf(guardian: User): User[] {
    return this.roster.users.filter((u) =>
      u.role === "student" &&
      (guardian.agentSourcedIds.includes(u.sourcedId) || u.agentSourcedIds.includes(guardian.sourcedId))
    );
  }
  /** An unused student matching `ok`, marked used together with its guardians and siblings. */
  student(ok: (u: User) => boolean): User {
    const found = this.roster.users.find((u) => u.role === "student" && !this.#used.has(u.sourcedId) && ok(u));
    if (!found) throw new Error("the district is too small to plant every problem; generate at least 300 students");
    this.use(found);
    return found;
  }
  /** An unused guardian (with its family) matching `ok`. */
  guardian(ok: (g: User, family: { guardians: User[]; students: User[] }) => boolean): User {
    for (const g of this.roster.users) {
      if (!GUARDIAN_ROLES.has(g.role) || this.#used.has(g.sourcedId)) continue;
      const students = this.studentsOf(g);
      const guardians = [...new Set(students.flatMap((s) => this.guardiansOf(s)))];
      if ([...students, ...guardians].some((u) => this.#used.has(u.sourcedId))) continue;
      if (ok(g, { guardians, students })) {
        for (const s of students) this.use(s);
        return g;
      }
    }
    throw new Error("the district is too small to plant every problem; generate at least 300 students");
  }
  use(u: User) {
    this.#used.add(u.sourcedId);
    for (const g of this.guardiansOf(u)) {
      this.#used.add(g.sourcedId);
      for (const s of this.studentsOf(g)) this.#used.add(s.sourcedId);
    }
  }
  platformStudent(sourcedId: string): Student {
    return this.platform.students.find((s) => s.sourceId === sourcedId)!;
  }
  account(guardian: User): Parent {
    return this.platform.parents.find((p) => p.sourceId === guardian.sourcedId)!;
  }
  enrollmentsOf(sourcedId: string) {
    return this.roster.enrollments.filter((e) => e.userSourcedId === sourcedId);
  }
  platformEnrollmentsOf(studentId: number) {
    return this.platform.enrollments.filter((e) => e.studentId === studentId && e.deletedAt === null);
  }
  classSourceId(classId: number): string {
    return this.platform.classes.find((c) => c.id === classId)!.sourceId!;
  }
  /** enrollment.not_in_source for every active platform enrollment of a student. */
  platformEnrollmentsGone(student: Student, why: string) {
    for (const e of this.platformEnrollmentsOf(student.id)) {
      this.plant(
        "enrollment.not_in_source",
        {
          classSourcedId: this.classSourceId(e.classId),
          userSourcedId: student.sourceId!,
          role: "student",
          platformId: e.id,
        },
        why,
      );
    }
  }
  mismatch(parent: Parent, why: string) {
    this.plant("parent_link.mismatch", { parentPlatformId: parent.id, email: normalizeEmail(parent.email) }, why);
  }
}

const noGuardian = (p: Planter) => (u: User) => p.guardiansOf(u).length === 0;

/**
 * Plants one or more problems of every finding code of the four tools and
 * returns every finding they must produce. Mutates `district`.
 *
 * @example
 * const district = generateDistrict();
 * const planted = plantProblems(district);
 * // runDiagnostics(…district) reports exactly `planted`
 */
export function plantProblems(district: DemoDistrict): PlantedFinding[] {
  const p = new Planter(district);
  plantMissingData(p);
  plantStudentMismatch(p);
  plantParentEmail(p);
  plantCampusTransfer(p);
  return p.planted;
}

function plantMissingData(p: Planter) {
  const { roster } = p;
  const [firstCampus, secondCampus] = p.schools().map((s) => s.sourcedId);
  const lastCampus = p.schools().at(-1)!.sourcedId;

  roster.orgs.push({
    sourcedId: "sch-new",
    status: "active",
    name: "Riverside Academy",
    type: "school",
    identifier: "999",
    parentSourcedId: roster.orgs[0].sourcedId,
  });
  p.plant("campus.missing_in_platform", { sourcedId: "sch-new" }, "school added to the roster only");
  const closedId = freeId(p.platform.campuses, 199);
  p.platform.campuses.push({ id: closedId, sourceId: "sch-closed", name: "Old Mill Annex", deletedAt: null });
  p.plant("campus.not_in_source", { platformId: closedId, sourcedId: "sch-closed" }, "campus left in the platform");

  // Students without guardians, so no parent link follows them.
  for (const how of ["removed", "soft-deleted"] as const) {
    const user = p.student(noGuardian(p));
    const student = p.platformStudent(user.sourcedId);
    if (how === "removed") {
      p.platform.students = p.platform.students.filter((s) => s !== student);
      p.platform.enrollments = p.platform.enrollments.filter((e) => e.studentId !== student.id);
    } else {
      student.deletedAt = DELETED_AT;
      for (const e of p.platform.enrollments) if (e.studentId === student.id) e.deletedAt = DELETED_AT;
    }
    p.plant("student.missing_in_platform", { sourcedId: user.sourcedId }, `student ${how} in the platform`);
    for (const e of p.enrollmentsOf(user.sourcedId)) {
      p.plant(
        "enrollment.missing_in_platform",
        { classSourcedId: e.classSourcedId, userSourcedId: e.userSourcedId, role: e.role },
        `enrollment of the student ${how} in the platform`,
      );
    }
  }
  for (const how of ["dropped", "tobedeleted"] as const) {
    const user = p.student(noGuardian(p));
    const student = p.platformStudent(user.sourcedId);
    if (how === "dropped") {
      roster.users = roster.users.filter((u) => u !== user);
      roster.enrollments = roster.enrollments.filter((e) => e.userSourcedId !== user.sourcedId);
    } else {
      user.status = "tobedeleted";
      for (const e of p.enrollmentsOf(user.sourcedId)) e.status = "tobedeleted";
    }
    p.plant(
      "student.not_in_source",
      { platformId: student.id, sourcedId: user.sourcedId },
      `student ${how} in the roster`,
    );
    p.platformEnrollmentsGone(student, `enrollment of the student ${how} in the roster`);
  }

  const mismatch = (field: string, change: (u: User) => void) => {
    const user = p.student(() => true);
    change(user);
    p.plant(
      "student.field_mismatch",
      { sourcedId: user.sourcedId, platformId: p.platformStudent(user.sourcedId).id, field },
      `${field} changed in the roster`,
    );
  };
  mismatch("last_name", (u) => (u.familyName = `${u.familyName}-Ortega`));
  mismatch("grade", (u) => (u.grades = [u.grades[0] === "05" || u.grades[0] === "5" ? "04" : "05"]));
  mismatch("student_number", (u) => (u.identifier = `9${u.identifier}`));
  const padded = p.student(() => true);
  padded.givenName = `  ${padded.givenName} `; // names compare trimmed: no finding

  roster.users.push({
    sourcedId: "tch-new-01",
    status: "active",
    enabledUser: true,
    role: "teacher",
    roles: [{ role: "teacher", roleType: "primary", orgSourcedId: firstCampus }],
    orgSourcedIds: [firstCampus],
    username: "noor.haddad",
    givenName: "Noor",
    familyName: "Haddad",
    middleName: "",
    identifier: "T-NEW-1",
    email: "noor.haddad@demo-isd.org",
    agentSourcedIds: [],
    grades: [],
  });
  p.plant("teacher.missing_in_platform", { sourcedId: "tch-new-01" }, "teacher added to the roster only");
  const leaver = roster.users.find((u) => u.role === "teacher" && u.orgSourcedIds[0] === secondCampus)!;
  leaver.status = "tobedeleted";
  const leaverRow = p.platform.teachers.find((t) => t.sourceId === leaver.sourcedId)!;
  p.plant(
    "teacher.not_in_source",
    { platformId: leaverRow.id, sourcedId: leaver.sourcedId },
    "teacher tobedeleted in the roster",
  );
  for (const e of p.enrollmentsOf(leaver.sourcedId)) {
    e.status = "tobedeleted";
    const row = p.platform.enrollments.find((x) => x.sourceId === e.sourcedId)!;
    p.plant(
      "enrollment.not_in_source",
      { classSourcedId: e.classSourcedId, userSourcedId: leaver.sourcedId, role: "teacher", platformId: row.id },
      "enrollment of the teacher who left",
    );
  }

  const lastClasses = roster.classes.filter((c) => c.schoolSourcedId === lastCampus);
  const missingClass = lastClasses[0];
  const droppedClass = lastClasses[lastClasses.length - 1];
  const missingRow = p.platform.classes.find((c) => c.sourceId === missingClass.sourcedId)!;
  p.platform.classes = p.platform.classes.filter((c) => c !== missingRow);
  p.platform.enrollments = p.platform.enrollments.filter((e) => e.classId !== missingRow.id);
  p.plant("class.missing_in_platform", { sourcedId: missingClass.sourcedId }, "class removed from the platform");
  for (const e of roster.enrollments.filter((e) => e.classSourcedId === missingClass.sourcedId)) {
    p.plant(
      "enrollment.missing_in_platform",
      { classSourcedId: e.classSourcedId, userSourcedId: e.userSourcedId, role: e.role },
      "enrollment in the class missing from the platform",
    );
  }
  const droppedRow = p.platform.classes.find((c) => c.sourceId === droppedClass.sourcedId)!;
  roster.classes = roster.classes.filter((c) => c !== droppedClass);
  roster.enrollments = roster.enrollments.filter((e) => e.classSourcedId !== droppedClass.sourcedId);
  p.plant(
    "class.not_in_source",
    { platformId: droppedRow.id, sourcedId: droppedClass.sourcedId },
    "class dropped from the roster",
  );
  for (const e of p.platform.enrollments.filter((e) => e.classId === droppedRow.id)) {
    const person = e.role === "student"
      ? p.platform.students.find((s) => s.id === e.studentId)!
      : p.platform.teachers.find((t) => t.id === e.teacherId)!;
    p.plant(
      "enrollment.not_in_source",
      { classSourcedId: droppedClass.sourcedId, userSourcedId: person.sourceId!, role: e.role, platformId: e.id },
      "enrollment in the class dropped from the roster",
    );
  }

  const secondCampusStudent = (u: User) => u.orgSourcedIds[0] === secondCampus;
  const m1 = p.student(secondCampusStudent);
  const lost = p.enrollmentsOf(m1.sourcedId).find((e) => e.status === "active")!;
  p.platform.enrollments = p.platform.enrollments.filter((e) => e.sourceId !== lost.sourcedId);
  p.plant(
    "enrollment.missing_in_platform",
    { classSourcedId: lost.classSourcedId, userSourcedId: lost.userSourcedId, role: "student" },
    "enrollment removed from the platform",
  );
  const m2 = p.student(secondCampusStudent);
  const dropped = p.enrollmentsOf(m2.sourcedId).find((e) => e.status === "active")!;
  const droppedPlatformId = p.platform.enrollments.find((e) => e.sourceId === dropped.sourcedId)!.id;
  roster.enrollments = roster.enrollments.filter((e) => e !== dropped);
  p.plant(
    "enrollment.not_in_source",
    {
      classSourcedId: dropped.classSourcedId,
      userSourcedId: dropped.userSourcedId,
      role: "student",
      platformId: droppedPlatformId,
    },
    "enrollment dropped from the roster",
  );
}

function plantStudentMismatch(p: Planter) {
  const stamp = "2026-09-01 12:00:00+00";
  // A roster link to another family's child.
  const g1 = p.guardian((_, f) => f.guardians.length >= 1);
  const stranger = p.student(() => true);
  const a1 = p.account(g1);
  p.platform.parentStudents.push({
    parentId: a1.id,
    studentId: p.platformStudent(stranger.sourcedId).id,
    origin: "roster",
    deletedAt: null,
  });
  p.mismatch(a1, "roster link to another family's child");

  // A guardian's own child unlinked.
  const g2 = p.guardian(() => true);
  const a2 = p.account(g2);
  const child = p.platformStudent(p.studentsOf(g2)[0].sourcedId);
  p.platform.parentStudents.find((l) => l.parentId === a2.id && l.studentId === child.id)!.deletedAt = stamp;
  p.mismatch(a2, "link to the guardian's own child removed");

  // Invite and support links are not roster links: no finding.
  const g3 = p.guardian(() => true);
  const invited = p.student(() => true);
  const helped = p.student(() => true);
  p.platform.parentStudents.push(
    {
      parentId: p.account(g3).id,
      studentId: p.platformStudent(invited.sourcedId).id,
      origin: "invite",
      deletedAt: null,
    },
    {
      parentId: p.account(g3).id,
      studentId: p.platformStudent(helped.sourcedId).id,
      origin: "support",
      deletedAt: null,
    },
  );

  // A guardian whose account was never created.
  const g4 = p.guardian((_, f) => f.guardians.length === 2);
  const [, second] = p.guardiansOf(p.studentsOf(g4)[0]);
  const a4 = p.account(second);
  p.platform.parents = p.platform.parents.filter((x) => x !== a4);
  p.platform.parentStudents = p.platform.parentStudents.filter((l) => l.parentId !== a4.id);
  p.plant(
    "parent.missing_in_platform",
    { sourcedId: second.sourcedId, email: normalizeEmail(second.email) },
    "account never created",
  );

  // An account whose guardian left the roster.
  const orphanChild = p.student(() => true);
  const formerId = freeId(p.platform.parents, 399001);
  p.platform.parents.push({
    id: formerId,
    sourceId: "par-old-0001",
    email: "former.guardian@example.org",
    firstName: "Former",
    lastName: "Guardian",
    deletedAt: null,
  });
  p.platform.parentStudents.push({
    parentId: formerId,
    studentId: p.platformStudent(orphanChild.sourcedId).id,
    origin: "roster",
    deletedAt: null,
  });
  p.plant("parent.not_in_source", { platformId: formerId, sourcedId: "par-old-0001" }, "guardian gone from the roster");
  p.mismatch(p.platform.parents.at(-1)!, "the account of a guardian gone from the roster still sees a child");
}

function plantParentEmail(p: Planter) {
  // Both guardians of one family on one email: the sync made one account for both.
  const a = p.guardian((_, f) => f.guardians.length === 2);
  const [, b] = p.guardiansOf(p.studentsOf(a)[0]).sort((x, y) => (x === a ? -1 : y === a ? 1 : 0));
  b.email = a.email;
  const bAccount = p.account(b);
  p.platform.parents = p.platform.parents.filter((x) => x !== bAccount);
  p.platform.parentStudents = p.platform.parentStudents.filter((l) => l.parentId !== bAccount.id);
  p.plant("parent_email.shared", { email: normalizeEmail(a.email) }, "two guardians of one family share an email");

  // A placeholder email on two unrelated families: one account sees both families' children.
  const c = p.guardian(() => true);
  const d = p.guardian(() => true);
  const placeholder = "noemail@demo-isd.org";
  c.email = placeholder;
  d.email = placeholder;
  const cAccount = p.account(c);
  cAccount.email = placeholder;
  const dAccount = p.account(d);
  p.platform.parents = p.platform.parents.filter((x) => x !== dAccount);
  const dLinks = p.platform.parentStudents.filter((l) => l.parentId === dAccount.id);
  p.platform.parentStudents = p.platform.parentStudents.filter((l) => l.parentId !== dAccount.id);
  for (const l of dLinks) p.platform.parentStudents.push({ ...l, parentId: cAccount.id });
  p.plant("parent_email.shared", { email: placeholder }, "unrelated families share a placeholder email");

  // An address without @, in the roster and (as synced) on the account.
  const e = p.guardian(() => true);
  const invalid = e.email.trim().replace("@", ".at.");
  e.email = invalid;
  p.account(e).email = invalid;
  p.plant("parent_email.invalid", { sourcedId: e.sourcedId, email: normalizeEmail(invalid) }, "email without @");

  // An email changed in the SIS after the last sync.
  const h = p.guardian(() => true);
  h.email = `new.${h.email.trim().toLowerCase()}`;
  p.plant(
    "parent_email.platform_mismatch",
    { sourcedId: h.sourcedId, platformId: p.account(h).id },
    "email changed in the SIS",
  );
}

function plantCampusTransfer(p: Planter) {
  const { roster, platform } = p;
  const [first, second] = p.schools();
  const secondCampusId = platform.campuses.find((c) => c.sourceId === second.sourcedId)!.id;
  const atFirst = (u: User) => u.orgSourcedIds[0] === first.sourcedId;

  // Moved in the SIS, not in the platform: old campus and old enrollments stay.
  const t1 = p.student(atFirst);
  const t1Row = p.platformStudent(t1.sourcedId);
  t1.orgSourcedIds = [second.sourcedId];
  t1.roles = [{ role: "student", roleType: "primary", orgSourcedId: second.sourcedId }];
  roster.enrollments = roster.enrollments.filter((e) => e.userSourcedId !== t1.sourcedId);
  p.plant("transfer.campus_not_updated", { sourcedId: t1.sourcedId, platformId: t1Row.id }, "transfer not synced");
  p.plant("transfer.stale_enrollments", { sourcedId: t1.sourcedId, platformId: t1Row.id }, "transfer not synced");
  p.platformEnrollmentsGone(t1Row, "old-campus enrollment of the transferred student");

  // Campus moved, old enrollments left behind.
  const t2 = p.student(atFirst);
  const t2Row = p.platformStudent(t2.sourcedId);
  t2.orgSourcedIds = [second.sourcedId];
  t2.roles = [{ role: "student", roleType: "primary", orgSourcedId: second.sourcedId }];
  t2Row.campusId = secondCampusId;
  roster.enrollments = roster.enrollments.filter((e) => e.userSourcedId !== t2.sourcedId);
  p.plant(
    "transfer.stale_enrollments",
    { sourcedId: t2.sourcedId, platformId: t2Row.id },
    "old enrollments left behind",
  );
  p.platformEnrollmentsGone(t2Row, "old-campus enrollment left behind");

  // Re-identified by the SIS: the old record was soft-deleted, a new one created, the parents stayed on the old one.
  const t3 = p.student((u) => atFirst(u) && p.guardiansOf(u).length > 0);
  const t3Old = p.platformStudent(t3.sourcedId);
  const t3Accounts = p.guardiansOf(t3).map((g) => p.account(g));
  reidentify(p, t3, t3Old, freeId(p.platform.students, 190001));
  t3Old.deletedAt = DELETED_AT;
  for (const account of t3Accounts) {
    p.plant(
      "transfer.parent_link_on_stale_record",
      { parentPlatformId: account.id, studentPlatformId: t3Old.id },
      "parent left on the stale record",
    );
    p.mismatch(account, "the child's new record is not linked");
  }

  // Re-identified, and the old record left active: two records share one student number.
  const t4 = p.student((u) => atFirst(u) && p.guardiansOf(u).length === 0);
  const t4Old = p.platformStudent(t4.sourcedId);
  const oldSourcedId = t4.sourcedId;
  reidentify(p, t4, t4Old, freeId(p.platform.students, 190002));
  p.plant("transfer.duplicate_student", { studentNumber: t4Old.studentNumber! }, "old record left active");
  p.plant(
    "student.not_in_source",
    { platformId: t4Old.id, sourcedId: oldSourcedId },
    "the old record's id left the roster",
  );
}

/**
 * Gives a student a new sourcedId in the roster (enrollments and guardian
 * links follow) and a new platform record that holds its enrollments.
 */
/** `preferred` (the demo's ids, kept for small districts) unless a generated row has it; then past the largest id. */
function freeId(rows: ReadonlyArray<{ id: number }>, preferred: number): number {
  let max = 0;
  for (const r of rows) if (r.id > max) max = r.id;
  return rows.some((r) => r.id === preferred) || max >= preferred ? Math.max(max + 1, preferred) : preferred;
}

function reidentify(p: Planter, user: User, old: Student, newId: number): Student {
  const oldSourcedId = user.sourcedId;
  const newSourcedId = `stu-r-${newId}`;
  user.sourcedId = newSourcedId;
  for (const u of p.roster.users) {
    u.agentSourcedIds = u.agentSourcedIds.map((a) => (a === oldSourcedId ? newSourcedId : a));
  }
  for (const e of p.roster.enrollments) if (e.userSourcedId === oldSourcedId) e.userSourcedId = newSourcedId;
  const fresh: Student = { ...old, id: newId, sourceId: newSourcedId, deletedAt: null };
  p.platform.students.push(fresh);
  for (const e of p.platform.enrollments) if (e.studentId === old.id) e.studentId = newId;
  return fresh;
}
