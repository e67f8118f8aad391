/** The terminal report: warnings, a summary by code, then the first findings of each code. */
import type { Report } from "../diagnostics/findings.ts";
import { findingsByCode } from "./group.ts";
import { comparisonLead } from "./comparison.ts";
import { printableLines } from "../text.ts";

/** Options of {@link renderTable}. */
export interface TableOptions {
  /** How many findings to show per code; default 5. */
  perCode?: number;
}

/**
 * Renders a report for a terminal, plain text, no colour. Every line is made
 * printable: a value's escape sequence or line break shows as `\x1b`, `\n`.
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
  out.push(
    `SUMMARY: ${error} error${error === 1 ? "" : "s"}, ${warning} warning${warning === 1 ? "" : "s"}, ${info} info`,
  );
  if (groups.length === 0) {
    out.push("  No findings: the roster and the platform agree.");
    return printableLines(out).join("\n") + "\n";
  }
  const width = Math.max(4, ...groups.map((g) => g.code.length));
  out.push(`  ${"code".padEnd(width)}  ${"severity".padEnd(13)}  ${"count".padStart(6)}`);
  for (const g of groups) {
    out.push(
      `  ${g.code.padEnd(width)}  ${g.severities.join("/").padEnd(13)}  ${String(g.findings.length).padStart(6)}`,
    );
  }
  out.push("");
  out.push(`FINDINGS (first ${perCode} of each code)`);
  for (const g of groups) {
    out.push(`  ${g.code} (${g.findings.length})`);
    for (const f of g.findings.slice(0, perCode)) {
      out.push(`    ${f.severity === "error" ? "x" : f.severity === "warning" ? "!" : "i"} ${f.message}`);
      out.push(`      -> ${f.resolution.action}: ${f.resolution.explanation}`);
    }
    if (g.findings.length > perCode) {
      out.push(`    … and ${g.findings.length - perCode} more (--format json or csv lists all)`);
    }
  }
  return printableLines(out).join("\n") + "\n";
}
