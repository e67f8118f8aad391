/** The columns of each OneRoster CSV file, per version, in the spec's order. */

export type OneRosterVersion = "1.1" | "1.2";

/** The files this reader understands, by stem. */
export const CSV_FILES = ["orgs", "users", "classes", "enrollments", "courses", "academicSessions", "roles"] as const;
export type CsvFile = (typeof CSV_FILES)[number];

const COMMON = ["sourcedId", "status", "dateLastModified"];

const V11: Record<CsvFile, string[]> = {
  orgs: [...COMMON, "name", "type", "identifier", "parentSourcedId"],
  users: [
    ...COMMON,
    "enabledUser",
    "orgSourcedIds",
    "role",
    "username",
    "userIds",
    "givenName",
    "familyName",
    "middleName",
    "identifier",
    "email",
    "sms",
    "phone",
    "agentSourcedIds",
    "grades",
    "password",
  ],
  classes: [
    ...COMMON,
    "title",
    "grades",
    "courseSourcedId",
    "classCode",
    "classType",
    "location",
    "schoolSourcedId",
    "termSourcedIds",
    "subjects",
    "subjectCodes",
    "periods",
  ],
  courses: [
    ...COMMON,
    "schoolYearSourcedId",
    "title",
    "courseCode",
    "grades",
    "orgSourcedId",
    "subjects",
    "subjectCodes",
  ],
  enrollments: [
    ...COMMON,
    "classSourcedId",
    "schoolSourcedId",
    "userSourcedId",
    "role",
    "primary",
    "beginDate",
    "endDate",
  ],
  academicSessions: [...COMMON, "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear"],
  roles: [],
};

const V12: Record<CsvFile, string[]> = {
  ...V11,
  users: [
    ...COMMON,
    "enabledUser",
    "username",
    "userIds",
    "givenName",
    "familyName",
    "middleName",
    "identifier",
    "email",
    "sms",
    "phone",
    "agentSourcedIds",
    "grades",
    "password",
    "userMasterIdentifier",
    "resourceSourcedIds",
    "preferredGivenName",
    "preferredMiddleName",
    "preferredFamilyName",
    "primaryOrgSourcedId",
    "pronouns",
  ],
  roles: [
    ...COMMON,
    "userSourcedId",
    "roleType",
    "role",
    "beginDate",
    "endDate",
    "orgSourcedId",
    "userProfileSourcedId",
  ],
};

/** The spec's columns for a file, in order. */
export function specColumns(version: OneRosterVersion, file: CsvFile): readonly string[] {
  return (version === "1.2" ? V12 : V11)[file];
}

/**
 * Columns without which a file cannot be read for a diagnosis. Other spec
 * columns may be missing (real exports drop them): that is a warning.
 */
export function requiredColumns(version: OneRosterVersion, file: CsvFile): readonly string[] {
  switch (file) {
    case "orgs":
      return ["sourcedId", "name", "type"];
    case "users":
      return version === "1.2"
        ? ["sourcedId", "givenName", "familyName"]
        : ["sourcedId", "role", "givenName", "familyName"];
    case "classes":
      return ["sourcedId", "title", "schoolSourcedId"];
    case "enrollments":
      return ["sourcedId", "classSourcedId", "userSourcedId", "role"];
    case "courses":
      return ["sourcedId", "title"];
    case "academicSessions":
      return ["sourcedId", "title", "type"];
    case "roles":
      return ["userSourcedId", "role"];
  }
}
