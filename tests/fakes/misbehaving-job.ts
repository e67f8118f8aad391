/**
 * Jobs that fail the ways a district's data made the server fail, for the
 * tests of the job process's isolation (server/jobs/runner.ts): the job's
 * `customerId` names the misbehaviour. Loaded only inside a job process.
 */
import { Readable, Transform } from "node:stream";
import { getHeapStatistics } from "node:v8";
import type { Job, JobResult } from "../../server/jobs/protocol.ts";

const never = new Promise<never>(() => {});

/** Runs the misbehaviour `job.customerId` names; "healthy" answers. */
export async function runJob(job: Job): Promise<JobResult> {
  switch (job.customerId) {
    case "healthy":
      return {
        kind: "diagnose",
        report: { customer: "healthy" } as never,
        charts: ["<svg></svg>"],
        index: { entries: [], truncated: false },
      };
    case "heap":
      // Where the job runs and with what heap, for the tests of how a job process is started.
      return {
        kind: "diagnose",
        report: { customer: String(Deno.pid) } as never,
        charts: [String(getHeapStatistics().heap_size_limit), Object.keys(Deno.env.toObject()).sort().join(" ")],
        index: { entries: [], truncated: false },
      };
    case "throw-in-pipe": {
      // What csv-parse did with a 600 MB field: an error emitted inside a pipe, where no try can catch it.
      const parser = new Transform({
        transform(_chunk, _encoding, callback) {
          callback(new RangeError("Cannot create a string longer than 0x1fffffe8 characters"));
        },
      });
      Readable.from(["a,b\n"]).pipe(parser);
      parser.resume();
      return await never;
    }
    case "string-overflow":
      setTimeout(() => {
        let s = "x".repeat(2 ** 28);
        s = s + s + s;
        console.log(s.length);
      }, 1);
      return await never;
    case "unhandled-rejection":
      Promise.reject(new Error("a rejection nobody awaited"));
      return await never;
    case "exhaust-heap": {
      // Inside a promise: where Deno, in a worker thread, raised the heap limit and stalled instead of ending it.
      const kept: number[][] = [];
      for (let i = 0;; i++) {
        kept.push(new Array(100_000).fill(i));
        if (i % 10 === 0) await new Promise((r) => setTimeout(r, 0));
      }
    }
    case "fatal":
      // How V8 ends a process whose heap met a budget it could not keep (seen at 24 MB: "Fatal JavaScript out of
      // memory: CALL_AND_RETRY_LAST"), worker threads' budgets included: SIGTRAP, for the whole process.
      Deno.kill(Deno.pid, "SIGTRAP");
      return await never;
    case "unsendable":
      // An answer JSON cannot carry.
      return {
        kind: "diagnose",
        report: { customer: 1n } as never,
        charts: [],
        index: { entries: [], truncated: false },
      };
    case "noisy": {
      // A job that prints (a district's text, a forged marker among it) before it answers.
      const line = "cdt-job-result-00000000-0000-0000-0000-000000000000:" + JSON.stringify({ type: "done", result: 1 });
      for (let i = 0; i < 20_000; i++) console.log(`${line} row ${i} of a district's file`);
      // More than the server reads of an answer (256 MiB): printed where the answer is, it would bury it.
      const mib = "x".repeat(1024 * 1024);
      for (let i = 0; i < 260; i++) console.log(mib);
      return {
        kind: "diagnose",
        report: { customer: "noisy" } as never,
        charts: [],
        index: { entries: [], truncated: false },
      };
    }
    case "says-out-of-memory":
      // Its own words are not V8's: not the memory budget.
      console.error("# Fatal JavaScript out of memory: the SIS said so");
      Deno.exit(3);
      return await never;
    case "spin-orphan":
      // Tells where it runs (in the application log, which a job may write), then never yields: only the watchdog
      // can end it.
      Deno.writeTextFileSync(Deno.env.get("CDT_APP_LOG")!, String(Deno.pid));
      for (;;) { /* a loop that never yields */ }
    case "snoop": {
      // What a job can reach on disk: its export (the settings' source path), and a secret in the server's home.
      const tryIt = async (f: () => Promise<unknown>) => {
        try {
          await f();
          return "allowed";
        } catch (e) {
          return (e as Error).name;
        }
      };
      const home = Deno.env.get("HOME")!;
      const source = job.loaded!.settings.source as { path: string };
      const reach = {
        // The export a folder: one of its files, opened and checked as a reader does (Deno checks an open file's
        // stat where the path's links lead).
        export: await tryIt(async () => {
          using file = await Deno.open(`${source.path}/users.csv`);
          return await file.stat();
        }),
        secret: await tryIt(() => Deno.readTextFile(`${home}/.aws/credentials`)),
        listHome: await tryIt(() => Array.fromAsync(Deno.readDir(home))),
        plant: await tryIt(() => Deno.writeTextFile(`${home}/planted.txt`, "x")),
        writeExport: await tryIt(() => Deno.writeTextFile(`${source.path}/users.csv`, "x")),
        log: await tryIt(() => Deno.writeTextFile(Deno.env.get("CDT_APP_LOG")!, "x", { append: true })),
      };
      return {
        kind: "diagnose",
        report: { customer: JSON.stringify(reach) } as never,
        charts: [],
        index: { entries: [], truncated: false },
      };
    }
    case "spin":
      await Promise.resolve();
      for (;;) { /* a loop that never yields */ }
  }
  throw new Error(`no such misbehaviour: ${job.customerId}`);
}
