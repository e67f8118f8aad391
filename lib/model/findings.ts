/**
 * Findings: the codes every diagnostic may report, their severities and
 * entity keys (the public contract of shared/findings.md), and the report
 * that gathers them.
 */
import { z } from "zod";
import type { DetailsOf } from "./details.ts";
import { ROSTER_CHECK_CODES } from "../diagnostics/roster-check-codes.ts";

/** How bad a finding is. */
export const Severity = z.enum(["error", "warning", "info"]);
export type Severity = z.infer<typeof Severity>;

/** The diagnostic tools, by their public names. */
export const TOOL_NAMES = [
  "missing-data",
  "student-mismatch",
  "parent-email",
  "campus-transfer",
  "roster-check",
] as const;
export const ToolName = z.enum(TOOL_NAMES);
export type ToolName = z.infer<typeof ToolName>;

/** The definition of one finding code. */
export interface CodeDefinition {
  tool: ToolName;
  /** The default severity; a few codes choose per finding (see `severities`). */
  severity: Severity;
  severities?: readonly Severity[];
  /** Exactly the keys a finding's `entity` holds, in sort order. */
  entityKeys: readonly string[];
  meaning: string;
}

/** Every released finding code. Codes are public names: never rename one. */
export const CODES = {
  "campus.missing_in_platform": {
    tool: "missing-data",
    severity: "error",
    entityKeys: ["sourcedId"],
    meaning: "active source school with no active campus",
  },
  "campus.not_in_source": {
    tool: "missing-data",
    severity: "warning",
    entityKeys: ["platformId", "sourcedId"],
    meaning: "active campus whose school is absent from the source",
  },
  "student.missing_in_platform": {
    tool: "missing-data",
    severity: "error",
    entityKeys: ["sourcedId"],
    meaning: "active source student with no active platform student",
  },
  "student.not_in_source": {
    tool: "missing-data",
    severity: "warning",
    entityKeys: ["platformId", "sourcedId"],
    meaning: "active rostered platform student absent from the source",
  },
  "student.field_mismatch": {
    tool: "missing-data",
    severity: "warning",
    entityKeys: ["sourcedId", "platformId", "field"],
    meaning: "first_name, last_name, grade or student_number differ",
  },
  "teacher.missing_in_platform": {
    tool: "missing-data",
    severity: "error",
    entityKeys: ["sourcedId"],
    meaning: "active source teacher with no active platform teacher",
  },
  "teacher.not_in_source": {
    tool: "missing-data",
    severity: "warning",
    entityKeys: ["platformId", "sourcedId"],
    meaning: "active rostered platform teacher absent from the source",
  },
  "class.missing_in_platform": {
    tool: "missing-data",
    severity: "error",
    entityKeys: ["sourcedId"],
    meaning: "active source class with no active platform class",
  },
  "class.not_in_source": {
    tool: "missing-data",
    severity: "warning",
    entityKeys: ["platformId", "sourcedId"],
    meaning: "active rostered platform class absent from the source",
  },
  "enrollment.missing_in_platform": {
    tool: "missing-data",
    severity: "error",
    entityKeys: ["classSourcedId", "userSourcedId", "role"],
    meaning: "active source enrollment with no active platform enrollment",
  },
  "enrollment.not_in_source": {
    tool: "missing-data",
    severity: "warning",
    entityKeys: ["classSourcedId", "userSourcedId", "role", "platformId"],
    meaning: "active rostered platform enrollment absent from the source",
  },
  "parent_link.mismatch": {
    tool: "student-mismatch",
    severity: "error",
    entityKeys: ["parentPlatformId", "email"],
    meaning: "the students a parent account can see differ from what the source says",
  },
  "parent.missing_in_platform": {
    tool: "student-mismatch",
    severity: "error",
    entityKeys: ["sourcedId", "email"],
    meaning: "active source guardian with active students but no parent account",
  },
  "parent.not_in_source": {
    tool: "student-mismatch",
    severity: "warning",
    entityKeys: ["platformId", "sourcedId"],
    meaning: "active rostered parent account absent from the source",
  },
  "parent_email.shared": {
    tool: "parent-email",
    severity: "warning",
    severities: ["warning", "error"],
    entityKeys: ["email"],
    meaning: "two or more active source guardians share one normalized email",
  },
  "parent_email.invalid": {
    tool: "parent-email",
    severity: "error",
    entityKeys: ["sourcedId", "email"],
    meaning: "active source guardian whose email is empty or not a valid address",
  },
  "parent_email.platform_mismatch": {
    tool: "parent-email",
    severity: "warning",
    entityKeys: ["sourcedId", "platformId"],
    meaning: "the guardian's source email and its platform account's email differ",
  },
  "transfer.campus_not_updated": {
    tool: "campus-transfer",
    severity: "error",
    entityKeys: ["sourcedId", "platformId"],
    meaning: "the student's source school and platform campus differ",
  },
  "transfer.stale_enrollments": {
    tool: "campus-transfer",
    severity: "error",
    entityKeys: ["sourcedId", "platformId"],
    meaning: "the student keeps active enrollments in classes of another campus that the source no longer has",
  },
  "transfer.duplicate_student": {
    tool: "campus-transfer",
    severity: "error",
    entityKeys: ["studentNumber"],
    meaning: "two or more active platform students share one student number",
  },
  "transfer.parent_link_on_stale_record": {
    tool: "campus-transfer",
    severity: "error",
    entityKeys: ["parentPlatformId", "studentPlatformId"],
    meaning: "a parent is linked to a stale student record while the active record is not linked",
  },
  ...ROSTER_CHECK_CODES,
} as const satisfies Record<string, CodeDefinition>;

