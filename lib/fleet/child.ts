/**
 * One fleet job's diagnosis, in a process of its own (so that its deadline
 * and memory budget end it alone): reads the job from its first argument,
 * runs the same diagnosis as `deno task diagnose`, and prints
 * `{ report, counts, identity }` as JSON on standard output. It exits when
 * its standard input closes: a worker killed mid-job takes its child along.
 */
import { diagnoseCustomer } from "../app/diagnose.ts";
import { exitCodeFor, formatError } from "../cli/errors.ts";
import { sourceCounts, sourceIdentity } from "../history/record.ts";
import { settingsDir } from "../settings/load.ts";
import { JobData } from "./queue.ts";

/** The exit code when the worker went away. */
export const ORPHANED_EXIT = 70;

async function main(): Promise<number> {
  // The worker never writes to our stdin; end of input means it is gone.
  (async () => {
    try {
      for await (const _ of Deno.stdin.readable) { /* nothing is sent */ }
    } finally {
      Deno.exit(ORPHANED_EXIT);
    }
  })();
  const job = JobData.parse(JSON.parse(Deno.args[0] ?? "null"));
  const env = Deno.env.toObject();
  const { report, roster } = await diagnoseCustomer({
    customerId: job.customer,
    settingsDir: settingsDir(undefined, env),
    environment: job.environment,
    env,
  });
  const out = JSON.stringify({
    report,
    counts: sourceCounts(roster),
    identity: await sourceIdentity(roster, report.generatedAt),
  });
  const bytes = new TextEncoder().encode(out);
  for (let i = 0; i < bytes.length;) i += await Deno.stdout.write(bytes.subarray(i));
  return 0;
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main();
  } catch (e) {
    Deno.stderr.writeSync(new TextEncoder().encode(formatError(e) + "\n"));
    code = exitCodeFor(e);
  }
  Deno.exit(code);
}
