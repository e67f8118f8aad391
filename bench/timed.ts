/** Running one command of the project in its own process under `/usr/bin/time -v`, as every benchmark measures one. */

/** The V8 flags `deno task diagnose` runs with (deno.json), so that a diagnosis is measured as a user runs it. */
export const DIAGNOSE_V8_FLAGS = "--v8-flags=--max-old-space-size=12288,--expose-gc";

/** What one timed command did. */
export interface TimedRun {
  /** Wall milliseconds, the process's start included. */
  ms: number;
  /** Peak RSS in KiB (NaN when time printed none). */
  rssKiB: number;
  success: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Runs `deno run --allow-all [v8Flags] script …args` under `/usr/bin/time -v`: wall time and peak RSS.
 *
 * @example
 * const r = await timedRun("/repo/tools/diagnose.ts", ["--customer", "demo-isd"], { v8Flags: DIAGNOSE_V8_FLAGS });
 * console.log(r.ms, r.rssKiB / 1024);
 */
export async function timedRun(
  script: string,
  args: string[],
  options: { env?: Record<string, string>; v8Flags?: string; stdout?: boolean } = {},
): Promise<TimedRun> {
  const t0 = performance.now();
  const r = await new Deno.Command("/usr/bin/time", {
    args: ["-v", Deno.execPath(), "run", "--allow-all", ...(options.v8Flags ? [options.v8Flags] : []), script, ...args],
    env: options.env,
    stdout: options.stdout ? "piped" : "null",
    stderr: "piped",
  }).output();
  const ms = performance.now() - t0;
  const stderr = new TextDecoder().decode(r.stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  return {
    ms,
    rssKiB: rss ? Number(rss[1]) : NaN,
    success: r.success,
    stdout: options.stdout ? new TextDecoder().decode(r.stdout) : "",
    stderr,
  };
}
