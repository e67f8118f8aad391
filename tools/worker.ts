/**
 * `deno task worker`: a fleet worker. Run any number, on any number of
 * machines: each takes diagnosis jobs from the queue in the state database.
 */
import { EXIT, UsageError } from "../lib/cli/errors.ts";
import { parseCli } from "../lib/cli/args.ts";
import { runMain } from "../lib/cli/main.ts";
import { FleetConfigError, fleetSettings } from "../lib/fleet/config.ts";
import { runWorker } from "../lib/fleet/worker.ts";

const HELP = `Usage: deno task worker [--concurrency N] [--exit-when-idle]

Takes nightly diagnosis jobs (deno task fleet enqueue) from the queue in the
state database CDT_STATE_DATABASE_URL and runs each in a process of its own
with a deadline and a memory budget; records every result in the history.
A job whose worker dies is retried by another once it expires.

Options:
  --concurrency N    jobs at a time in this worker (default 1)
  --exit-when-idle   stop when nothing is queued, waiting for a retry or running
  -h, --help         show this help

Environment: CDT_STATE_DATABASE_URL (required), CDT_SETTINGS_DIR, the platform
database URLs and source credentials the customers need, and
CDT_FLEET_DEADLINE_SECONDS (1500), CDT_FLEET_EXPIRE_SECONDS (1800),
CDT_FLEET_MEMORY_MB (2048), CDT_FLEET_RETRY_LIMIT (2),
CDT_FLEET_RETRY_DELAY_SECONDS (60, doubling), CDT_FLEET_SUPERVISE_SECONDS (60).
`;

const encoder = new TextEncoder();

async function main(args: string[]): Promise<number> {
  const parsed = parseCli(args, {
    concurrency: { type: "string" },
    "exit-when-idle": { type: "boolean" },
  }, HELP);
  if (!parsed) return EXIT.ok;
  const { values } = parsed;
  const concurrency = values.concurrency === undefined ? 1 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new UsageError(`--concurrency "${values.concurrency}" must be a whole number from 1 to 64`);
  }
  let settings;
  try {
    settings = fleetSettings(Deno.env.toObject());
  } catch (e) {
    if (e instanceof FleetConfigError) throw new UsageError(e.message);
    throw e;
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGTERM", onSignal);
  Deno.addSignalListener("SIGINT", onSignal);
  try {
    const result = await runWorker(settings, {
      concurrency,
      exitWhenIdle: !!values["exit-when-idle"],
      signal: stop.signal,
      log: (line) => Deno.stderr.writeSync(encoder.encode(`${new Date().toISOString()} ${line}\n`)),
    });
    Deno.stderr.writeSync(encoder.encode(`worker stopped: ${result.done} done, ${result.failed} failed attempts\n`));
  } finally {
    Deno.removeSignalListener("SIGTERM", onSignal);
    Deno.removeSignalListener("SIGINT", onSignal);
  }
  return EXIT.ok;
}

if (import.meta.main) await runMain("worker", main);
