/**
 * Plants known problems in a generated district and says exactly which
 * findings each one must produce, so tests and the demo can check the tools
 * against a known answer.
 */
import type { FindingCode } from "../diagnostics/findings.ts";
import type { User } from "../roster.ts";
import type { DemoDistrict } from "./generate.ts";

/** A finding a planted problem must produce. */
export interface PlantedFinding {
  code: FindingCode;
  entity: Record<string, string | number>;
  /** What was planted, for test messages. */
  why: string;
}

const DELETED_AT = "2026-11-20 09:30:00+00";

/**
 * Plants one or more problems of every `missing-data` code (with their
 * cascades) and returns the findings they must produce. Mutates `district`.
 *
 * @example
 * const district = generateDistrict();
 * const planted = plantMissingData(district);
 * // findMissingData(district.roster, district.platform) reports exactly `planted`
 */
export function plantMissingData(district: DemoDistrict): PlantedFinding[] {
  const { roster, platform } = district;
  const planted: PlantedFinding[] = [];
  const plant = (code: FindingCode, entity: Record<string, string | number>, why: string) =>
    planted.push({ code, entity, why });

  const campuses = roster.orgs.filter((o) => o.type === "school");
  const firstCampus = campuses[0].sourcedId;
  const secondCampus = campuses[1 % campuses.length].sourcedId;
  const lastCampus = campuses[campuses.length - 1].sourcedId;
  const studentsAt = (school: string) =>
    roster.users.filter((u) => u.role === "student" && u.orgSourcedIds[0] === school);
  const enrollmentsOf = (userSourcedId: string) => roster.enrollments.filter((e) => e.userSourcedId === userSourcedId);
  const platformStudent = (sourcedId: string) => platform.students.find((s) => s.sourceId === sourcedId)!;
  const platformTeacher = (sourcedId: string) => platform.teachers.find((t) => t.sourceId === sourcedId)!;
  const platformClass = (sourcedId: string) => platform.classes.find((c) => c.sourceId === sourcedId)!;
  const platformEnrollment = (sourcedId: string) => platform.enrollments.find((e) => e.sourceId === sourcedId)!;
  const [s1, s2, s3, s4, s5, s6, s7, s8] = studentsAt(firstCampus);

  // A school new this year that the platform has not created.
  roster.orgs.push({
    sourcedId: "sch-new",
    status: "active",
    name: "Riverside Academy",
    type: "school",
    identifier: "999",
    parentSourcedId: roster.orgs[0].sourcedId,
  });
  plant("campus.missing_in_platform", { sourcedId: "sch-new" }, "school added to the roster only");

  // A campus the district closed in the SIS, still active in the platform.
  platform.campuses.push({ id: 199, sourceId: "sch-closed", name: "Old Mill Annex", deletedAt: null });
  plant("campus.not_in_source", { platformId: 199, sourcedId: "sch-closed" }, "campus left in the platform");

  // A student the platform never received, and one it soft-deleted: each also misses its enrollments.
  for (const [user, how] of [[s1, "removed"], [s2, "soft-deleted"]] as const) {
    const student = platformStudent(user.sourcedId);
    if (how === "removed") {
      platform.students = platform.students.filter((s) => s !== student);
      platform.enrollments = platform.enrollments.filter((e) => e.studentId !== student.id);
      platform.parentStudents = platform.parentStudents.filter((ps) => ps.studentId !== student.id);
    } else {
      student.deletedAt = DELETED_AT;
      for (const e of platform.enrollments) if (e.studentId === student.id) e.deletedAt = DELETED_AT;
    }
    plant("student.missing_in_platform", { sourcedId: user.sourcedId }, `student ${how} in the platform`);
    for (const e of enrollmentsOf(user.sourcedId)) {
      plant(
        "enrollment.missing_in_platform",
        { classSourcedId: e.classSourcedId, userSourcedId: e.userSourcedId, role: e.role },
        `enrollment of the student ${how} in the platform`,
      );
    }
  }

  // A student dropped from the export, and one marked tobedeleted: the platform keeps both with their enrollments.
  for (const [user, how] of [[s3, "dropped"], [s4, "tobedeleted"]] as const) {
    const student = platformStudent(user.sourcedId);
    if (how === "dropped") {
      roster.users = roster.users.filter((u) => u !== user);
      roster.enrollments = roster.enrollments.filter((e) => e.userSourcedId !== user.sourcedId);
      for (const u of roster.users) u.agentSourcedIds = u.agentSourcedIds.filter((id) => id !== user.sourcedId);
    } else {
      user.status = "tobedeleted";
      for (const e of enrollmentsOf(user.sourcedId)) e.status = "tobedeleted";
    }
    plant(
      "student.not_in_source",
      { platformId: student.id, sourcedId: user.sourcedId },
      `student ${how} in the roster`,
    );
    for (const e of platform.enrollments.filter((e) => e.studentId === student.id)) {
      const cls = platform.classes.find((c) => c.id === e.classId)!;
      plant(
        "enrollment.not_in_source",
        { classSourcedId: cls.sourceId!, userSourcedId: user.sourcedId, role: "student", platformId: e.id },
        `enrollment of the student ${how} in the roster`,
      );
    }
  }

  // Fields that changed in the SIS after the last sync; and dirt that must not count.
  const mismatch = (user: User, field: string, change: () => void) => {
    change();
    plant("student.field_mismatch", {
      sourcedId: user.sourcedId,
      platformId: platformStudent(user.sourcedId).id,
      field,
    }, `${field} changed in the roster`);
  };
  mismatch(s5, "last_name", () => (s5.familyName = `${s5.familyName}-Ortega`));
  mismatch(s6, "grade", () => (s6.grades = [s6.grades[0] === "05" || s6.grades[0] === "5" ? "04" : "05"]));
  mismatch(s7, "student_number", () => (s7.identifier = `9${s7.identifier}`));
  s8.givenName = `  ${s8.givenName} `; // names compare trimmed: no finding

  // A teacher hired after the last sync, and one who left (tobedeleted with their enrollments).
  roster.users.push({
    sourcedId: "tch-new-01",
    status: "active",
    enabledUser: true,
    role: "teacher",
    roles: [{ role: "teacher", roleType: "primary", orgSourcedId: firstCampus }],
    orgSourcedIds: [firstCampus],
    username: "new.teacher@demo-isd.org",
    givenName: "Noor",
    familyName: "Haddad",
    middleName: "",
    identifier: "T-NEW-1",
    email: "noor.haddad@demo-isd.org",
    agentSourcedIds: [],
    grades: [],
  });
  plant("teacher.missing_in_platform", { sourcedId: "tch-new-01" }, "teacher added to the roster only");
  const leaver = roster.users.find((u) => u.role === "teacher" && u.orgSourcedIds[0] === secondCampus)!;
  leaver.status = "tobedeleted";
  const leaverRow = platformTeacher(leaver.sourcedId);
  plant(
    "teacher.not_in_source",
    { platformId: leaverRow.id, sourcedId: leaver.sourcedId },
    "teacher tobedeleted in the roster",
  );
  for (const e of enrollmentsOf(leaver.sourcedId)) {
    e.status = "tobedeleted";
    const row = platformEnrollment(e.sourcedId);
    plant(
      "enrollment.not_in_source",
      { classSourcedId: e.classSourcedId, userSourcedId: leaver.sourcedId, role: "teacher", platformId: row.id },
      "enrollment of the teacher who left",
    );
  }

  // A class the platform lacks (with its enrollments), and a class the SIS dropped.
  const lastClasses = roster.classes.filter((c) => c.schoolSourcedId === lastCampus);
  const missingClass = lastClasses[0];
  const droppedClass = lastClasses[lastClasses.length - 1];
  const missingRow = platformClass(missingClass.sourcedId);
  platform.classes = platform.classes.filter((c) => c !== missingRow);
  platform.enrollments = platform.enrollments.filter((e) => e.classId !== missingRow.id);
  plant("class.missing_in_platform", { sourcedId: missingClass.sourcedId }, "class removed from the platform");
  for (const e of roster.enrollments.filter((e) => e.classSourcedId === missingClass.sourcedId)) {
    plant(
      "enrollment.missing_in_platform",
      { classSourcedId: e.classSourcedId, userSourcedId: e.userSourcedId, role: e.role },
      "enrollment in the class missing from the platform",
    );
  }
  const droppedRow = platformClass(droppedClass.sourcedId);
  roster.classes = roster.classes.filter((c) => c !== droppedClass);
  roster.enrollments = roster.enrollments.filter((e) => e.classSourcedId !== droppedClass.sourcedId);
  plant(
    "class.not_in_source",
    { platformId: droppedRow.id, sourcedId: droppedClass.sourcedId },
    "class dropped from the roster",
  );
  for (const e of platform.enrollments.filter((e) => e.classId === droppedRow.id)) {
    const person = e.role === "student"
      ? platform.students.find((s) => s.id === e.studentId)!
      : platform.teachers.find((t) => t.id === e.teacherId)!;
    plant(
      "enrollment.not_in_source",
      { classSourcedId: droppedClass.sourcedId, userSourcedId: person.sourceId!, role: e.role, platformId: e.id },
      "enrollment in the class dropped from the roster",
    );
  }

  // One enrollment lost by the platform, one dropped by the SIS (students of the second campus).
  const [m1, m2] = studentsAt(secondCampus);
  const lost = enrollmentsOf(m1.sourcedId).find((e) => e.status === "active")!;
  platform.enrollments = platform.enrollments.filter((e) => e.sourceId !== lost.sourcedId);
  plant(
    "enrollment.missing_in_platform",
    { classSourcedId: lost.classSourcedId, userSourcedId: lost.userSourcedId, role: "student" },
    "enrollment removed from the platform",
  );
  const dropped = enrollmentsOf(m2.sourcedId).find((e) => e.status === "active")!;
  roster.enrollments = roster.enrollments.filter((e) => e !== dropped);
  plant(
    "enrollment.not_in_source",
    {
      classSourcedId: dropped.classSourcedId,
      userSourcedId: dropped.userSourcedId,
      role: "student",
      platformId: platformEnrollment(dropped.sourcedId).id,
    },
    "enrollment dropped from the roster",
  );
  return planted;
}
