/** A report compared with an earlier run: every finding's status, the counts, and the sentence reports lead with. */
import type { Comparison, Report } from "../model/findings.ts";
import type { ComparisonResult } from "../history/compare.ts";

/**
 * The report with `comparison` set and every finding's `status`.
 *
 * @example
 * const compared = applyComparison(report, compareRuns(report, earlier));
 */
export function applyComparison(report: Report, result: ComparisonResult): Report {
  if (result.statuses.length !== report.findings.length) {
    throw new Error("a comparison must give one status per finding of the report");
  }
  return {
    ...report,
    findings: report.findings.map((f, i) => ({ ...f, status: result.statuses[i] })),
    comparison: result.comparison,
  };
}

/**
 * The sentence the table and Markdown reports lead with.
 *
 * @example
 * comparisonLead(report.comparison!) // "3 new, 140 still open, 12 resolved since 2026-11-26 02:00"
 */
export function comparisonLead(c: Comparison): string {
  const when = c.against.replace("T", " ").replace(/:\d{2}(\.\d+)?Z$/, "");
  const reopened = c.reopened ? ` (${c.reopened} reopened)` : "";
  return `${c.new} new${reopened}, ${c.stillOpen} still open, ${c.resolved.length} resolved since ${when}`;
}
