/**
 * `source.sudden_drop`: truncation judged against the customer's own
 * history. The fixed half-rule of `source.looks_incomplete` misses an export
 * that lost a fifth of its enrollments; a district's normal churn is learnt
 * from its runs instead: a drop more than three times the largest earlier
 * one, and at least 5 %, leads the report.
 */
import type { Notice } from "../model/findings.ts";
import type { SourceCounts } from "./record.ts";

/** The notice code, a public name like the codes of findings.md. */
export const SUDDEN_DROP = "source.sudden_drop";
/** A drop must be this many times the largest earlier one. */
export const DROP_FACTOR = 3;
/** …and at least this share of the earlier count. */
export const MIN_DROP_SHARE = 0.05;
/** Below this many active records a kind is too small to judge. */
const MIN_COUNT = 20;

/** A run's counts and when it ran, oldest first. */
export interface CountedRun {
  generatedAt: string;
  counts: SourceCounts | null;
  /** The run's warning codes: a run that was itself a sudden drop is no measure of normal churn. */
  warnings?: readonly string[];
}

/** One kind that dropped suddenly. */
export interface SuddenDrop {
  kind: keyof SourceCounts;
  from: number;
  to: number;
  /** (from - to) / from. */
  share: number;
  /** The largest drop between two consecutive earlier runs, as a share. */
  largestEarlierShare: number;
  /** The generatedAt of the run the drop is measured from. */
  againstRun: string;
}

const KINDS: ReadonlyArray<keyof SourceCounts> = ["students", "enrollments", "guardians"];
const NOUNS: Record<keyof SourceCounts, string> = {
  students: "active students",
  enrollments: "active enrollments",
  guardians: "active guardians",
};

/**
 * The kinds whose count fell from the last earlier run to `current` by more
 * than {@link DROP_FACTOR} times the largest drop between consecutive earlier
 * runs, and by at least {@link MIN_DROP_SHARE}.
 *
 * @example
 * suddenDrops({ students: 600, enrollments: 5000, guardians: 900 }, earlierRuns)[0].kind // "students"
 */
export function suddenDrops(current: SourceCounts, earlier: readonly CountedRun[]): SuddenDrop[] {
  const counted = earlier.filter((r): r is CountedRun & { counts: SourceCounts } => r.counts !== null);
  const last = counted.at(-1);
  if (!last) return [];
  const drops: SuddenDrop[] = [];
  for (const kind of KINDS) {
    const from = last.counts[kind];
    const to = current[kind];
    if (from < MIN_COUNT || to >= from) continue;
    let largest = 0;
    for (let i = 1; i < counted.length; i++) {
      // A drop into a run flagged as sudden (a truncated export) would raise the bar for good.
      if (counted[i].warnings?.includes(SUDDEN_DROP)) continue;
      const a = counted[i - 1].counts[kind];
      const b = counted[i].counts[kind];
      if (a > 0 && b < a) largest = Math.max(largest, (a - b) / a);
    }
    const share = (from - to) / from;
    if (share >= MIN_DROP_SHARE && share > DROP_FACTOR * largest) {
      drops.push({ kind, from, to, share, largestEarlierShare: largest, againstRun: last.generatedAt });
    }
  }
  return drops;
}

const percent = (share: number) => `${(share * 100).toFixed(share < 0.1 ? 1 : 0)} %`;

/**
 * The notice that leads the report when {@link suddenDrops} found any.
 *
 * @example
 * report.warnings.unshift(suddenDropNotice(drops)!);
 */
export function suddenDropNotice(drops: readonly SuddenDrop[]): Notice | undefined {
  if (!drops.length) return undefined;
  const parts = drops.map((d) =>
    `${NOUNS[d.kind]} fell from ${d.from} to ${d.to} (−${percent(d.share)}) since the run of ${d.againstRun}, ` +
    `against at most −${percent(d.largestEarlierShare)} between its earlier runs`
  );
  return {
    code: SUDDEN_DROP,
    severity: "warning",
    message: `The source dropped suddenly: ${parts.join("; ")}. A truncated export reads as mass withdrawals: ` +
      "check the export before acting on not_in_source findings.",
    details: { drops },
  };
}
