/**
 * What the history keeps of one diagnosis: who, where, when, which source,
 * the summary, the source's active counts (for sudden drops) and every
 * finding's stable key with enough of the finding to list it once resolved.
 */
import { findingKey } from "../model/findings.ts";
export { findingKey };
import { exportIdentity } from "../workspace/hash.ts";
import { z } from "zod";
import { EntityValue, FindingCode, type Report, Severity, Summary, ToolName } from "../model/findings.ts";
import { GUARDIAN_ROLES, isActiveInSource, type Roster } from "../model/roster.ts";
import { UserFields } from "../model/user-table.ts";

/** Active records of the kinds whose sudden drop betrays a truncated export. */
export const SourceCounts = z.object({
  students: z.number().int().nonnegative(),
  enrollments: z.number().int().nonnegative(),
  guardians: z.number().int().nonnegative(),
});
export type SourceCounts = z.infer<typeof SourceCounts>;

/** A finding as the history keeps it. */
export const RecordedFinding = z.object({
  key: z.string(),
  tool: ToolName,
  code: FindingCode,
  severity: Severity,
  entity: z.record(z.string(), EntityValue),
  message: z.string(),
});
export type RecordedFinding = z.infer<typeof RecordedFinding>;

/** How a run differs from the customer's previous run (same environment), by stable key. */
export const RunDelta = z.object({
  /** generatedAt of the previous run. */
  against: z.string(),
  /** New findings, reopened included. */
  new: z.number().int(),
  reopened: z.number().int(),
  /** New and reopened findings of severity error: the triage queue's order. */
  newErrors: z.number().int(),
  stillOpen: z.number().int(),
  resolved: z.number().int(),
});
export type RunDelta = z.infer<typeof RunDelta>;

/** One recorded run without its findings. */
export const RunSummary = z.object({
  /** The store's id of the run (a file name stem, or a database id). */
  id: z.string(),
  customer: z.string(),
  environment: z.string(),
  generatedAt: z.string(),
  recordedAt: z.string(),
  source: z.object({ kind: z.string(), version: z.string(), identity: z.string() }),
  tools: z.array(z.string()),
  summary: Summary,
  /** Null when the run read no roster counts (an older record). */
  counts: SourceCounts.nullable(),
  /** The fleet job that produced the run, if any: recording is idempotent on it. */
  jobId: z.string().nullable(),
  /** Warning codes of the run (source.looks_incomplete, source.sudden_drop…). */
  warnings: z.array(z.string()),
  /** Null for a customer's first run. */
  delta: RunDelta.nullable().default(null),
});
export type RunSummary = z.infer<typeof RunSummary>;

/** One recorded run. */
export const RunRecord = RunSummary.extend({ findings: z.array(RecordedFinding) });
export type RunRecord = z.infer<typeof RunRecord>;

/** A run to record: everything but the store's id and the time it was recorded. */
export const NewRun = RunRecord.omit({ id: true, recordedAt: true });
export type NewRun = z.infer<typeof NewRun>;

/**
 * Counts the source's active students, enrollments and guardians.
 *
 * @example
 * sourceCounts(roster).students // 1200
 */
export function sourceCounts(roster: Roster): SourceCounts {
  let students = 0;
  let guardians = 0;
  // Field by field: no user made whole to be counted (user-table.ts).
  const users = new UserFields(roster.users);
  for (let i = 0; i < users.length; i++) {
    if (!users.active(i)) continue;
    const role = users.role(i);
    if (role === "student") students++;
    else if (GUARDIAN_ROLES.has(role)) guardians++;
  }
  let enrollments = 0;
  for (const e of roster.enrollments) if (isActiveInSource(e)) enrollments++;
  return { students, enrollments, guardians };
}

/** Options of {@link newRun}. */
export interface NewRunOptions {
  /** The source's identity: an export's content hash, or a REST read time. */
  identity: string;
  counts: SourceCounts | null;
  jobId?: string | null;
  delta?: RunDelta | null;
}

/**
 * What the history records of a report.
 *
 * @example
 * await store.record(newRun(report, { identity: "sha256:…", counts: sourceCounts(roster) }));
 */
export function newRun(report: Report, options: NewRunOptions): NewRun {
  return {
    customer: report.customer,
    environment: report.environment,
    generatedAt: report.generatedAt,
    source: { kind: report.source.kind, version: report.source.version, identity: options.identity },
    tools: [...report.tools],
    summary: report.summary,
    counts: options.counts,
    jobId: options.jobId ?? null,
    delta: options.delta ?? null,
    warnings: report.warnings.map((w) => w.code),
    findings: report.findings.map((f) => ({
      key: findingKey(f),
      tool: f.tool,
      code: f.code,
      severity: f.severity,
      entity: f.entity,
      message: f.message,
    })),
  };
}

/**
 * The identity of the source a roster was read from: for a CSV export (a
 * directory or a zip) the SHA-256 of its files' names and contents; for a
 * REST source, the time it was read.
 *
 * @example
 * await sourceIdentity(roster, report.generatedAt) // "sha256:9f2c…"
 */
export async function sourceIdentity(roster: Pick<Roster, "source">, readAt: string): Promise<string> {
  const { kind, location } = roster.source;
  if (kind !== "oneroster-csv" && kind !== "custom-csv") return `read:${readAt}`;
  try {
    // The same hash the workspace keys an export by, so the two name one export alike.
    return (await exportIdentity(location)).contentHash;
  } catch {
    // The identity must never fail a diagnosis that already read the source.
    return `read:${readAt}`;
  }
}
