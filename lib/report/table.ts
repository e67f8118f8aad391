/** The terminal report: warnings, a summary by code, then the first findings of each code. */
import type { Report } from "../model/findings.ts";
import { findingsByCode } from "./group.ts";
import { comparisonLead } from "./comparison.ts";
import { printableLines } from "../text.ts";
import { rootCauseLines } from "./causes.ts";
import { count, num } from "./words.ts";

/** Options of {@link renderTable}. */
export interface TableOptions {
  /** How many findings to show per code; default 5. */
  perCode?: number;
  /** ANSI colour for a terminal (the shells pass it unless NO_COLOR is set); default none. */
  color?: boolean;
}

const ANSI = { red: "\x1b[31m", yellow: "\x1b[33m", bold: "\x1b[1m", reset: "\x1b[0m" } as const;

/**
 * Renders a report for a terminal: plain text, colour only when asked. Every
 * line is made printable first (a value's escape sequence or line break shows
 * as `\x1b`, `\n`); only then are our own colours added.
 *
 * @example
 * console.log(renderTable(report, { perCode: 3 }));
 */
export function renderTable(report: Report, options: TableOptions = {}): string {
  const perCode = options.perCode ?? 5;
  const out: string[] = [];
  out.push(
    report.environment === "none"
      ? `Check of a ${report.source.kind} ${report.source.version} export${
        report.customer === "(none)" ? "" : ` of ${report.customer}`
      }, ${report.generatedAt}`
      : `Diagnosis of ${report.customer} (${report.environment}) from ${report.source.kind} ${report.source.version}, ${report.generatedAt}`,
  );
  out.push(`Tools: ${report.tools.join(", ")}`);
  if (report.comparison) out.push(comparisonLead(report.comparison));
  out.push("");
  if (report.warnings.length) {
    out.push("WARNINGS");
    for (const w of report.warnings) out.push(`  ! ${w.message}`);
    out.push("");
  }
  const groups = findingsByCode(report);
  const { error, warning, info } = report.summary;
  const causes = rootCauseLines(report.findings, 5);
  if (causes.length) {
    out.push("ROOT CAUSES (fix these first: each explains the findings that follow from it)");
    for (const line of causes) out.push(`  * ${line}`);
    out.push("");
  }
  out.push(`SUMMARY: ${count(error, "error")}, ${count(warning, "warning")}, ${num(info)} info`);
  if (groups.length === 0) {
    out.push("  No findings: the roster and the platform agree.");
    return paint(printableLines(out), options.color).join("\n") + "\n";
  }
  const width = Math.max(4, ...groups.map((g) => g.code.length));
  out.push(`  ${"code".padEnd(width)}  ${"severity".padEnd(13)}  ${"count".padStart(7)}`);
  for (const g of groups) {
    out.push(`  ${g.code.padEnd(width)}  ${g.severities.join("/").padEnd(13)}  ${num(g.findings.length).padStart(7)}`);
  }
  out.push("");
  out.push(`FINDINGS (first ${num(perCode)} of each code)`);
  for (const g of groups) {
    out.push(`  ${g.code} (${num(g.findings.length)})`);
    for (const f of g.findings.slice(0, perCode)) {
      out.push(`    ${f.severity === "error" ? "x" : f.severity === "warning" ? "!" : "i"} ${f.message}`);
      out.push(`      -> ${f.resolution.action}: ${f.resolution.explanation}`);
    }
    if (g.findings.length > perCode) {
      out.push(`    … and ${num(g.findings.length - perCode)} more (--format json or csv lists all)`);
    }
  }
  return paint(printableLines(out), options.color).join("\n") + "\n";
}

/** Our colours on lines already made printable (a district's own escape sequences are text by now). */
function paint(lines: string[], color = false): string[] {
  if (!color) return lines;
  return lines.map((line) => {
    if (/^[A-Z][A-Z ]+(\(|:|$)/.test(line)) return `${ANSI.bold}${line}${ANSI.reset}`;
    if (line.startsWith("    x ")) return `    ${ANSI.red}x${ANSI.reset} ${line.slice(6)}`;
    if (line.startsWith("    ! ")) return `    ${ANSI.yellow}!${ANSI.reset} ${line.slice(6)}`;
    return line;
  });
}
