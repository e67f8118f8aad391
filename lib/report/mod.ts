/** Report renderers by format name. */
import { z } from "zod";
import type { Report } from "../diagnostics/findings.ts";
import { renderCsv } from "./csv.ts";
import { renderJson } from "./json.ts";
import { renderMarkdown } from "./markdown.ts";
import { renderTable } from "./table.ts";

/** Output formats of the report. */
export const ReportFormat = z.enum(["table", "json", "csv", "md"]);
export type ReportFormat = z.infer<typeof ReportFormat>;

/**
 * Renders a report in a format.
 *
 * @example
 * await Deno.writeTextFile("report.md", renderReport(report, "md"));
 */
export function renderReport(report: Report, format: ReportFormat): string {
  switch (format) {
    case "table":
      return renderTable(report);
    case "json":
      return renderJson(report);
    case "csv":
      return renderCsv(report);
    case "md":
      return renderMarkdown(report);
  }
}

export { renderCsv, renderJson, renderMarkdown, renderTable };
