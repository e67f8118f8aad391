/**
 * Findings grouped under their root cause, so a page can fold a missing
 * class's thirty enrollments beneath it: the same `causedBy` chains as
 * {@link rootCauses}, with the members of each group.
 */
import type { Finding } from "../model/findings.ts";
import { type RootCause, rootCauses, rootKeys } from "./causes.ts";
import { findingKey } from "../model/findings.ts";

/** A root cause and the findings it explains (its own finding first, when the report holds it). */
export interface CauseGroup {
  cause: RootCause;
  findings: Finding[];
}

/** Findings grouped by cause, and the findings no other finding explains or is explained with. */
export interface CauseGrouping {
  groups: CauseGroup[];
  alone: Finding[];
}

/**
 * Groups `shown` (a filtered part of `all`, or all of it) under the root
 * causes of `all`, most-explaining cause first; a cause whose findings are all
 * filtered out has no group.
 *
 * @example
 * const { groups, alone } = groupByCause(report.findings);
 * groups[0].cause.explains // 912
 */
export function groupByCause(all: readonly Finding[], shown: readonly Finding[] = all): CauseGrouping {
  const roots = rootKeys(all);
  const causes = rootCauses(all);
  const groupOf = new Map<string, CauseGroup>(causes.map((c) => [findingKey(c), { cause: c, findings: [] }]));
  const alone: Finding[] = [];
  for (const f of shown) {
    const g = groupOf.get(roots.get(f) ?? findingKey(f));
    if (g) g.findings.push(f);
    else alone.push(f);
  }
  for (const g of groupOf.values()) {
    // The cause's own finding leads its group.
    const own = g.findings.findIndex((f) => findingKey(f) === findingKey(g.cause));
    if (own > 0) g.findings.unshift(...g.findings.splice(own, 1));
  }
  return { groups: causes.map((c) => groupOf.get(findingKey(c))!).filter((g) => g.findings.length), alone };
}
