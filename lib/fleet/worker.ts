/**
 * A fleet worker: takes diagnosis jobs from the queue, `concurrency` at a
 * time, until stopped (or, with `exitWhenIdle`, until nothing is queued,
 * waiting for a retry or running anywhere).
 */
import { redact } from "../credentials/redact.ts";
import { openDatabaseHistory } from "../history/pg-store.ts";
import { type FleetSettings, QUEUE } from "./config.ts";
import { type JobOutput, runJob } from "./job.ts";
import { openFleet } from "./queue.ts";
import { fleetIdle } from "./status.ts";

/** Options of {@link runWorker}. */
export interface WorkerOptions {
  concurrency: number;
  exitWhenIdle: boolean;
  /** The diagnoses' environment (settings dir, platform URLs, credentials); default this process's. */
  env?: Record<string, string>;
  log: (line: string) => void;
  /** Stops the worker (after the jobs in hand finish). */
  signal?: AbortSignal;
  /** How often an idle check runs; default 2 s. */
  idleCheckMs?: number;
}

/** What a worker did. */
export interface WorkerResult {
  done: number;
  failed: number;
}

/**
 * Runs a worker until it is stopped or, with `exitWhenIdle`, the queue is empty.
 *
 * @example
 * await runWorker(fleetSettings(env), { concurrency: 2, exitWhenIdle: true, log: console.error });
 */
export async function runWorker(settings: FleetSettings, options: WorkerOptions): Promise<WorkerResult> {
  const log = (line: string) => options.log(redact(line));
  const store = await openDatabaseHistory(settings.stateUrl);
  const fleet = await openFleet(settings, {
    supervise: true,
    onError: (e) => log(`queue error: ${e.message}`),
  }).catch(async (e) => {
    await store.close();
    throw e;
  });
  const result: WorkerResult = { done: 0, failed: 0 };
  let inFlight = 0;
  try {
    await fleet.boss.work(
      QUEUE,
      { localConcurrency: options.concurrency, batchSize: 1, pollingIntervalSeconds: 1 },
      async ([job]): Promise<JobOutput> => {
        inFlight++;
        const started = performance.now();
        const what = `job ${job.id} ${JSON.stringify(job.data)}`;
        log(`${what}: started (attempt ${job.retryCount + 1})`);
        try {
          const output = await runJob(job, {
            store,
            deadlineSeconds: settings.deadlineSeconds,
            memoryMb: settings.memoryMb,
            env: options.env,
          });
          result.done++;
          log(
            `${what}: done in ${((performance.now() - started) / 1000).toFixed(1)} s: ${output.findings} findings, ${
              output.new ?? "–"
            } new, ${output.resolved ?? "–"} resolved`,
          );
          return output;
        } catch (e) {
          result.failed++;
          const message = redact((e as Error).message);
          log(`${what}: attempt failed: ${message}`);
          // Only the redacted message reaches the queue (pg-boss stores what is thrown).
          throw new Error(message);
        } finally {
          inFlight--;
        }
      },
    );
    const pause = options.idleCheckMs ?? 2000;
    while (!options.signal?.aborted) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, pause);
        options.signal?.addEventListener("abort", () => {
          clearTimeout(t);
          resolve();
        }, { once: true });
      });
      if (options.exitWhenIdle && inFlight === 0 && await fleetIdle(fleet)) break;
    }
  } finally {
    await fleet.stop({ graceful: true, timeoutMs: (settings.deadlineSeconds + 30) * 1000 });
    await store.close();
  }
  return result;
}
