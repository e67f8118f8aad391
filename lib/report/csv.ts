/** One CSV row per finding, for spreadsheets and ticket attachments. */
import type { Report } from "../diagnostics/findings.ts";
import { csvField } from "../sources/oneroster-csv/write.ts";

/** The CSV columns, in order. */
export const CSV_COLUMNS = [
  "tool",
  "code",
  "severity",
  "entity",
  "message",
  "action",
  "explanation",
  "details",
] as const;

/**
 * Renders findings as RFC 4180 CSV (CRLF line ends); `entity` and `details` hold JSON.
 *
 * @example
 * renderCsv(report).split("\r\n")[0] // "tool,code,severity,entity,message,action,explanation,details"
 */
export function renderCsv(report: Report): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const f of report.findings) {
    lines.push(
      [
        f.tool,
        f.code,
        f.severity,
        JSON.stringify(f.entity),
        f.message,
        f.resolution.action,
        f.resolution.explanation,
        JSON.stringify(f.details),
      ].map(csvField).join(","),
    );
  }
  return lines.join("\r\n") + "\r\n";
}
