/** The JSON report of shared/findings.md. */
import type { Report } from "../model/findings.ts";
import { safeJson } from "../text.ts";

/**
 * Renders a report as indented JSON with a final newline. JSON escapes C0
 * controls itself; DEL, C1 and bidi controls are written as `\u` escapes too.
 *
 * @example
 * JSON.parse(renderJson(report)).summary.error // 12
 */
export function renderJson(report: Report): string {
  return safeJson(report, 2) + "\n";
}
