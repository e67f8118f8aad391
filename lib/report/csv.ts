/** One CSV row per finding, for spreadsheets and ticket attachments. */
import type { Report } from "../model/findings.ts";
import { csvField } from "../sources/oneroster-csv/write.ts";
import { csvText, safeJson } from "../text.ts";

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
 * No value is a formula to a spreadsheet (one starting with `=`, `+`, `-`, `@`
 * gets a leading `'`) and control characters show as escapes.
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
        safeJson(f.entity),
        f.message,
        f.resolution.action,
        f.resolution.explanation,
        safeJson(f.details),
      ].map((v) => csvField(csvText(v))).join(","),
    );
  }
  return lines.join("\r\n") + "\r\n";
}
