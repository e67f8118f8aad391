/**
 * Runs a job in a process of its own (server/jobs/child.ts) with a V8 heap
 * budget and a deadline, and turns whatever ends it into a result or a coded
 * error: the job's own error, `limit.exceeded` past the budget or the
 * deadline, `internal` for a crash. The server never shares a heap, or a
 * process, with a district's file: V8 may meet a heap budget with a fatal
 * error that ends the whole process (a worker thread's budget included, which
 * is why jobs no longer run in one), and only the job's process ends.
 */
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";
import { CodedError, isErrorCode } from "../../lib/errors.ts";
import { redact } from "../../lib/credentials/redact.ts";
import { readStreamBounded } from "../../lib/bounded-stream.ts";
import { LOGS_DIR } from "../../lib/audit.ts";
import { resolveSettingsPath } from "../../lib/settings/load.ts";
import type { Job, JobMessage, JobResult } from "./protocol.ts";

/** A job's bounds. */
export interface JobLimits {
  /** The job process's JavaScript heap in MB (buffers outside the heap are the readers' own limits' business). */
  memoryMb: number;
  deadlineMs: number;
  /** Of the deadline, what the request spent before the job started (a lookup the workspace did not answer). */
  spentMs?: number;
}

const CHILD = fileURLToPath(new URL("./child.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));
/** Most bytes of a job's answer read (the server parses it in its own heap): past it, the job fails. */
const MAX_RESULT_BYTES = 256 * 1024 ** 2;
/** The last bytes of a job's standard error kept, to tell why it died. */
const MAX_STDERR_BYTES = 64 * 1024;
/** How V8 says, as it ends the process (SIGTRAP), that the heap ran out: the job's own words cannot pass for it. */
const OUT_OF_MEMORY = /^# Fatal JavaScript out of memory|^FATAL ERROR: .*JavaScript heap out of memory/m;
/** The longest timer (setTimeout's limit): a longer deadline is this one. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Set in a job process started from a compiled server (server/main.ts runs the job instead of the server). */
export const JOB_CHILD_ENV = "CDT_SERVER_JOB_CHILD";

/** What a process needs to run and to reach a source (a proxy, a company's CA), passed to a job as they are. */
const PASSED_ENV = new Set([
  "PATH",
  "HOME",
  "USER",
  "TMPDIR",
  "TMP",
  "TEMP",
  "LANG",
  "LC_ALL",
  "LC_CTYPE",
  "TZ",
  "NO_COLOR",
  "DENO_DIR",
  "DENO_NO_UPDATE_CHECK",
  "DENO_CERT",
  "DENO_TLS_CA_STORE",
  "NODE_EXTRA_CA_CERTS",
  "XDG_CACHE_HOME",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  // The settings a diagnosis or lookup reads: the readers' and clients' limits and timeouts, and the app log.
  "CDT_APP_LOG",
  "CDT_DEBUG",
  "CDT_CONNECT_TIMEOUT_MS",
  "CDT_STATEMENT_TIMEOUT_MS",
  "CDT_HTTP_TIMEOUT_MS",
  "CDT_MAX_EXPORT_BYTES",
  "CDT_MAX_FILE_BYTES",
  "CDT_MAX_RECORD_BYTES",
  "CDT_MAX_ZIP_ENTRIES",
  "CDT_MAX_ZIP_RATIO",
  "CDT_REST_DEADLINE_MS",
  "CDT_REST_MAX_BODY_BYTES",
  "CDT_REST_MAX_PAGES",
  "CDT_REST_MAX_RECORDS",
]);

/**
 * The environment of a job process: the settings a diagnosis or lookup reads
 * (the readers' limits, timeouts, the app log) and what a process needs to
 * run, named one by one, so that none of the server's secrets (database URLs,
 * the audit key, the vault's passphrase or identity file, OIDC and AWS
 * credentials) reaches a job: a job reads the platform and its source through
 * what the server resolved and put in the job.
 *
 * @example
 * jobEnv({ PATH: "/usr/bin", CDT_MAX_FILE_BYTES: "1e9", PRODUCTION_DATABASE_URL: "postgres://…" })
 * // { PATH: "/usr/bin", CDT_MAX_FILE_BYTES: "1e9" }
 */
export function jobEnv(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (PASSED_ENV.has(k)) out[k] = v;
  return out;
}

/** Where a job process may read and write (`deno run`'s --allow-read and --allow-write lists). */
export interface JobPaths {
  read: string[];
  write: string[];
}

/** The code a job runs and the packages it loads (the readers', the platform's driver, PGlite's files). */
const CODE_PATHS = ["../../lib", "../../server", "../../node_modules", "../../deno.json"]
  .map((p) => fileURLToPath(new URL(p, import.meta.url)));

/**
 * What a job process may touch: it reads its code, the customers' settings
 * and the export its customer's settings name, reads and writes the run
 * history's folder, and writes the application log; nothing else (a vault, `~/.aws`, the server's
 * tokens file or TLS key stay out of its reach). `env` is the server's
 * environment, `cwd` its folder (where relative log and history folders are).
 *
 * @example
 * jobPaths(job, { CDT_APP_LOG: "/var/log/cdt/app.log" }, "/srv/cdt")
 * // { read: [".../lib", …, "/srv/cdt/settings", "/exports/lincoln.zip"], write: ["/var/log/cdt/app.log"] }
 */
export function jobPaths(
  job: Job,
  env: Record<string, string>,
  cwd: string,
  module?: URL,
  realPath: (path: string) => string | undefined = realPathOf,
): JobPaths {
  const read = [...CODE_PATHS, resolve(cwd, job.settingsDir)];
  if (job.loaded) {
    read.push(job.loaded.file);
    const source = job.loaded.settings.source;
    if ("path" in source && source.path) {
      const path = resolveSettingsPath(job.loaded, source.path);
      read.push(path);
      // Deno checks a path's permission where its links lead: an export behind a folder link (a mounted volume) is
      // read there.
      const real = realPath(path);
      if (real !== undefined && real !== path) read.push(real);
    }
  }
  if (module?.protocol === "file:") read.push(dirname(fileURLToPath(module)));
  const write = [resolve(cwd, env.CDT_APP_LOG ?? join(LOGS_DIR, "app.log"))];
  if (job.kind === "diagnose" && job.history && !job.history.CDT_STATE_DATABASE_URL) {
    // A folder history reads its index as it adds to it.
    const history = resolve(cwd, job.history.CDT_HISTORY_DIR?.trim() || "history");
    read.push(history);
    write.push(history);
  }
  return { read: read.map(nameable), write: write.map(nameable) };
}

/**
 * A path as a permission list can name it: Deno's lists are split at commas and have no escape, so a path with one
 * (an export folder "Lincoln, USD") is granted as its nearest folder without one; never the whole disk.
 */
function nameable(path: string): string {
  let p = path;
  while (p.includes(",") && dirname(p) !== p) p = dirname(p);
  if (p.includes(",") || dirname(p) === p) {
    throw new CodedError(
      "settings.invalid",
      `${path}: a server job cannot be given this path (a comma in it, at the top of the disk): rename the folder`,
    );
  }
  return p;
}

/** Where `path`'s links lead, or undefined when it is not there (yet). */
function realPathOf(path: string): string | undefined {
  try {
    return Deno.realPathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The command that starts a job process with a heap of `memoryMb`: `deno run`
 * of server/jobs/child.ts, or, in a compiled server (which has no `run`), the
 * server's own binary told by {@link JOB_CHILD_ENV} to be a job.
 *
 * @example
 * const { command, args, env } = jobCommand(2048, Deno.build.standalone, Deno.execPath());
 */
export function jobCommand(
  memoryMb: number,
  standalone: boolean,
  executable: string,
  paths: JobPaths = { read: [], write: [] },
): { command: string; args: string[]; env: Record<string, string> } {
  // The heap budget, and gc() for the diagnosis to collect between tools, as `deno task serve` gives the server.
  const heap = `--max-old-space-size=${Math.max(1, Math.floor(memoryMb))},--expose-gc`;
  if (standalone) return { command: executable, args: [], env: { [JOB_CHILD_ENV]: "1", DENO_V8_FLAGS: heap } };
  return {
    command: executable,
    args: [
      "run",
      `--config=${CONFIG}`,
      `--v8-flags=${heap}`,
      `--allow-read=${paths.read.join(",")}`,
      ...(paths.write.length ? [`--allow-write=${paths.write.join(",")}`] : []),
      "--allow-env",
      "--allow-net",
      "--allow-sys",
      "--allow-ffi",
      "--no-prompt",
      CHILD,
    ],
    env: {},
  };
}

/**
 * Runs `job` in a new process and ends the process when it answers, fails or
 * runs out of budget or time. `module` (a URL exporting `runJob`) replaces
 * server/jobs/run.ts, for tests of the isolation itself.
 *
 * @example
 * const result = await runJobProcess(job, { memoryMb: 2048, deadlineMs: 110_000 });
 */
export async function runJobProcess(job: Job, limits: JobLimits, module?: URL): Promise<JobResult> {
  const what = job.kind === "diagnose" ? "diagnosis" : "lookup";
  const serverEnv = Deno.env.toObject();
  const paths = jobPaths(job, serverEnv, Deno.cwd(), module);
  const { command, args, env } = jobCommand(limits.memoryMb, Deno.build.standalone, Deno.execPath(), paths);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(command, {
      args,
      env: { ...jobEnv(serverEnv), ...env },
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    const hint = e instanceof Deno.errors.NotCapable ? " (the server needs --allow-run: `deno task serve` has it)" : "";
    throw new CodedError(
      "internal",
      `the ${what} could not start its job process: ${redact((e as Error).message)}${hint}`,
    );
  }
  const remainingMs = Math.min(MAX_TIMER_MS, Math.max(0, limits.deadlineMs - (limits.spentMs ?? 0)));
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    kill(child);
  }, remainingMs);
  const marker = `cdt-job-result-${crypto.randomUUID()}:`;
  const writer = child.stdin.getWriter();
  // The job goes on standard input, never on the command line, where `ps` would show its credentials. Standard input
  // stays open: the job's process ends itself when it closes (the server gone).
  const envelope = { job, module: module?.href, marker, deadlineMs: remainingMs };
  writer.write(new TextEncoder().encode(JSON.stringify(envelope) + "\n"))
    .catch(() => {/* the process is gone: its status says why */});
  try {
    const [out, err, status] = await Promise.all([
      readStreamBounded(child.stdout, MAX_RESULT_BYTES, "head"),
      readStreamBounded(child.stderr, MAX_STDERR_BYTES, "tail"),
      child.status,
    ]);
    // An answer given is the answer, even if the deadline struck as the process was ending.
    const message = resultIn(out.bytes, marker);
    if (message?.type === "done") return message.result;
    if (message?.type === "failed") {
      throw new CodedError(isErrorCode(message.code) ? message.code : "internal", redact(message.message));
    }
    if (timedOut) {
      throw new CodedError(
        "limit.exceeded",
        `the ${what} of ${job.customerId} went past its deadline (${limits.deadlineMs / 1000} s) and was stopped` +
          ` (CDT_SERVER_JOB_SECONDS sets it)`,
      );
    }
    const stderr = new TextDecoder().decode(err.bytes);
    if (status.signal === "SIGTRAP" && OUT_OF_MEMORY.test(stderr)) {
      throw new CodedError(
        "limit.exceeded",
        `the ${what} of ${job.customerId} went past its memory budget (${limits.memoryMb} MB) and was stopped; ` +
          `the server is fine (raise CDT_SERVER_JOB_MEMORY_MB for a larger district)`,
      );
    }
    if (out.truncated) {
      throw new CodedError(
        "internal",
        `the ${what} of ${job.customerId} answered more than ${MAX_RESULT_BYTES / 1024 ** 2} MiB`,
      );
    }
    const last = stderr.trim().split("\n").at(-1)?.slice(0, 500);
    throw new CodedError(
      "internal",
      `the ${what} job stopped (exit ${status.code}${status.signal ? `, ${status.signal}` : ""}) before answering` +
        (last ? `: ${redact(last)}` : ""),
    );
  } finally {
    clearTimeout(deadline);
    kill(child);
    await writer.close().catch(() => {});
  }
}

/** The message after the last `marker` in a job's output, up to the line's end, if it is whole. */
function resultIn(output: Uint8Array, marker: string): JobMessage | undefined {
  const needle = new TextEncoder().encode(marker);
  let at = output.lastIndexOf(needle[0]);
  while (at >= 0 && !needle.every((b, i) => output[at + i] === b)) {
    at = at === 0 ? -1 : output.lastIndexOf(needle[0], at - 1);
  }
  if (at < 0) return undefined;
  const from = at + needle.length;
  const nl = output.indexOf(10, from);
  try {
    return JSON.parse(new TextDecoder().decode(output.subarray(from, nl < 0 ? output.length : nl)));
  } catch {
    return undefined;
  }
}

function kill(child: Deno.ChildProcess): void {
  try {
    child.kill("SIGKILL");
  } catch { /* already gone */ }
}
