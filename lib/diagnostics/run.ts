/** Runs the chosen diagnostics over a roster and a platform snapshot and assembles the report. */
import { type DiagnosticContext, diagnosticContext } from "./context.ts";
import type { Roster } from "../model/roster.ts";
import { emptySnapshot, type PlatformSnapshot } from "../model/snapshot.ts";
import { formatIssue } from "../model/issues.ts";
import { buildReport, type Finding, type Notice, type Report, type ToolName } from "../model/findings.ts";
import { coverageNotices } from "./coverage.ts";
import { findMissingData } from "./missing-data.ts";
import { findStudentMismatches } from "./student-mismatch.ts";
import { findParentEmailConflicts } from "./parent-email.ts";
import { findCampusTransfers } from "./campus-transfer.ts";
import { checkRoster, type RosterCheckStream } from "./roster-check.ts";
import { collectGarbage } from "../release.ts";

/** A diagnostic: a pure function from a roster and a platform snapshot to findings. */
export type Diagnostic = (roster: Roster, platform: PlatformSnapshot, ctx?: DiagnosticContext) => Finding[];

/** The diagnostics this release implements, by tool name. */
export const DIAGNOSTICS: Record<ToolName, Diagnostic> = {
  "missing-data": findMissingData,
  "student-mismatch": findStudentMismatches,
  "parent-email": findParentEmailConflicts,
  "campus-transfer": findCampusTransfers,
  "roster-check": (roster, _platform, ctx) => checkRoster(roster, ctx?.source),
};

/** Every tool that can run, in report order. */
export const AVAILABLE_TOOLS = Object.keys(DIAGNOSTICS) as ToolName[];

/** Tools that read only the source: no settings or database needed. */
export const SOURCE_TOOLS: readonly ToolName[] = ["roster-check"];

/** What `diagnose` runs when no --tool is given: the four comparisons with the platform. */
export const DEFAULT_TOOLS = AVAILABLE_TOOLS.filter((t) => !SOURCE_TOOLS.includes(t));

/** True when every tool reads only the source. */
export function sourceOnly(tools: readonly ToolName[]): boolean {
  return tools.length > 0 && tools.every((t) => SOURCE_TOOLS.includes(t));
}

/**
 * The tools that read the enrollment indexes of the run's context. A run runs them first and lets go of the indexes
 * before the others build theirs (the guardians' index): both at once made the peak of a diagnosis.
 */
const ENROLLMENT_TOOLS: ReadonlySet<ToolName> = new Set(["missing-data", "campus-transfer"]);

/** The arguments of {@link runDiagnostics}. */
export interface RunInput {
  customer: string;
  environment: string;
  roster: Roster;
  /** Not needed when every tool reads only the source. */
  platform?: PlatformSnapshot;
  tools?: readonly ToolName[];
  now?: Date;
  onTool?: (tool: ToolName) => void;
  /** roster-check's enrollment checks, run while the roster was read (see {@link RosterCheckStream}). */
  rosterCheck?: RosterCheckStream;
  /** The indexes to run over; default a new {@link diagnosticContext} of the roster and the platform. */
  context?: DiagnosticContext;
}

/**
 * Runs diagnostics and returns the report (findings sorted, summary counted,
 * warnings about the source first).
 *
 * @example
 * const report = runDiagnostics({ customer: "demo-isd", environment: "embedded", roster, platform });
 */
export function runDiagnostics(input: RunInput): Report {
  const tools = input.tools?.length ? [...new Set(input.tools)] : DEFAULT_TOOLS;
  const platform = input.platform ?? (sourceOnly(tools) ? emptySnapshot() : undefined);
  if (!platform) throw new Error(`${tools.join(", ")} need the platform snapshot`);
  // One context for the whole run: every tool reads the same indexes, built once.
  const ctx = input.context ?? diagnosticContext(input.roster, platform);
  const findings: Finding[] = [];
  // The report's order is its own (buildReport sorts): the tools that read the enrollment indexes run first.
  const order = [...tools.filter((t) => ENROLLMENT_TOOLS.has(t)), ...tools.filter((t) => !ENROLLMENT_TOOLS.has(t))];
  for (const [i, tool] of order.entries()) {
    input.onTool?.(tool);
    // A loop, not a spread: a run may have millions of findings, more than a call takes arguments.
    const found = tool === "roster-check" && input.rosterCheck
      ? input.rosterCheck.findings(input.roster)
      : DIAGNOSTICS[tool](input.roster, platform, ctx);
    for (const f of found) findings.push(f);
    if (ENROLLMENT_TOOLS.has(tool) && !order.slice(i + 1).some((t) => ENROLLMENT_TOOLS.has(t))) {
      ctx.releaseEnrollments();
    }
    // What this tool left behind goes before the next makes its own: at 1,000,000 students the four tools' garbage
    // piled up to 320 MB of the peak, for 0.7 s of collections (see collectGarbage).
    if (i < order.length - 1) collectGarbage();
  }
  const compares = tools.some((t) => !SOURCE_TOOLS.includes(t));
  return buildReport({
    customer: input.customer,
    environment: input.environment,
    generatedAt: input.now ?? new Date(),
    source: input.roster.source,
    tools,
    warnings: [
      ...(compares ? coverageNotices(input.roster, platform, ctx) : []),
      // roster-check reports the reader's issues as findings; the other tools list them as warnings.
      ...(tools.includes("roster-check") ? [] : sourceNotices(input.roster)),
    ],
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
