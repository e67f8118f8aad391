/**
 * Recording a diagnosis in the history, and what the history adds to its
 * report before it is printed: `source.sudden_drop` and, with `--compare`,
 * the comparison with an earlier run.
 */
import { FileRefusedError, readFileBounded } from "../bounded-stream.ts";
import { type Report, Report as ReportSchema } from "../model/findings.ts";
import { DEFAULT_TOOLS } from "../diagnostics/run.ts";
import type { ErrorCode } from "../errors.ts";
import { applyComparison } from "../report/comparison.ts";
import { compareRuns, type EarlierRun } from "./compare.ts";
import { suddenDropNotice, suddenDrops } from "./drop.ts";
import { newRun, type RunDelta, type RunSummary, type SourceCounts, sourceCounts, sourceIdentity } from "./record.ts";
import { type HistoryStore, openHistory } from "./store.ts";
import type { Roster } from "../model/roster.ts";

/** What to compare the report with: the customer's last recorded run, or a report read from a file. */
export type CompareWith = "last" | { file: string; earlier: EarlierRun };

/** Options of {@link recordDiagnosis}. */
export interface RecordOptions {
  store: HistoryStore;
  compare?: CompareWith;
  /** The source's identity (an export's hash, a REST read time). */
  identity: string;
  counts: SourceCounts | null;
  /** The fleet job this run belongs to; recording is idempotent on it. */
  jobId?: string;
  /** Default true; false only compares. */
  record?: boolean;
}

/** The report as printed and what was recorded. */
export interface RecordedDiagnosis {
  report: Report;
  /** The recorded run; absent when recording was off. */
  run?: RunSummary;
  /** With `--compare last`: the run compared with, or undefined when the history has none. */
  previous?: RunSummary;
}

/**
 * Adds the history's judgement to a report (a sudden drop leads it; with
 * `compare`, every finding gets its status), then records it.
 *
 * @example
 * const { report } = await recordDiagnosis(diagnosis.report, { store, compare: "last", identity, counts });
 */
export async function recordDiagnosis(report: Report, options: RecordOptions): Promise<RecordedDiagnosis> {
  const { store } = options;
  // Runs recorded at or before this one's time (generatedAt has whole seconds).
  const earlier = await store.runs(report.customer, {
    environment: report.environment,
    before: new Date(Date.parse(report.generatedAt) + 1000).toISOString(),
    limit: 366,
  });
  let out = report;
  if (options.counts) {
    const notice = suddenDropNotice(suddenDrops(options.counts, [...earlier].reverse()));
    if (notice) out = { ...out, warnings: [notice, ...out.warnings] };
  }
  // The previous run is always compared with, for the recorded delta (history, triage);
  // the report itself shows the comparison only when asked.
  const previous = earlier[0];
  const previousRun = previous && await store.load(previous.id);
  let delta: RunDelta | null = null;
  if (previousRun) {
    const seenBefore = await store.keysBefore(report.customer, report.environment, previousRun.generatedAt);
    const result = compareRuns(out, previousRun, seenBefore);
    delta = {
      against: previousRun.generatedAt,
      new: result.comparison.new,
      reopened: result.comparison.reopened,
      newErrors: out.findings.filter((f, i) => f.severity === "error" && result.statuses[i] !== "still_open").length,
      stillOpen: result.comparison.stillOpen,
      resolved: result.comparison.resolved.length,
    };
    if (options.compare === "last") out = applyComparison(out, result);
  }
  if (options.compare && options.compare !== "last") {
    const { earlier, file } = options.compare;
    if (
      (earlier.customer !== undefined && earlier.customer !== out.customer) ||
      (earlier.environment !== undefined && earlier.environment !== out.environment)
    ) {
      throw new CompareFileError(
        `--compare ${file}: that report is of ${earlier.customer} (${earlier.environment}), this one of ` +
          `${out.customer} (${out.environment}); compare runs of one customer and environment`,
      );
    }
    out = applyComparison(out, compareRuns(out, earlier));
  }
  // Only a whole, live run is a baseline: a run of some tools would make the others' findings look new next time,
  // and a --cached run would record an old platform as today's.
  if (options.record === false || !isBaseline(out)) return { report: out, previous };
  const run = await store.record(
    newRun(out, { identity: options.identity, counts: options.counts, jobId: options.jobId, delta }),
  );
  return { report: out, run, previous };
}

