/**
 * Findings grouped under their root cause, so a page can fold a missing
 * class's thirty enrollments beneath it: the same `causedBy` chains as
 * {@link rootCauses}, with the members of each group.
 */
import type { Finding } from "../diagnostics/findings.ts";
import { causeKey, type RootCause, rootCauses } from "./causes.ts";

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

type Ref = { code: string; entity: Record<string, string | number> };

const isRef = (v: unknown): v is Ref =>
  typeof v === "object" && v !== null && typeof (v as Ref).code === "string" &&
  typeof (v as Ref).entity === "object" && (v as Ref).entity !== null;

// As causes.ts reads it: details.causedBy, else the first cause among the students a finding lists.
function directCause(f: Finding): Ref | undefined {
  const d = f.details as Record<string, unknown>;
  if (isRef(d.causedBy)) return d.causedBy;
  for (const list of [d.missing, d.unexpected]) {
    if (!Array.isArray(list)) continue;
    for (const item of list) if (isRef((item as { causedBy?: unknown })?.causedBy)) return item.causedBy;
  }
  return undefined;
}

/**
 * The key of the root cause of each finding (its own key when nothing causes it).
 *
 * @example
 * rootKeys(report.findings).get(enrollmentFinding) // "class.missing_in_platform|sourcedId=cls-9"
 */
export function rootKeys(findings: readonly Finding[]): Map<Finding, string> {
  const byKey = new Map(findings.map((f) => [causeKey(f), f]));
  const out = new Map<Finding, string>();
  for (const f of findings) {
    let ref: Ref = f;
    const seen = new Set<string>([causeKey(f)]);
    for (let next = directCause(f); next && !seen.has(causeKey(next));) {
      seen.add(causeKey(next));
      ref = next;
      const holder = byKey.get(causeKey(next));
      next = holder ? directCause(holder) : undefined;
    }
    out.set(f, causeKey(ref));
  }
  return out;
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
  const groupOf = new Map<string, CauseGroup>(causes.map((c) => [causeKey(c), { cause: c, findings: [] }]));
  const alone: Finding[] = [];
  for (const f of shown) {
    const g = groupOf.get(roots.get(f) ?? causeKey(f));
    if (g) g.findings.push(f);
    else alone.push(f);
  }
  for (const g of groupOf.values()) {
    // The cause's own finding leads its group.
    const own = g.findings.findIndex((f) => causeKey(f) === causeKey(g.cause));
    if (own > 0) g.findings.unshift(...g.findings.splice(own, 1));
  }
  return { groups: causes.map((c) => groupOf.get(causeKey(c))!).filter((g) => g.findings.length), alone };
}
