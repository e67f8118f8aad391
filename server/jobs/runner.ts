/**
 * Runs a job in its own worker (node:worker_threads) with a heap budget and a
 * deadline, and turns whatever ends it into a result or a coded error: the
 * worker's own error, `limit.exceeded` past the budget or the deadline,
 * `internal` for a crash. The server never shares a heap with a district's file.
 */
import { Worker } from "node:worker_threads";
import { CodedError, isErrorCode } from "../../lib/errors.ts";
import { redact } from "../../lib/credentials/redact.ts";
import type { Job, JobResult, WorkerMessage } from "./protocol.ts";

/** A job's bounds. */
export interface JobLimits {
  /** The worker's JavaScript heap in MB (buffers outside the heap are the readers' own limits' business). */
  memoryMb: number;
  deadlineMs: number;
  /** Of the deadline, what the request spent before the worker started (a lookup the workspace did not answer). */
  spentMs?: number;
}

const WORKER = new URL("./worker.ts", import.meta.url);

/**
 * Runs `job` in a new worker and ends the worker when it answers, fails or runs out of budget or time.
 * `module` (a URL exporting `runJob`) replaces server/jobs/run.ts, for tests of the isolation itself.
 *
 * @example
 * const result = await runInWorker(job, { memoryMb: 2048, deadlineMs: 110_000 });
 */
export function runInWorker(job: Job, limits: JobLimits, module?: URL): Promise<JobResult> {
  return new Promise<JobResult>((resolve, reject) => {
    const what = job.kind === "diagnose" ? "diagnosis" : "lookup";
    const worker = new Worker(WORKER, { resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb } });
    let settled = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      worker.terminate().catch(() => {});
      settle();
    };
    const overBudget = () =>
      new CodedError(
        "limit.exceeded",
        `the ${what} of ${job.customerId} went past its memory budget (${limits.memoryMb} MB) and was stopped; ` +
          `the server is fine (raise CDT_SERVER_JOB_MEMORY_MB for a larger district)`,
      );
    const deadline = setTimeout(
      () =>
        finish(() =>
          reject(
            new CodedError(
              "limit.exceeded",
              `the ${what} of ${job.customerId} went past its deadline (${
                limits.deadlineMs / 1000
              } s) and was stopped` +
                ` (CDT_SERVER_JOB_SECONDS sets it)`,
            ),
          )
        ),
      Math.max(0, limits.deadlineMs - (limits.spentMs ?? 0)),
    );
    worker.on("message", (m: WorkerMessage) => {
      if (m.type === "done") finish(() => resolve(m.result));
      else if (m.type === "memory") finish(() => reject(overBudget()));
      else if (m.type === "failed") {
        finish(() => reject(new CodedError(isErrorCode(m.code) ? m.code : "internal", redact(m.message))));
      }
    });
    worker.on("error", (e: Error & { code?: string }) => {
      finish(() =>
        reject(
          e.code === "ERR_WORKER_OUT_OF_MEMORY"
            ? overBudget()
            : new CodedError("internal", `the ${what} worker failed: ${redact(e.message)}`),
        )
      );
    });
    worker.on("exit", (code: number) => {
      finish(() => reject(new CodedError("internal", `the ${what} worker stopped (exit ${code}) before answering`)));
    });
    worker.postMessage({ job, module: module?.href });
  });
}
