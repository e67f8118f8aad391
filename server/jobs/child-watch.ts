/**
 * A job process's watchdog, on a thread of its own (a Worker started by
 * server/jobs/child.ts), so that it acts even while the job's own thread is
 * busy in a loop that never yields: it reads the job from standard input and
 * hands it over, then ends the whole process when standard input ends (the
 * server is gone, killed or not) or at the job's deadline, whatever the job
 * is doing.
 */

/** The longest first line read (a job is its settings and resolved credentials: a few KB). */
const MAX_JOB_BYTES = 16 * 1024 * 1024;
/** Past the server's own deadline, the time after which the process ends itself (the server kills it first). */
const GRACE_MS = 5_000;

/** What the watchdog hands the job's thread: the job's line, or why there is none. */
export type WatchMessage = { type: "job"; line: string } | { type: "error"; message: string };

const end = () => Deno.kill(Deno.pid, "SIGKILL");
const post = (m: WatchMessage) => (self as unknown as { postMessage(m: WatchMessage): void }).postMessage(m);

async function watch(): Promise<void> {
  const reader = Deno.stdin.readable.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return end();
    const nl = value.indexOf(10);
    chunks.push(nl < 0 ? value : value.subarray(0, nl));
    size += nl < 0 ? value.length : nl;
    if (size > MAX_JOB_BYTES) return post({ type: "error", message: `the job is longer than ${MAX_JOB_BYTES} bytes` });
    if (nl >= 0) break;
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  const line = new TextDecoder().decode(all);
  let deadlineMs: unknown;
  try {
    deadlineMs = JSON.parse(line).deadlineMs;
  } catch { /* the job's thread says what is wrong with it */ }
  if (typeof deadlineMs === "number" && Number.isFinite(deadlineMs)) {
    setTimeout(end, Math.min(Math.max(0, deadlineMs) + GRACE_MS, 2 ** 31 - 1));
  }
  post({ type: "job", line });
  while (!(await reader.read()).done) { /* the server sends nothing more */ }
  end();
}

watch().catch((e) => post({ type: "error", message: `standard input could not be read: ${(e as Error).message}` }));
