/** Findings grouped by code, in report order. */
import type { Finding, Report, Severity } from "../model/findings.ts";

/** The findings of one code. */
export interface CodeGroup {
  code: string;
  tool: string;
  severities: Severity[];
  findings: Finding[];
}

/**
 * Groups a report's findings by code, errors' codes first, then by tool and code.
 *
 * @example
 * findingsByCode(report)[0].code // "campus.missing_in_platform"
 */
export function findingsByCode(report: Report): CodeGroup[] {
  const groups = new Map<string, CodeGroup>();
  for (const f of report.findings) {
    let g = groups.get(f.code);
    if (!g) groups.set(f.code, g = { code: f.code, tool: f.tool, severities: [], findings: [] });
    if (!g.severities.includes(f.severity)) g.severities.push(f.severity);
    g.findings.push(f);
  }
  const order: Severity[] = ["error", "warning", "info"];
  for (const g of groups.values()) g.severities.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const rank = (g: CodeGroup) => g.severities.includes("error") ? 0 : g.severities.includes("warning") ? 1 : 2;
  return [...groups.values()].sort((a, b) =>
    rank(a) - rank(b) || (a.tool < b.tool ? -1 : a.tool > b.tool ? 1 : a.code < b.code ? -1 : 1)
  );
}
