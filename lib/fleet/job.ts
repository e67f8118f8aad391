/**
 * The worker's job handler: one diagnosis in a child process with a
 * deadline and a memory budget, its result recorded in the history (once
 * per job, however often the job is retried), its failure redacted.
 */
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { Report } from "../model/findings.ts";
import { redact } from "../credentials/redact.ts";
import { type RunSummary, SourceCounts } from "../history/record.ts";
import { recordDiagnosis } from "../history/run.ts";
import type { HistoryStore } from "../history/store.ts";
import { JobData } from "./queue.ts";
import { readStreamBounded } from "../bounded-stream.ts";

const CHILD = fileURLToPath(new URL("./child.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));
/** Most bytes of a child's report read; a larger one fails the attempt. */
const MAX_OUTPUT = 1024 ** 3;
/** The last bytes of a child's standard error kept for the message. */
const MAX_STDERR = 64 * 1024;

/** What a finished job stores as its output (the status command shows it). */
export const JobOutput = z.object({
  customer: z.string(),
  environment: z.string(),
  runId: z.string(),
  generatedAt: z.string(),
  findings: z.number().int(),
  errors: z.number().int(),
  warnings: z.number().int(),
  new: z.number().int().nullable(),
  reopened: z.number().int().nullable(),
  resolved: z.number().int().nullable(),
  notices: z.array(z.string()),
});
export type JobOutput = z.infer<typeof JobOutput>;

const ChildResult = z.object({ report: Report, counts: SourceCounts, identity: z.string() });

/** A failed attempt; its message is already redacted. */
export class JobError extends Error {
  override name = "JobError";
}

/** What {@link runJob} needs. */
export interface JobContext {
  store: HistoryStore;
  deadlineSeconds: number;
  memoryMb: number;
  /** The child's environment (settings dir, database URLs, credentials); default this process's. */
  env?: Record<string, string>;
  /** Progress lines for the worker's log. */
  log?: (line: string) => void;
}

function outputOf(run: RunSummary): JobOutput {
  return {
    customer: run.customer,
    environment: run.environment,
    runId: run.id,
    generatedAt: run.generatedAt,
    findings: run.summary.error + run.summary.warning + run.summary.info,
    errors: run.summary.error,
    warnings: run.summary.warning,
    new: run.delta?.new ?? null,
    reopened: run.delta?.reopened ?? null,
    resolved: run.delta?.resolved ?? null,
    notices: run.warnings,
  };
}

/**
 * Runs one job: the diagnosis in a child `deno run` whose V8 heap is
 * `memoryMb` and which is killed at the deadline, then records the run
 * (compared with the customer's last one). Throws a {@link JobError} with a
 * redacted message when the diagnosis fails; pg-boss retries it.
 *
 * @example
 * const output = await runJob({ id: job.id, data: job.data }, { store, deadlineSeconds: 1500, memoryMb: 2048 });
 */
export async function runJob(job: { id: string; data: unknown }, context: JobContext): Promise<JobOutput> {
  const parsed = JobData.safeParse(job.data);
  if (!parsed.success) throw new JobError(`job ${job.id} is not a diagnosis job: ${parsed.error.issues[0].message}`);
  const data = parsed.data;
  // A retry of a job whose run was recorded before its worker died: nothing to do again.
  const done = await context.store.runForJob(job.id);
  if (done) return outputOf(done);

  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--config=${CONFIG}`,
      `--v8-flags=--max-old-space-size=${context.memoryMb},--expose-gc`,
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-net",
      "--allow-sys",
      "--no-prompt",
      CHILD,
      JSON.stringify(data),
    ],
    env: context.env,
    clearEnv: context.env !== undefined,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, context.deadlineSeconds * 1000);
  const [stdout, stderr, status] = await Promise.all([
    readStreamBounded(child.stdout, MAX_OUTPUT, "head"),
    readStreamBounded(child.stderr, MAX_STDERR, "tail"),
    child.status,
  ]).finally(() => clearTimeout(timer));
  try {
    await child.stdin.close();
  } catch { /* the child is gone */ }

  const who = `${data.customer}${data.environment ? ` (${data.environment})` : ""}`;
  if (timedOut) {
    throw new JobError(`the diagnosis of ${who} ran past its deadline of ${context.deadlineSeconds} s and was stopped`);
  }
  if (!status.success) {
    const text = new TextDecoder().decode(stderr.bytes);
    if (/out of memory|heap limit|allocation failed/i.test(text)) {
      throw new JobError(`the diagnosis of ${who} ran out of its memory budget of ${context.memoryMb} MB`);
    }
    const lines = text.split("\n").map((l) => l.trim()).filter((l) => /^(error|internal error):/.test(l));
    const reason = lines.at(-1) ?? text.trim().split("\n").at(-1) ??
      `exit code ${status.code}${status.signal ? `, signal ${status.signal}` : ""}`;
    throw new JobError(redact(`the diagnosis of ${who} failed: ${reason.replace(/^(internal )?error: /, "")}`));
  }
  if (stdout.truncated) throw new JobError(`the diagnosis of ${who} printed a report larger than 1 GiB`);
  let result;
  try {
    result = ChildResult.parse(JSON.parse(new TextDecoder().decode(stdout.bytes)));
  } catch (e) {
    throw new JobError(redact(`the diagnosis of ${who} printed no report (${(e as Error).message.slice(0, 200)})`));
  }
  const { run } = await recordDiagnosis(result.report, {
    store: context.store,
    compare: "last",
    identity: result.identity,
    counts: result.counts,
    jobId: job.id,
  });
  return outputOf(run!);
}
