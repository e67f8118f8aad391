/**
 * Root causes: the findings that explain others through their `causedBy`
 * chains (a missing campus → its classes → their enrollments), ranked by how
 * many findings each explains, so a report can say what to fix first.
 */
import { type Finding, findingKey } from "../model/findings.ts";

/** A cause as findings record it in `details.causedBy`. */
interface CauseRef {
  code: string;
  entity: Record<string, string | number>;
}

/** One root cause and the findings it explains (itself included). */
export interface RootCause {
  code: string;
  entity: Record<string, string | number>;
  /** The root's own finding, when the report holds it. */
  finding?: Finding;
  /** How many findings of the report it explains, itself included. */
  explains: number;
  /** The explained findings, by code. */
  byCode: Record<string, number>;
}

/** The direct cause of a finding: `details.causedBy`, else the first cause among the students it lists. */
function directCause(f: Finding): CauseRef | undefined {
  const d = f.details as Record<string, unknown>;
  if (isCause(d.causedBy)) return d.causedBy;
  for (const list of [d.missing, d.unexpected]) {
    if (!Array.isArray(list)) continue;
    for (const item of list) if (isCause((item as { causedBy?: unknown })?.causedBy)) return item.causedBy;
  }
  return undefined;
}

function isCause(v: unknown): v is CauseRef {
  return typeof v === "object" && v !== null && typeof (v as CauseRef).code === "string" &&
    typeof (v as CauseRef).entity === "object" && (v as CauseRef).entity !== null;
}

/**
 * The root causes that explain more than one finding, most first (ties by code and key).
 *
 * @example
 * rootCauses(report.findings)[0] // {code: "campus.missing_in_platform", explains: 912, …}
 */
export function rootCauses(findings: readonly Finding[]): RootCause[] {
  const byKey = new Map(findings.map((f) => [findingKey(f), f]));
  const roots = new Map<string, RootCause>();
  for (const [f, ref] of rootRefs(findings, byKey)) {
    const key = findingKey(ref);
    let root = roots.get(key);
    if (!root) {
      root = { code: ref.code, entity: ref.entity, finding: byKey.get(key), explains: 0, byCode: {} };
      roots.set(key, root);
    }
    root.explains++;
    root.byCode[f.code] = (root.byCode[f.code] ?? 0) + 1;
  }
  return [...roots.entries()].filter(([, r]) => r.explains > 1)
    .sort(([ka, a], [kb, b]) => b.explains - a.explains || (ka < kb ? -1 : ka > kb ? 1 : 0))
    .map(([, r]) => r);
}

/**
 * The key of each finding's root cause (its own key when nothing causes it).
 *
 * @example
 * rootKeys(report.findings).get(enrollmentFinding) // 'class.missing_in_platform {"sourcedId":"cls-9"}'
 */
export function rootKeys(findings: readonly Finding[]): Map<Finding, string> {
  return new Map([...rootRefs(findings)].map(([f, ref]) => [f, findingKey(ref)]));
}

/** Each finding's root cause, following its `causedBy` chain to the end; a cycle stops where it closes. */
function rootRefs(
  findings: readonly Finding[],
  byKey: ReadonlyMap<string, Finding> = new Map(findings.map((f) => [findingKey(f), f])),
): Map<Finding, CauseRef> {
  const out = new Map<Finding, CauseRef>();
  for (const f of findings) {
    let ref: CauseRef = f;
    const seen = new Set<string>([findingKey(f)]);
    for (let next = directCause(f); next && !seen.has(findingKey(next));) {
      seen.add(findingKey(next));
      ref = next;
      const holder = byKey.get(findingKey(next));
      next = holder ? directCause(holder) : undefined;
    }
    out.set(f, ref);
  }
  return out;
}

/**
 * One line per root cause for the head of a report (at most `limit`), e.g.
 * "campus.missing_in_platform sourcedId=sch-9 explains 912 of 1,004 findings: fix it first".
 *
 * @example
 * rootCauseLines(report.findings, 3)
 */
export function rootCauseLines(findings: readonly Finding[], limit = 5): string[] {
  const total = findings.length;
  return rootCauses(findings).slice(0, limit).map((r, i) =>
    `${r.code} ${Object.entries(r.entity).map(([k, v]) => `${k}=${v}`).join(" ")} explains ${
      r.explains.toLocaleString("en-US")
    } of ${total.toLocaleString("en-US")} findings${i === 0 ? ": fix it first" : ""}`
  );
}
