/** A Markdown report, for tickets, wikis and pull requests. */
import type { Report } from "../model/findings.ts";
import { findingsByCode } from "./group.ts";
import { comparisonLead } from "./comparison.ts";
import { markdownText } from "../text.ts";
import { rootCauseLines } from "./causes.ts";
import { count, num } from "./words.ts";

// Every value a district or a file could have written goes through one escape: no HTML, no links, no new lines.
const cell = markdownText;

/**
 * Renders a report as Markdown: summary table, warnings, then every finding grouped by code.
 *
 * @example
 * renderMarkdown(report).startsWith("# Diagnosis of demo-isd") // true
 */
export function renderMarkdown(report: Report): string {
  const out: string[] = [];
  out.push(
    report.environment === "none"
      ? `# Check of a ${cell(report.source.kind)} ${cell(report.source.version)} export${
        report.customer === "(none)" ? "" : ` of ${cell(report.customer)}`
      }`
      : `# Diagnosis of ${cell(report.customer)} (${cell(report.environment)})`,
    "",
  );
  if (report.comparison) out.push(`**${comparisonLead(report.comparison)}.**`, "");
  out.push(
    `Generated ${cell(report.generatedAt)} from ${cell(report.source.kind)} ${cell(report.source.version)}; tools: ${
      report.tools.join(", ")
    }.`,
    "",
  );
  out.push(
    `**${count(report.summary.error, "error")}, ${count(report.summary.warning, "warning")}, ${
      num(report.summary.info)
    } info.**`,
    "",
  );
  const causes = rootCauseLines(report.findings, 5);
  if (causes.length) {
    out.push("## Root causes: fix these first", "");
    for (const line of causes) out.push(`- ${cell(line)}`);
    out.push("");
  }
  if (report.warnings.length) {
    out.push("## Warnings", "");
    for (const w of report.warnings) out.push(`- **${w.code}**: ${cell(w.message)}`);
    out.push("");
  }
  const groups = findingsByCode(report);
  if (groups.length) {
    out.push("## Summary", "", "| code | severity | count |", "|---|---|---:|");
    for (const g of groups) out.push(`| \`${g.code}\` | ${g.severities.join("/")} | ${num(g.findings.length)} |`);
    out.push("");
    for (const g of groups) {
      out.push(
        `## \`${g.code}\` (${num(g.findings.length)})`,
        "",
        "| severity | entity | message | action | why and how |",
        "|---|---|---|---|---|",
      );
      for (const f of g.findings) {
        const entity = Object.entries(f.entity).map(([k, v]) => `${k}=${v}`).join(", ");
        // f.resolution.action and the codes are ours: a fixed vocabulary, printed as is.
        out.push(
          `| ${f.severity} | ${cell(entity)} | ${cell(f.message)} | ${f.resolution.action} | ${
            cell(f.resolution.explanation)
          } |`,
        );
      }
      out.push("");
    }
  } else {
    out.push("No findings.", "");
  }
  return out.join("\n");
}
