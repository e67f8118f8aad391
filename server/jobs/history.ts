/**
 * The server's diagnoses in the run history (inside the job process, where the
 * roster is): a run is recorded when its source or its findings changed since
 * the customer's last recorded run (for a live source, when its findings
 * changed), so a page reloaded every minute does not
 * fill the history with copies. Every finding gets its status (new,
 * still_open, reopened) against the run before the current state.
 */
import type { Report } from "../../lib/model/findings.ts";
import type { Roster } from "../../lib/model/roster.ts";
import { historyOfDiagnosis } from "../../lib/history/run.ts";
import { openHistory } from "../../lib/history/store.ts";
import { findingKey, sourceCounts, sourceIdentity } from "../../lib/history/record.ts";
import { SUDDEN_DROP, suddenDropNotice, suddenDrops } from "../../lib/history/drop.ts";
import { compareRuns } from "../../lib/history/compare.ts";
import { applyComparison } from "../../lib/report/comparison.ts";

/** The report as the page shows it, and whether this run was recorded. */
export interface ServerRun {
  report: Report;
  recorded: boolean;
  where: string;
}

/**
 * Records a full diagnosis (unless it repeats the last recorded run) and marks its findings.
 *
 * @example
 * const { report } = await recordServerRun(diagnosis, { CDT_HISTORY_DIR: "history" });
 */
export async function recordServerRun(
  diagnosis: { report: Report; roster: Roster },
  env: Record<string, string | undefined>,
): Promise<ServerRun> {
  const { report } = diagnosis;
  const store = await openHistory(env);
  try {
    const [latest, before] = await store.runs(report.customer, { environment: report.environment, limit: 2 });
    const latestRun = latest && await store.load(latest.id);
    if (latestRun && sameState(latestRun, report, await sourceIdentity(diagnosis.roster, report.generatedAt))) {
      // Nothing changed: the statuses are those the last recorded run was given, against the run before it,
      // and a sudden drop that run was judged to be still leads the page.
      let shown = report;
      if (latestRun.warnings.includes(SUDDEN_DROP)) {
        const earlier = await store.runs(report.customer, {
          environment: report.environment,
          before: latestRun.generatedAt,
          limit: 366,
        });
        const notice = suddenDropNotice(suddenDrops(sourceCounts(diagnosis.roster), [...earlier].reverse()));
        if (notice) shown = { ...shown, warnings: [notice, ...shown.warnings] };
      }
      const beforeRun = before && await store.load(before.id);
      if (!beforeRun) return { report: shown, recorded: false, where: store.where };
      const seen = await store.keysBefore(report.customer, report.environment, beforeRun.generatedAt);
      return {
        report: applyComparison(shown, compareRuns(shown, beforeRun, seen)),
        recorded: false,
        where: store.where,
      };
    }
    const recorded = await historyOfDiagnosis(diagnosis, { env, compare: "last", store });
    return { report: recorded.report, recorded: true, where: recorded.where };
  } finally {
    await store.close();
  }
}

/** Same source, same tools, same findings (by stable key). */
function sameState(
  run: { source: { identity: string }; tools: readonly string[]; findings: ReadonlyArray<{ key: string }> },
  report: Report,
  identity: string,
): boolean {
  // A live source's identity is the time it was read: there, the findings alone tell whether anything changed.
  const live = identity.startsWith("read:") && run.source.identity.startsWith("read:");
  if (!live && run.source.identity !== identity) return false;
  if ([...run.tools].sort().join(",") !== [...report.tools].sort().join(",")) return false;
  if (run.findings.length !== report.findings.length) return false;
  const keys = new Set(run.findings.map((f) => f.key));
  return report.findings.every((f) => keys.has(findingKey(f)));
}
