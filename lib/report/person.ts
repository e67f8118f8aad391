/**
 * One person's (or one class's) part of a report: `diagnose --person KEY`
 * keeps the findings that name them, so the report and its fix script stay
 * about the ticket at hand.
 */
import { type Finding, type Report, summarize } from "../model/findings.ts";
import { normalizeEmail } from "../normalize.ts";

// Lists in details whose items name people by sourcedId (a parent's students, a shared email's guardians…).
const PEOPLE_LISTS = ["missing", "unexpected", "students", "guardians", "activeRecords"] as const;

/**
 * Whether a finding names `key`: a sourcedId, a platform id, an email (any case) or a student number in its
 * entity, or a sourcedId in the students and guardians its details list. The one rule for `diagnose --person`,
 * the server's person downloads and `history --person`.
 *
 * @example
 * aboutPerson(finding, "stu-000031") // true for that student's parent_link.mismatch
 */
export function aboutPerson(f: Pick<Finding, "entity"> & { details?: Finding["details"] }, key: string): boolean {
  const k = key.trim();
  const email = normalizeEmail(k);
  for (const [name, value] of Object.entries(f.entity)) {
    if (name === "role" || name === "field") continue;
    const text = String(value);
    if (text === k || (text.includes("@") && text.trim().toLowerCase() === email)) return true;
  }
  const d = (f.details ?? {}) as Record<string, unknown>;
  for (const list of PEOPLE_LISTS) {
    const items = d[list];
    if (!Array.isArray(items)) continue;
    for (const item of items) {
      if (
        item === k || (typeof item === "object" && item !== null && (item as { sourcedId?: unknown }).sourcedId === k)
      ) {
        return true;
      }
    }
  }
  return false;
}

/**
 * The report narrowed to the findings about `key`, summary recounted; run warnings are kept (they qualify every finding).
 *
 * @example
 * const report = reportAbout(full, "ana.ruiz@example.org");
 */
export function reportAbout(report: Report, key: string): Report {
  const direct = report.findings.filter((f) => aboutPerson(f, key));
  // A parent's email names their account too: findings about that account by id belong to them (a stale-record
  // link carries the account's id, not its email).
  const accounts = new Set(direct.map((f) => f.entity.parentPlatformId).filter((id) => id !== undefined));
  const findings = report.findings.filter((f) =>
    direct.includes(f) || (f.entity.parentPlatformId !== undefined && accounts.has(f.entity.parentPlatformId))
  );
  const comparison = report.comparison && {
    ...report.comparison,
    resolved: report.comparison.resolved.filter((f) => aboutPerson(f, key)),
    new: findings.filter((f) => f.status === "new" || f.status === "reopened").length,
    reopened: findings.filter((f) => f.status === "reopened").length,
    stillOpen: findings.filter((f) => f.status === "still_open").length,
  };
  return { ...report, summary: summarize(findings), findings, ...(comparison ? { comparison } : {}) };
}
