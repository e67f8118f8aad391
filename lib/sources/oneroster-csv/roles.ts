/**
 * The one reader of a OneRoster 1.2 role assignment, for a `roles.csv` row
 * and for an entry of a REST user's `roles` alike: the same values are
 * accepted, read leniently with the same warnings, or refused with the same
 * words, whichever way the district sends them.
 */
import { KNOWN_ROLES, ROLE_TYPES, type RoleAssignment } from "../../model/roster.ts";
import { checkDate, readEnum, type Warn } from "./values.ts";

/** A role assignment's cells as text, before reading. */
export interface RawRoleAssignment {
  role: string;
  roleType: string;
  orgSourcedId: string;
  beginDate: string;
  endDate: string;
}

/** A role assignment read, or the reason it was refused and the column at fault. */
export type RoleReading =
  | { ok: true; assignment: RoleAssignment }
  | { ok: false; reason: string; column: "role" | "roleType" };

/**
 * Reads one role assignment: a known role (any letter case, with a warning)
 * or `ext:*`; `roleType` primary or secondary (empty is read as primary, with
 * a warning); dates checked with a warning when malformed.
 *
 * @example
 * readRoleAssignment({ role: "Student", roleType: "", orgSourcedId: "sch-1", beginDate: "", endDate: "" }, warn)
 * // { ok: true, assignment: { role: "student", roleType: "primary", orgSourcedId: "sch-1" } }, two warnings
 * readRoleAssignment({ role: "wizard", roleType: "primary", orgSourcedId: "", beginDate: "", endDate: "" }, warn)
 * // { ok: false, column: "role", reason: 'column "role" has "wizard"; expected one of administrator, …' }
 */
export function readRoleAssignment(raw: RawRoleAssignment, warn: Warn): RoleReading {
  const role = readEnum(raw.role, "role", KNOWN_ROLES, warn);
  if (!(KNOWN_ROLES as readonly string[]).includes(role) && !role.startsWith("ext:")) {
    return {
      ok: false,
      column: "role",
      reason: `column "role" has "${role}"; expected one of ${KNOWN_ROLES.join(", ")}`,
    };
  }
  let roleType = readEnum(raw.roleType, "roleType", ROLE_TYPES, warn);
  if (roleType === "") {
    warn('column "roleType" is empty; read as primary', { column: "roleType", value: "" });
    roleType = "primary";
  }
  if (roleType !== "primary" && roleType !== "secondary") {
    return {
      ok: false,
      column: "roleType",
      reason: `column "roleType" has "${roleType}"; expected primary or secondary`,
    };
  }
  checkDate(raw.beginDate, "beginDate", "date", warn);
  checkDate(raw.endDate, "endDate", "date", warn);
  const assignment: RoleAssignment = {
    role: role as RoleAssignment["role"],
    roleType,
    orgSourcedId: raw.orgSourcedId.trim() || undefined,
    beginDate: raw.beginDate.trim() || undefined,
    endDate: raw.endDate.trim() || undefined,
  };
  return { ok: true, assignment };
}