/**
 * Whether a report may be recorded as a run others are compared with: every comparison tool ran, on a live platform.
 *
 * @example
 * isBaseline(report) // false for --tool missing-data, or for --cached
 */
export function isBaseline(report: Report): boolean {
  return DEFAULT_TOOLS.every((t) => report.tools.includes(t)) &&
    !report.warnings.some((w) => w.code === "platform.cached_snapshot");
}

/** A report file larger than this is refused. */
const MAX_REPORT_BYTES = 512 * 1024 ** 2;

/** Thrown when a `--compare FILE` is not a report. */
export class CompareFileError extends Error {
  override name = "CompareFileError";
  readonly code: ErrorCode = "usage";
}

/**
 * Reads an earlier JSON report (`deno task diagnose --format json`) to compare with.
 *
 * @example
 * const earlier = await readEarlierReport("lincoln-2026-11-25.json");
 */
export async function readEarlierReport(path: string): Promise<EarlierRun> {
  let bytes: Uint8Array;
  try {
    // A device or a FIFO (/dev/zero says its size is 0) is refused before it is read, and a file is read only to the cap.
    bytes = await readFileBounded(path, MAX_REPORT_BYTES);
  } catch (e) {
    if (e instanceof FileRefusedError && / larger than /.test(e.message)) {
      throw new CompareFileError(`--compare ${path}: larger than 512 MiB; not a report`);
    }
    throw new CompareFileError(`--compare ${path}: ${(e as Error).message.replace(`${path}: `, "")}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new CompareFileError(`--compare ${path}: not JSON (${(e as Error).message}); give a --format json report`);
  }
  const parsed = ReportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CompareFileError(
      `--compare ${path}: not a cdt JSON report (${issue.path.join(".") || "(root)"}: ${issue.message})`,
    );
  }
  return parsed.data;
}

/** Options of {@link historyOfDiagnosis}. */
export interface DiagnosisHistoryOptions {
  /** Environment variables: CDT_STATE_DATABASE_URL, CDT_HISTORY_DIR. */
  env: Record<string, string | undefined>;
  compare?: CompareWith;
  /** Default true. */
  record?: boolean;
  jobId?: string;
  /** An open store to use (and leave open); default: open the one `env` names for this call. */
  store?: HistoryStore;
}

/** {@link RecordedDiagnosis}, and where the history is. */
export interface DiagnosisHistory extends RecordedDiagnosis {
  where: string;
}

/**
 * Records a diagnosis in the history `env` names (and compares it, when
 * asked): the source's identity and active counts come from the roster it read.
 *
 * @example
 * const { report } = await historyOfDiagnosis(await diagnoseCustomer(options), { env, compare: "last" });
 */
export async function historyOfDiagnosis(
  diagnosis: { report: Report; roster: Roster; workspace?: { contentHash: string | null } },
  options: DiagnosisHistoryOptions,
): Promise<DiagnosisHistory> {
  const store = options.store ?? await openHistory(options.env);
  try {
    const recorded = await recordDiagnosis(diagnosis.report, {
      store,
      compare: options.compare,
      identity: diagnosis.workspace?.contentHash ??
        await sourceIdentity(diagnosis.roster, diagnosis.report.generatedAt),
      counts: sourceCounts(diagnosis.roster),
      jobId: options.jobId,
      record: options.record,
    });
    return { ...recorded, where: store.where };
  } finally {
    if (!options.store) await store.close();
  }
}
