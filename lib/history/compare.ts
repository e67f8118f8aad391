/**
 * Compares a run's findings with an earlier run's by stable key (code +
 * entity keys), never by message: which are new, still open, reopened, and
 * which of the earlier ones are resolved.
 */
import type { Comparison, Finding, FindingStatus, ResolvedFinding } from "../model/findings.ts";
import { findingKey } from "./record.ts";

/** The earlier run as a comparison needs it: a recorded run, or a JSON report read from a file. */
export interface EarlierRun {
  /** Whose run it was (a report file says; the history's own runs are the customer's by construction). */
  customer?: string;
  environment?: string;
  generatedAt: string;
  tools: readonly string[];
  findings: ReadonlyArray<ResolvedFinding & { key?: string }>;
}

/** A comparison, and the status of each current finding (in the order given). */
export interface ComparisonResult {
  comparison: Comparison;
  statuses: FindingStatus[];
}

/**
 * Compares `current` with `earlier`. With `seenBefore` (the keys of every
 * run before `earlier`, from the history), a finding absent from `earlier`
 * but seen before it is `reopened`, and counts as new. Findings of tools the
 * current run did not run are never called resolved.
 *
 * @example
 * const { comparison, statuses } = compareRuns(report, lastRun, seenBefore);
 * comparison.resolved.length // findings of the last run that are gone
 */
export function compareRuns(
  current: { tools: readonly string[]; findings: readonly Finding[] },
  earlier: EarlierRun,
  seenBefore?: ReadonlySet<string>,
): ComparisonResult {
  const earlierKeys = new Set(earlier.findings.map((f) => f.key ?? findingKey(f)));
  const currentKeys = new Set<string>();
  const statuses: FindingStatus[] = [];
  let fresh = 0;
  let reopened = 0;
  let stillOpen = 0;
  for (const f of current.findings) {
    const key = findingKey(f);
    currentKeys.add(key);
    if (earlierKeys.has(key)) {
      stillOpen++;
      statuses.push("still_open");
    } else if (seenBefore?.has(key)) {
      fresh++;
      reopened++;
      statuses.push("reopened");
    } else {
      fresh++;
      statuses.push("new");
    }
  }
  const ranTools = new Set(current.tools);
  const resolved: ResolvedFinding[] = [];
  for (const f of earlier.findings) {
    if (currentKeys.has(f.key ?? findingKey(f))) continue;
    // A tool not run now cannot say its findings are gone.
    if (!ranTools.has(f.tool)) continue;
    resolved.push({ tool: f.tool, code: f.code, severity: f.severity, entity: f.entity, message: f.message });
  }
  return {
    comparison: { against: earlier.generatedAt, new: fresh, reopened, stillOpen, resolved },
    statuses,
  };
}
