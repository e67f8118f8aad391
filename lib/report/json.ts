/** The JSON report of shared/findings.md. */
import type { Report } from "../diagnostics/findings.ts";

/**
 * Renders a report as indented JSON with a final newline.
 *
 * @example
 * JSON.parse(renderJson(report)).summary.error // 12
 */
export function renderJson(report: Report): string {
  return JSON.stringify(report, null, 2) + "\n";
}