/** A released finding code. */
export type FindingCode = keyof typeof CODES;
export const FindingCode = z.enum(Object.keys(CODES) as [FindingCode, ...FindingCode[]]);

/** What a support engineer should do about a finding, and why. */
export const Resolution = z.object({
  action: z.enum([
    "resync",
    "merge_records",
    "relink_parent",
    "fix_in_sis",
    "contact_district",
    "soft_delete",
    "update_record",
    "investigate",
    "fix_export",
  ]),
  explanation: z.string(),
});
export type Resolution = z.infer<typeof Resolution>;

/** An entity value: ids are strings, platform ids numbers. */
export const EntityValue = z.union([z.string(), z.number()]);

/** A finding's place in a comparison with an earlier run (`reopened`: resolved in an earlier run, back now; counts as new). */
export const FindingStatus = z.enum(["new", "still_open", "reopened"]);
export type FindingStatus = z.infer<typeof FindingStatus>;

/** One finding, as it appears in the JSON report. */
export const Finding = z.object({
  tool: ToolName,
  code: FindingCode,
  severity: Severity,
  entity: z.record(z.string(), EntityValue),
  message: z.string(),
  details: z.record(z.string(), z.unknown()),
  resolution: Resolution,
  /** Only with `--compare`. */
  status: FindingStatus.optional(),
});
export type Finding = z.infer<typeof Finding>;

/** A finding of the earlier run that is gone now, as the history keeps it. */
export const ResolvedFinding = Finding.pick({ tool: true, code: true, severity: true, entity: true, message: true });
export type ResolvedFinding = z.infer<typeof ResolvedFinding>;

/** The report compared with an earlier run (`--compare FILE|last`); identity is the finding's stable key. */
export const Comparison = z.object({
  /** The generatedAt of the earlier run. */
  against: z.string(),
  /** Findings absent from the earlier run, reopened ones included. */
  new: z.number().int(),
  /** Of the new, those resolved in an earlier run and back (only with the history). */
  reopened: z.number().int(),
  stillOpen: z.number().int(),
  resolved: z.array(ResolvedFinding),
});
export type Comparison = z.infer<typeof Comparison>;

