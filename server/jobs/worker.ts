/**
 * A job worker: runs one diagnosis or lookup, posts its result and is ended
 * by the server. Everything that can go wrong here (an exception thrown inside
 * a stream pipe, a string too long for V8, a heap past its budget) ends this
 * worker, never the server.
 *
 * Only light modules are imported statically, so the watchdog below runs
 * before the heavy ones load (a budget can be reached while loading them).
 */
import { parentPort } from "node:worker_threads";
import { getHeapStatistics } from "node:v8";
import { errorCode } from "../../lib/errors.ts";
import { redact } from "../../lib/credentials/redact.ts";
import type { Job, JobResult, WorkerMessage } from "./protocol.ts";

const port = parentPort!;
const post = (m: WorkerMessage) => port.postMessage(m);

// Deno (2.9) meets a heap budget reached inside a promise by raising the limit and stalling the job rather than
// ending the worker; the raised limit is what gives it away, and the server ends the worker when told.
const budget = getHeapStatistics().heap_size_limit;
const overBudget = () => getHeapStatistics().heap_size_limit > budget;
const watchdog = setInterval(() => {
  if (overBudget()) post({ type: "memory" });
}, 50);
void watchdog;

const failed = (e: unknown) => {
  // Past the budget, what fails is the budget's doing, whatever is thrown: V8 ends the running script with a
  // termination that reaches the error event as "Uncaught null", sometimes before the watchdog has looked.
  if (overBudget()) return post({ type: "memory" });
  const message = e instanceof Error ? e.message : String(e);
  post({ type: "failed", code: errorCode(e), message: redact(message) });
};
globalThis.addEventListener("error", (event) => {
  event.preventDefault();
  failed(event.error ?? event.message);
});
globalThis.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  failed(event.reason);
});

port.once("message", async ({ job, module }: { job: Job; module?: string }) => {
  try {
    // The module is the server's own (./run.ts) but for tests of this isolation, which bring a misbehaving one.
    const { runJob }: { runJob: (job: Job) => Promise<JobResult> } = module
      ? await import(module)
      : await import("./run.ts");
    post({ type: "done", result: await runJob(job) });
  } catch (e) {
    failed(e);
  }
});
