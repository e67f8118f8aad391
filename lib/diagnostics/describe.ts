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

/** The longest name or title a finding repeats: a district's 900 KB cell must not be copied into each of 10,000 findings. */
export const TEXT_MAX = 200;

/**
 * A name or title as a finding repeats it: at most {@link TEXT_MAX} characters, and says how long it was.
 *
 * @example
 * clip("Ana Ruiz") // "Ana Ruiz"
 * clip("x".repeat(5000)) // "xxx…xxx… (5000 characters)"
 */
export function clip(text: string): string {
  return text.length <= TEXT_MAX ? text : `${text.slice(0, TEXT_MAX)}… (${text.length} characters)`;
}

/**
 * Ids or names joined for a message: the first `max`, and how many more.
 *
 * @example
 * listText(["sch-1", "sch-2"]) // "sch-1, sch-2"
 * listText(ids, 2) // "sch-1, sch-2, … (48 more)"
 */
export function listText(items: readonly string[], max = 20): string {
  if (items.length <= max) return items.map(clip).join(", ");
  return `${items.slice(0, max).map(clip).join(", ")}, … (${items.length - max} more)`;
}

/** The full name of a source user, trimmed (clipped when a district wrote more than a name). */
export function userName(user: Pick<User, "givenName" | "familyName">): string {
  return clip(`${user.givenName.trim()} ${user.familyName.trim()}`.trim()) || "(no name)";
}

/** The name of a source user's first school, when the roster has it. */
export function userSchool(user: User, source: SourceIndex): string {
  for (const id of user.orgSourcedIds) {
    const org = source.orgs.get(id);
    if (org?.type === "school") return clip(org.name);
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
  return `${kind} ${clip(`${person.firstName.trim()} ${person.lastName.trim()}`)} (${
    parts.filter(Boolean).join(", ")
  })`;
}

/** "class Mathematics Grade 03 A (cls-000012, Lincoln Elementary)". */
export function describeSourceClass(cls: Class, source: SourceIndex): string {
  const school = source.orgs.get(cls.schoolSourcedId)?.name ?? cls.schoolSourcedId;
  return `class ${clip(cls.title.trim())} (${[cls.sourcedId, clip(school)].filter(Boolean).join(", ")})`;
}

/** "class Mathematics Grade 03 A (platform 20012, cls-000012, Lincoln Elementary)". */
export function describePlatformClass(cls: PlatformClass, platform: PlatformIndex): string {
  const campus = cls.campusId === null ? undefined : platform.campusById.get(cls.campusId);
  return `class ${clip(cls.title.trim())} (${
    [`platform ${cls.id}`, cls.sourceId ?? "", clip(campus?.name ?? "")].filter(Boolean).join(", ")
  })`;
}
