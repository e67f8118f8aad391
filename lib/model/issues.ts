/**
 * Collects the problems a reader meets, grouped so a 50,000-row file with
 * one recurring quirk yields one line with a count, not 50,000 lines.
 */
import type { SourceIssue } from "./roster.ts";

const SAMPLE_LINES = 5;

/** What makes two occurrences one issue: the same severity, file, kind and message. */
function issueKey(severity: string, file: string, kind: string, message: string): string {
  return `${severity}\u0000${file}\u0000${kind}\u0000${message}`;
}

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
    const key = issueKey(severity, file, kind, message);
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

  /**
   * Adds issues gathered by another collector (another thread's reader of
   * another file), as if each occurrence had been added here after those
   * already held.
   *
   * @example
   * issues.merge(otherReader.issues.entries());
   */
  merge(issues: readonly SourceIssue[]): void {
    for (const other of issues) {
      const key = issueKey(other.severity, other.file, other.kind, other.message);
      const issue = this.#issues.get(key);
      if (!issue) {
        this.#issues.set(key, { ...other, lines: [...other.lines] });
        continue;
      }
      issue.count += other.count;
      for (const line of other.lines) if (issue.lines.length < SAMPLE_LINES) issue.lines.push(line);
    }
  }

  /** The issues in the order they were first met (not sorted: for {@link merge}). */
  entries(): SourceIssue[] {
    return [...this.#issues.values()];
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
