/**
 * A job process: runs one diagnosis or lookup and prints its result, then
 * ends. The server starts one per job (server/jobs/runner.ts) with a V8 heap
 * budget, so whatever a district's data does here (a heap past its budget,
 * which V8 may end with a fatal error that takes the whole process, an
 * exception thrown inside a stream pipe, a string too long for V8) ends this
 * process, never the server.
 *
 * Protocol: the first line of standard input is `{ job, module?, marker }`
 * (JSON); the result is printed on standard output as the marker followed by
 * a {@link JobMessage} (JSON) and a newline, so that whatever else the job
 * prints is never taken for it. End of input means the server is gone: the
 * process exits.
 */
import { errorCode } from "../../lib/errors.ts";
import { redact } from "../../lib/credentials/redact.ts";
import type { Job, JobMessage, JobResult } from "./protocol.ts";

/** The longest first line read (a job is its settings and resolved credentials: a few KB). */
const MAX_JOB_BYTES = 16 * 1024 * 1024;
/** The exit code when the server went away. */
export const ORPHANED_EXIT = 70;

interface Envelope {
  job: Job;
  module?: string;
  marker: string;
}

let marker = "";
let answered = false;
const encoder = new TextEncoder();

function post(message: JobMessage): void {
  if (answered || !marker) return;
  answered = true;
  const bytes = encoder.encode(`\n${marker}${JSON.stringify(message)}\n`);
  for (let i = 0; i < bytes.length;) i += Deno.stdout.writeSync(bytes.subarray(i));
  Deno.exit(0);
}

function failed(e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  post({ type: "failed", code: errorCode(e), message: redact(message) });
}

/** Reads standard input's first line, then waits for its end in the background (the server gone: exit). */
async function readEnvelope(): Promise<Envelope> {
  const reader = Deno.stdin.readable.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let line: string | undefined;
  while (line === undefined) {
    const { done, value } = await reader.read();
    if (done) Deno.exit(ORPHANED_EXIT);
    const nl = value.indexOf(10);
    chunks.push(nl < 0 ? value : value.subarray(0, nl));
    size += nl < 0 ? value.length : nl;
    if (size > MAX_JOB_BYTES) throw new Error(`the job is longer than ${MAX_JOB_BYTES} bytes`);
    if (nl >= 0) {
      const all = new Uint8Array(size);
      let at = 0;
      for (const c of chunks) {
        all.set(c, at);
        at += c.length;
      }
      line = new TextDecoder().decode(all);
    }
  }
  (async () => {
    try {
      while (!(await reader.read()).done) { /* the server sends nothing more */ }
    } finally {
      Deno.exit(ORPHANED_EXIT);
    }
  })();
  return JSON.parse(line);
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
  try {
    // The module is the server's own (./run.ts) but for tests of this isolation, which bring a misbehaving one.
    const { runJob }: { runJob: (job: Job) => Promise<JobResult> } = envelope.module
      ? await import(envelope.module)
      : await import("./run.ts");
    post({ type: "done", result: await runJob(envelope.job) });
  } catch (e) {
    failed(e);
  }
}

if (import.meta.main) await runChild();
