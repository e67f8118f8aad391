/** Report renderers by format name. */
import { z } from "zod";
import type { Report } from "../model/findings.ts";
import { renderCsv } from "./csv.ts";
import { renderJson } from "./json.ts";
import { renderMarkdown } from "./markdown.ts";
import { renderTable } from "./table.ts";

/** Output formats of the report. */
export const ReportFormat = z.enum(["table", "json", "csv", "md"]);
export type ReportFormat = z.infer<typeof ReportFormat>;

/**
 * Renders a report in a format (`color` only colours the table, for a terminal).
 *
 * @example
 * await Deno.writeTextFile("report.md", renderReport(report, "md"));
 */
export function renderReport(report: Report, format: ReportFormat, options: { color?: boolean } = {}): string {
  switch (format) {
    case "table":
      return renderTable(report, options);
    case "json":
      return renderJson(report);
    case "csv":
      return renderCsv(report);
    case "md":
      return renderMarkdown(report);
  }
}

export { renderCsv, renderJson, renderMarkdown, renderTable };

/**
 * Whether output to this stream may be coloured: a terminal, and NO_COLOR unset (https://no-color.org).
 *
 * @example
 * renderReport(report, "table", { color: wantsColor(Deno.stdout) })
 */
export function wantsColor(
  stream: { isTerminal(): boolean },
  env: { get(name: string): string | undefined } = Deno.env,
): boolean {
  return stream.isTerminal() && !env.get("NO_COLOR");
}
