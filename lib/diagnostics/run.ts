/** Runs the chosen diagnostics over a roster and a platform snapshot and assembles the report. */
import type { Roster } from "../roster.ts";
import type { PlatformSnapshot } from "../platform/snapshot.ts";
import { formatIssue } from "../sources/issues.ts";
import { buildReport, type Finding, type Notice, type Report, type ToolName } from "./findings.ts";
import { coverageNotices } from "./coverage.ts";
import { findMissingData } from "./missing-data.ts";
import { findStudentMismatches } from "./student-mismatch.ts";
import { findParentEmailConflicts } from "./parent-email.ts";
import { findCampusTransfers } from "./campus-transfer.ts";

/** A diagnostic: a pure function from a roster and a platform snapshot to findings. */
export type Diagnostic = (roster: Roster, platform: PlatformSnapshot) => Finding[];

/** The diagnostics this release implements, by tool name. */
export const DIAGNOSTICS: Record<ToolName, Diagnostic> = {
  "missing-data": findMissingData,
  "student-mismatch": findStudentMismatches,
  "parent-email": findParentEmailConflicts,
  "campus-transfer": findCampusTransfers,
};

/** The tool names that can run, in report order. */
export const AVAILABLE_TOOLS = Object.keys(DIAGNOSTICS) as ToolName[];

/** The arguments of {@link runDiagnostics}. */
export interface RunInput {
  customer: string;
  environment: string;
  roster: Roster;
  platform: PlatformSnapshot;
  tools?: readonly ToolName[];
  now?: Date;
  onTool?: (tool: ToolName) => void;
}

/**
 * Runs diagnostics and returns the report (findings sorted, summary counted,
 * warnings about the source first).
 *
 * @example
 * const report = runDiagnostics({ customer: "demo-isd", environment: "embedded", roster, platform });
 */
export function runDiagnostics(input: RunInput): Report {
  const tools = input.tools?.length ? [...new Set(input.tools)] : AVAILABLE_TOOLS;
  const findings: Finding[] = [];
  for (const tool of tools) {
    const diagnostic = DIAGNOSTICS[tool];
    if (!diagnostic) throw new Error(`tool ${tool} is not available; available: ${AVAILABLE_TOOLS.join(", ")}`);
    input.onTool?.(tool);
    findings.push(...diagnostic(input.roster, input.platform));
  }
  return buildReport({
    customer: input.customer,
    environment: input.environment,
    generatedAt: input.now ?? new Date(),
    source: input.roster.source,
    tools,
    warnings: [...coverageNotices(input.roster, input.platform), ...sourceNotices(input.roster)],
    findings,
  });
}

/** The reader's errors and warnings about the source, as report notices (info stays out). */
export function sourceNotices(roster: Roster): Notice[] {
  return roster.issues.filter((i) => i.severity !== "info").map((i) => ({
    code: `source.${i.kind}`,
    severity: i.severity,
    message: formatIssue(i),
    details: { file: i.file, count: i.count, lines: i.lines },
  }));
}
