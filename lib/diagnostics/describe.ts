/** Short human descriptions of records, for finding messages a support engineer can paste into a ticket. */
import type { Class, User } from "../model/roster.ts";
import type { PlatformClass, Student, Teacher } from "../model/snapshot.ts";
import type { PlatformIndex, SourceIndex } from "./indexes.ts";

/** "Grade 03", "Kindergarten", or "" when unknown. */
export function gradeText(grade: string | null | undefined): string {
  const g = (grade ?? "").trim();
  if (!g) return "";
  if (g === "KG") return "Kindergarten";
  return /^\d+$/.test(g) ? `Grade ${g.padStart(2, "0")}` : `Grade ${g}`;
}

/** The full name of a source user, trimmed. */
export function userName(user: Pick<User, "givenName" | "familyName">): string {
  return `${user.givenName.trim()} ${user.familyName.trim()}`.trim() || "(no name)";
}

/** The name of a source user's first school, when the roster has it. */
export function userSchool(user: User, source: SourceIndex): string {
  for (const id of user.orgSourcedIds) {
    const org = source.orgs.get(id);
    if (org?.type === "school") return org.name;
  }
  return "";
}

/**
 * "Student Ana Ruiz (stu-1042, Grade 03, Lincoln Elementary)".
 *
 * @example
 * describeSourceUser(user, source) // "Teacher Li Wei (tch-7, Roosevelt High)"
 */
export function describeSourceUser(user: User, source: SourceIndex): string {
  const role = user.role.charAt(0).toUpperCase() + user.role.slice(1);
  const parts = [user.sourcedId, user.role === "student" ? gradeText(user.grades[0]) : "", userSchool(user, source)];
  return `${role} ${userName(user)} (${parts.filter(Boolean).join(", ")})`;
}

/** "student Ana Ruiz (platform 100042, stu-1042, Grade 03, Lincoln Elementary)". */
export function describePlatformPerson(
  kind: "student" | "teacher",
  person: Student | Teacher,
  platform: PlatformIndex,
): string {
  const campus = person.campusId === null ? undefined : platform.campusById.get(person.campusId);
  const grade = "grade" in person ? gradeText(person.grade) : "";
  const parts = [`platform ${person.id}`, person.sourceId ?? "no source id", grade, campus?.name ?? ""];
  return `${kind} ${person.firstName.trim()} ${person.lastName.trim()} (${parts.filter(Boolean).join(", ")})`;
}

/** "class Mathematics Grade 03 A (cls-000012, Lincoln Elementary)". */
export function describeSourceClass(cls: Class, source: SourceIndex): string {
  const school = source.orgs.get(cls.schoolSourcedId)?.name ?? cls.schoolSourcedId;
  return `class ${cls.title.trim()} (${[cls.sourcedId, school].filter(Boolean).join(", ")})`;
}

/** "class Mathematics Grade 03 A (platform 20012, cls-000012, Lincoln Elementary)". */
export function describePlatformClass(cls: PlatformClass, platform: PlatformIndex): string {
  const campus = cls.campusId === null ? undefined : platform.campusById.get(cls.campusId);
  return `class ${cls.title.trim()} (${
    [`platform ${cls.id}`, cls.sourceId ?? "", campus?.name ?? ""].filter(Boolean).join(", ")
  })`;
}