/** A warning about the whole run (a truncated or delta export), shown before the findings. */
export const Notice = z.object({
  code: z.string(),
  severity: Severity,
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type Notice = z.infer<typeof Notice>;

/** The arguments of {@link finding}. */
export interface FindingInput<C extends FindingCode> {
  code: C;
  entity: Record<(typeof CODES)[C]["entityKeys"][number], string | number>;
  message: string;
  /** Shaped by the code's schema (details.ts). */
  details: DetailsOf<C>;
  resolution: Resolution;
  severity?: Severity;
}

/**
 * Builds a finding whose tool, severity and entity keys come from the code
 * table, so that no diagnostic can report a code with the wrong shape.
 *
 * @example
 * finding({
 *   code: "student.missing_in_platform",
 *   entity: { sourcedId: "stu-1" },
 *   message: "Student Ana Ruiz (stu-1) is in the roster but not in the platform",
 *   resolution: { action: "resync", explanation: "Run a roster sync." },
 * });
 */
export function finding<C extends FindingCode>(input: FindingInput<C>): Finding {
  const def: CodeDefinition = CODES[input.code];
  const severity = input.severity ?? def.severity;
  if (input.severity && !(def.severities ?? [def.severity]).includes(input.severity)) {
    throw new Error(`${input.code} cannot have severity ${input.severity}`);
  }
  const entity: Record<string, string | number> = {};
  for (const key of def.entityKeys) {
    const value = (input.entity as Record<string, string | number | undefined>)[key];
    if (value === undefined) throw new Error(`${input.code}: entity lacks ${key}`);
    entity[key] = value;
  }
  return {
    tool: def.tool,
    code: input.code,
    severity,
    entity,
    message: input.message,
    details: input.details as Record<string, unknown>,
    resolution: input.resolution,
  };
}

function compareValues(a: string | number | undefined, b: string | number | undefined): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  const x = String(a ?? "");
  const y = String(b ?? "");
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Orders findings by tool, code, then entity (in the code's key order), so
 * two runs can be compared line by line.
 */
export function compareFindings(a: Finding, b: Finding): number {
  if (a.tool !== b.tool) return a.tool < b.tool ? -1 : 1;
  if (a.code !== b.code) return a.code < b.code ? -1 : 1;
  for (const key of CODES[a.code].entityKeys) {
    const c = compareValues(a.entity[key], b.entity[key]);
    if (c !== 0) return c;
  }
  return 0;
}

/** Counts by severity and by code. */
export const Summary = z.object({
  error: z.number().int(),
  warning: z.number().int(),
  info: z.number().int(),
  byCode: z.record(z.string(), z.number().int()),
});
export type Summary = z.infer<typeof Summary>;

/**
 * Counts findings by severity and code (codes in sorted order).
 *
 * @example
 * summarize(findings).byCode["student.missing_in_platform"] // 4
 */
export function summarize(findings: readonly Finding[]): Summary {
  const summary: Summary = { error: 0, warning: 0, info: 0, byCode: {} };
  const byCode = new Map<string, number>();
  for (const f of findings) {
    summary[f.severity]++;
    byCode.set(f.code, (byCode.get(f.code) ?? 0) + 1);
  }
  for (const code of [...byCode.keys()].sort()) summary.byCode[code] = byCode.get(code)!;
  return summary;
}

/** The JSON report of findings.md, plus the run's notices. */
export const Report = z.object({
  customer: z.string(),
  environment: z.string(),
  generatedAt: z.string(),
  source: z.object({ kind: z.string(), version: z.string() }),
  tools: z.array(z.string()),
  summary: Summary,
  /** Warnings about the run as a whole (truncated or delta exports, unreadable rows); they lead the report. */
  warnings: z.array(Notice),
  findings: z.array(Finding),
  /** Only with `--compare`. */
  comparison: Comparison.optional(),
});
export type Report = z.infer<typeof Report>;

/** The arguments of {@link buildReport}. */
export interface ReportInput {
  customer: string;
  environment: string;
  generatedAt: Date;
  source: { kind: string; version: string };
  tools: readonly string[];
  warnings?: readonly Notice[];
  findings: readonly Finding[];
  /** How many findings the report lists; default {@link FINDINGS_LISTED}. */
  listed?: { perCode: number; total: number };
}

/**
 * How many findings a report lists: of one code, and in all. A never-synced district of 1,000,000 students has
 * 9 million `enrollment.missing_in_platform` findings, a report of gigabytes that no JavaScript string can hold and no
 * engineer reads; the summary still counts every finding, and a `report.findings_capped` warning says what was left out.
 */
export const FINDINGS_LISTED = { perCode: 50_000, total: 200_000 } as const;

/**
 * Assembles a report: findings sorted, summary counted, generatedAt in UTC
 * without milliseconds.
 *
 * @example
 * buildReport({ customer: "demo-isd", environment: "embedded", generatedAt: new Date(),
 *   source: { kind: "oneroster-csv", version: "1.1" }, tools: ["missing-data"], findings });
 */
export function buildReport(input: ReportInput): Report {
  const all = [...input.findings].sort(compareFindings);
  const { findings, capped } = listFindings(all, input.listed ?? FINDINGS_LISTED);
  return {
    customer: input.customer,
    environment: input.environment,
    generatedAt: input.generatedAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
    source: { kind: input.source.kind, version: input.source.version },
    tools: [...input.tools],
    summary: summarize(all),
    warnings: [...capped, ...(input.warnings ?? [])],
    findings,
  };
}

/** The findings a report lists (the first of each code, in report order), and a warning for each cut. */
function listFindings(
  sorted: readonly Finding[],
  limits: { perCode: number; total: number },
): { findings: Finding[]; capped: Notice[] } {
  if (sorted.length <= limits.perCode) return { findings: [...sorted], capped: [] };
  const byCode = new Map<string, number>();
  const findings: Finding[] = [];
  for (const f of sorted) {
    const n = (byCode.get(f.code) ?? 0) + 1;
    byCode.set(f.code, n);
    if (n <= limits.perCode && findings.length < limits.total) findings.push(f);
  }
  const capped: Notice[] = [];
  const shown = new Map<string, number>();
  for (const f of findings) shown.set(f.code, (shown.get(f.code) ?? 0) + 1);
  for (const [code, total] of byCode) {
    const listed = shown.get(code) ?? 0;
    if (listed === total) continue;
    capped.push({
      code: "report.findings_capped",
      severity: "warning",
      message: `${code}: ${total.toLocaleString("en-US")} findings; the report lists the first ${
        listed.toLocaleString("en-US")
      } (the summary counts all)`,
      details: { code, total, listed },
    });
  }
  return { findings, capped };
}

/**
 * A finding's stable identity: its code and its entity keys, sorted, never its message.
 *
 * @example
 * findingKey({ code: "student.missing_in_platform", entity: { sourcedId: "stu-1" } })
 * // 'student.missing_in_platform {"sourcedId":"stu-1"}'
 */
export function findingKey(f: { code: string; entity: Record<string, string | number> }): string {
  const sorted = Object.keys(f.entity).sort().map((k) => [k, f.entity[k]]);
  return `${f.code} ${JSON.stringify(Object.fromEntries(sorted))}`;
}
