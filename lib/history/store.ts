/**
 * Where runs are recorded: one interface, two stores — the team's state
 * database (`CDT_STATE_DATABASE_URL`, schema `cdt_history`) or, without
 * one, a local folder (`CDT_HISTORY_DIR`, default `history/`).
 */
import { registerDatabaseUrl } from "../credentials/redact.ts";
import { checkDatabaseUrl } from "../credentials/database-url.ts";
import { SettingsError } from "../settings/load.ts";
import type { NewRun, RunRecord, RunSummary } from "./record.ts";
import type { SubjectRun } from "./timeline.ts";

/** Options of {@link HistoryStore.runs}. */
export interface RunsOptions {
  environment?: string;
  /** At most this many runs, newest first; default 100. */
  limit?: number;
  /** Only runs generated strictly before this time. */
  before?: string;
}

/** A store of recorded runs. */
export interface HistoryStore {
  /** Where the runs are kept, for messages (never a password). */
  readonly where: string;
  /** Records a run; a run with a jobId already recorded is not recorded twice (the existing one is returned). */
  record(run: NewRun): Promise<RunSummary>;
  /** A customer's runs, newest first. */
  runs(customer: string, options?: RunsOptions): Promise<RunSummary[]>;
  /** One run with its findings. */
  load(id: string): Promise<RunRecord | undefined>;
  /** The run a fleet job recorded, if any. */
  runForJob(jobId: string): Promise<RunSummary | undefined>;
  /** The keys of every finding of the customer's runs generated before `before` (for `reopened`). */
  keysBefore(customer: string, environment: string, before: string): Promise<Set<string>>;
  /** Every run of the customer, oldest first, with only its findings about `subject`. */
  subjectRuns(customer: string, subject: string, options?: { environment?: string }): Promise<SubjectRun[]>;
  /** The latest runs of every customer and environment, `perCustomer` of each (newest first). */
  latest(perCustomer?: number): Promise<RunSummary[]>;
  close(): Promise<void>;
}

/** Most runs one call returns. */
export const MAX_RUNS = 10_000;

/** Bounds a caller's limit. */
export function runLimit(limit: number | undefined, fallback = 100): number {
  return Math.max(1, Math.min(MAX_RUNS, Math.floor(limit ?? fallback)));
}

/**
 * Opens the history the environment names: the state database when
 * `CDT_STATE_DATABASE_URL` is set, else the folder `CDT_HISTORY_DIR` (default `history`).
 *
 * @example
 * const history = await openHistory(Deno.env.toObject());
 * try { await history.record(run); } finally { await history.close(); }
 */
export async function openHistory(env: Record<string, string | undefined>): Promise<HistoryStore> {
  const url = stateDatabaseUrl(env);
  if (url) {
    const { openDatabaseHistory } = await import("./pg-store.ts");
    return await openDatabaseHistory(url);
  }
  const { openFolderHistory } = await import("./file-store.ts");
  return openFolderHistory(env.CDT_HISTORY_DIR?.trim() || "history");
}

/**
 * `CDT_STATE_DATABASE_URL`, its secrets registered for redaction and its shape checked before anything parses it
 * (a malformed URL is named by its variable, never quoted); undefined when unset.
 *
 * @example
 * stateDatabaseUrl(Deno.env.toObject()) // "postgres://cdt@state-db:5432/cdt_state"
 */
export function stateDatabaseUrl(env: Record<string, string | undefined>): string | undefined {
  const url = env.CDT_STATE_DATABASE_URL?.trim();
  if (!url) return undefined;
  registerDatabaseUrl(url);
  const problem = checkDatabaseUrl(url);
  if (problem) throw new SettingsError(`CDT_STATE_DATABASE_URL is not a valid postgres:// URL: ${problem}`);
  return url;
}
