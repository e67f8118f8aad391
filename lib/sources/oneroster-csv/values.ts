/**
 * Lenient readers for OneRoster cell values. Real exporters write `TRUE`,
 * `Active`, `inactive`, lists with spaces: each is read as meant and
 * reported as a warning, so the diagnosis goes on.
 */
import { KNOWN_ROLES } from "../../model/roster.ts";

/** Reports a lenient reading of one cell; `data` names the column and value (and a kind other than lenient_value). */
export type Warn = (message: string, data?: { kind?: string; column: string; value: string }) => void;

/**
 * Reads a `status` cell. Empty means active (OneRoster 1.1 bulk files leave it
 * blank); legacy `inactive` means `tobedeleted`. Returns the raw text when it
 * is not a status at all, for the row validator to reject.
 *
 * @example
 * readStatus("", warn) // "active"
 * readStatus("inactive", warn) // "tobedeleted", with a warning
 */
export function readStatus(raw: string, warn: Warn): string {
  const value = raw.trim();
  if (value === "" || value === "active") return "active";
  if (value === "tobedeleted") return value;
  const lower = value.toLowerCase();
  if (lower === "active" || lower === "tobedeleted") {
    warn(`column "status" has "${value}"; read as ${lower}`, { column: "status", value });
    return lower;
  }
  if (lower === "inactive" || lower === "deleted") {
    warn(`column "status" has "${value}"; read as tobedeleted`, { column: "status", value });
    return "tobedeleted";
  }
  return value;
}

const TRUTHY = new Set(["true", "1", "yes", "y", "t"]);
const FALSY = new Set(["false", "0", "no", "n", "f"]);

/**
 * Reads a boolean cell (`enabledUser`, `primary`): `true`/`false` in any case;
 * `1`/`0`, `yes`/`no` with a warning; empty gives `fallback`.
 *
 * @example
 * readBoolean("TRUE", "enabledUser", true, warn) // true
 */
export function readBoolean(
  raw: string,
  column: string,
  fallback: boolean | undefined,
  warn: Warn,
): boolean | string | undefined {
  const value = raw.trim();
  if (value === "") return fallback;
  const lower = value.toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  if (TRUTHY.has(lower)) {
    warn(`column "${column}" has "${value}"; read as true`, { column, value });
    return true;
  }
  if (FALSY.has(lower)) {
    warn(`column "${column}" has "${value}"; read as false`, { column, value });
    return false;
  }
  return value;
}

/**
 * Splits a list cell (`"a,b"`, `"a, b"`), dropping empty entries.
 *
 * @example
 * readList("org-1, org-2") // ["org-1", "org-2"]
 */
export function readList(raw: string): string[] {
  if (raw === "") return [];
  // split's own array, which holds just its parts: one grown by push from empty keeps room for 17, and a user's
  // agents (a list per user, never shared) cost 123 bytes more a list that way.
  const parts = raw.split(",");
  let kept = 0;
  for (let i = 0; i < parts.length; i++) {
    const v = parts[i].trim();
    if (v) parts[kept++] = v;
  }
  parts.length = kept;
  return parts;
}

/**
 * Matches a value against an enumeration, accepting other letter cases with
 * a warning; returns the raw value when nothing matches.
 *
 * @example
 * readEnum("Student", "role", ["student", "teacher"], warn) // "student"
 */
export function readEnum(raw: string, column: string, allowed: readonly string[], warn: Warn): string {
  const value = raw.trim();
  // The list's own string: a million rows then share one "student".
  const at = allowed.indexOf(value);
  if (at !== -1) return allowed[at];
  if (/^ext:/i.test(value)) return "ext:" + value.slice(4);
  const lower = value.toLowerCase();
  const match = allowed.find((a) => a.toLowerCase() === lower);
  if (match) {
    warn(`column "${column}" has "${value}"; read as ${match}`, { column, value });
    return match;
  }
  return value;
}

/** User roles of OneRoster 1.1, the ones its files may name. */
export const ROLES_11 = [
  "administrator",
  "aide",
  "guardian",
  "parent",
  "proctor",
  "relative",
  "student",
  "teacher",
] as const;

/** User roles of OneRoster 1.2. */
export const ROLES_12 = KNOWN_ROLES;

/** CEDS grade codes that OneRoster uses. */
export const GRADE_CODES: ReadonlySet<string> = new Set([
  "IT",
  "PR",
  "PK",
  "TK",
  "KG",
  "01",
  "02",
  "03",
  "04",
  "05",
  "06",
  "07",
  "08",
  "09",
  "10",
  "11",
  "12",
  "13",
  "PS",
  "UG",
  "Other",
]);

const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const ISO_DATETIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)$/;

/**
 * Checks a date cell (`YYYY-MM-DD`) or datetime cell (ISO 8601 with a zone),
 * warning about anything else; the value is kept as written.
 *
 * @example
 * checkDate("1/05/2023", "beginDate", "date", warn) // warns: not an ISO 8601 date
 */
export function checkDate(raw: string, column: string, kind: "date" | "datetime", warn: Warn): string {
  const value = raw.trim();
  if (value && !(kind === "date" ? ISO_DATE : ISO_DATETIME).test(value)) {
    warn(`column "${column}" is not an ISO 8601 ${kind === "date" ? "date (YYYY-MM-DD)" : "datetime"}`, {
      kind: "bad_date",
      column,
      value,
    });
  }
  return value;
}
