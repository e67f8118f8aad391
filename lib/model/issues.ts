/**
 * Collects the problems a reader meets, grouped so a 50,000-row file with
 * one recurring quirk yields one line with a count, not 50,000 lines.
 */
import type { SourceIssue } from "./roster.ts";

const SAMPLE_LINES = 5;

/** Gathers {@link SourceIssue}s, merging repeats of one message. */
export class IssueCollector {
  #issues = new Map<string, SourceIssue>();

  /**
   * Records one occurrence. Issues with the same file, kind and message merge.
   *
   * @example
   * issues.add("warning", "users.csv", 12, "lenient_value", 'column "status" has "inactive"; read as tobedeleted');
   */
  add(
    severity: SourceIssue["severity"],
    file: string,
    line: number,
    kind: string,
    message: string,
    data?: Record<string, string>,
  ): void {
    const key = `${severity}\u0000${file}\u0000${kind}\u0000${message}`;
    const issue = this.#issues.get(key);
    if (issue) {
      issue.count++;
      if (issue.lines.length < SAMPLE_LINES && line > 0) issue.lines.push(line);
    } else {
      this.#issues.set(key, {
        severity,
        file,
        kind,
        message,
        count: 1,
        lines: line > 0 ? [line] : [],
        ...(data ? { data } : {}),
      });
    }
  }

  /** All issues, errors first, then by file. */
  list(): SourceIssue[] {
    const rank = { error: 0, warning: 1, info: 2 } as const;
    return [...this.#issues.values()].sort((a, b) =>
      rank[a.severity] - rank[b.severity] || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)
    );
  }
}

/**
 * Formats an issue the way the style guide asks: `users.csv:1042: message`,
 * with a count when it recurs.
 *
 * @example
 * formatIssue({ severity: "warning", file: "users.csv", kind: "x", message: "m", count: 3, lines: [4, 9, 12] })
 * // "users.csv:4: m (3 rows, first at lines 4, 9, 12)"
 */
export function formatIssue(issue: SourceIssue): string {
  const where = issue.lines.length ? `${issue.file}:${issue.lines[0]}` : issue.file;
  const more = issue.count > 1 ? ` (${issue.count} rows, first at lines ${issue.lines.join(", ")})` : "";
  return `${where}: ${issue.message}${more}`;
}
