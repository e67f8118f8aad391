/**
 * A job process: runs one diagnosis or lookup and prints its result, then
 * ends. The server starts one per job (server/jobs/runner.ts) with a V8 heap
 * budget, so whatever a district's data does here (a heap past its budget,
 * which V8 may end with a fatal error that takes the whole process, an
 * exception thrown inside a stream pipe, a string too long for V8) ends this
 * process, never the server.
 *
 * Protocol: the first line of standard input is
 * `{ job, module?, marker, deadlineMs? }` (JSON); the result is printed on
 * standard output as the marker followed by a {@link JobMessage} (JSON) and
 * a newline, and whatever the job itself prints goes to standard error. A
 * watchdog on its own thread (./child-watch.ts) ends the process when
 * standard input ends (the server is gone) or a little after the deadline,
 * even while the job's thread never yields.
 */
import { errorCode } from "../../lib/errors.ts";
import { redact } from "../../lib/credentials/redact.ts";
import type { Job, JobMessage, JobResult } from "./protocol.ts";
import type { WatchMessage } from "./child-watch.ts";

interface Envelope {
  job: Job;
  module?: string;
  marker: string;
  /** What is left of the job's deadline when it is sent (the watchdog ends the process a little after it). */
  deadlineMs?: number;
}

let marker = "";
let answered = false;
const encoder = new TextEncoder();

/** Prints the job's answer after the marker and ends the process; an answer JSON cannot carry is a failure. */
function post(message: JobMessage): void {
  if (answered || !marker) return;
  let text: string;
  try {
    text = JSON.stringify(message);
  } catch (e) {
    text = JSON.stringify(
      {
        type: "failed",
        code: "internal",
        message: redact(`the job's answer could not be sent: ${(e as Error).message}`),
      } satisfies JobMessage,
    );
  }
  answered = true;
  const bytes = encoder.encode(`\n${marker}${text}\n`);
  for (let i = 0; i < bytes.length;) i += Deno.stdout.writeSync(bytes.subarray(i));
  Deno.exit(0);
}

function failed(e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  post({ type: "failed", code: errorCode(e), message: redact(message) });
}

/** The job, as the watchdog read it from standard input (it reads on, and ends the process when the input ends). */
function readEnvelope(): Promise<Envelope> {
  const watchdog = new Worker(new URL("./child-watch.ts", import.meta.url).href, { type: "module" });
  return new Promise((resolve, reject) => {
    watchdog.onmessage = (event: MessageEvent<WatchMessage>) => {
      if (event.data.type === "error") return reject(new Error(event.data.message));
      try {
        resolve(JSON.parse(event.data.line));
      } catch (e) {
        reject(e);
      }
    };
    watchdog.onerror = (event) => {
      event.preventDefault();
      reject(new Error(`the watchdog failed: ${event.message}`));
    };
  });
}

/**
 * Runs the job standard input names and prints its result; the process then
 * exits. Only for a process of its own: it takes over the process's errors.
 *
 * @example
 * if (import.meta.main) await runChild();
 */
export async function runChild(): Promise<void> {
  // Whatever escapes the job (an error emitted inside a stream pipe, a rejection nobody awaited) is its answer.
  globalThis.addEventListener("error", (event) => {
    event.preventDefault();
    failed(event.error ?? event.message);
  });
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    failed(event.reason);
  });
  let envelope: Envelope;
  try {
    envelope = await readEnvelope();
  } catch (e) {
    Deno.stderr.writeSync(encoder.encode(`error: the job could not be read: ${(e as Error).message}\n`));
    Deno.exit(2);
  }
  marker = envelope.marker;
  // Standard output carries the answer alone: whatever the job prints goes to standard error.
  for (const name of ["log", "info", "debug", "dir", "table"] as const) console[name] = console.error;
  try {
    // The module is the server's own (./run.ts) but for tests of this isolation, which bring a misbehaving one.
    const { runJob }: { runJob: (job: Job) => Promise<JobResult> } = envelope.module
      ? await import(envelope.module)
      : await import("./run.ts");
    post({ type: "done", result: await runJob(envelope.job) });
  } catch (e) {
    failed(e);
  }
  Deno.exit(1); // not reached: post() ends the process
}

if (import.meta.main) await runChild();
