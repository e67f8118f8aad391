/**
 * `deno task fleet`: enqueue the nightly scan, and see how it went.
 */
import { EXIT, UsageError } from "../lib/cli/errors.ts";
import { envFlag, formatFlag, parseCli } from "../lib/cli/args.ts";
import { runMain } from "../lib/cli/main.ts";
import { checkCustomerId, listCustomerIds, loadSettings, settingsDir } from "../lib/settings/load.ts";
import { FleetConfigError, fleetSettings } from "../lib/fleet/config.ts";
import { enqueue, nightOf, openFleet } from "../lib/fleet/queue.ts";
import { fleetStatus, renderStatus } from "../lib/fleet/status.ts";

const HELP = `Usage: deno task fleet enqueue (--all | --customer ID…) [--env ENV] [--night YYYY-MM-DD]
       deno task fleet status [--night YYYY-MM-DD] [--format table|json]

The nightly fleet scan on the job queue in the state database
CDT_STATE_DATABASE_URL (pg-boss). Workers (deno task worker) run the jobs.

enqueue: one diagnosis job per customer for the night (default: today, UTC).
  Enqueuing a customer twice for one night does not duplicate its job.
  --all               every customer of the settings directory
  --customer ID       a customer; repeatable
  --env ENV           embedded | staging | production (default: each
                      customer's oneshelf_environment)
  --settings-dir DIR  where the settings files are (for --all)

status: one row per customer: customer, state (queued|running|done|failed),
  findings, new, resolved, error, finishedAt; JSON is an array of those.
`;

async function main(args: string[]): Promise<number> {
  const parsed = parseCli(
    args,
    {
      all: { type: "boolean" },
      customer: { type: "string", multiple: true },
      env: { type: "string" },
      night: { type: "string" },
      "settings-dir": { type: "string" },
      format: { type: "string" },
    },
    HELP,
    true,
  );
  if (!parsed) return EXIT.ok;
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (positionals.length !== 1 || (command !== "enqueue" && command !== "status")) {
    throw new UsageError(`expected one command, enqueue or status\n\n${HELP}`);
  }
  if (values.night !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.night)) {
    throw new UsageError(`--night "${values.night}" must be a date, YYYY-MM-DD`);
  }
  const env = Deno.env.toObject();
  let settings;
  try {
    settings = fleetSettings(env);
  } catch (e) {
    if (e instanceof FleetConfigError) throw new UsageError(e.message);
    throw e;
  }

  if (command === "enqueue") {
    const environment = envFlag(values.env);
    if (values.all && values.customer?.length) throw new UsageError("give --all or --customer, not both");
    const customers = values.all
      ? await listCustomerIds(settingsDir(values["settings-dir"], env))
      : (values.customer ?? []).map(checkCustomerId);
    if (!customers.length) throw new UsageError(`enqueue needs --all or --customer ID\n\n${HELP}`);
    const night = values.night ?? nightOf(new Date());
    const fleet = await openFleet(settings);
    try {
      // Each job names its environment (the flag, else the customer's own), so one night is one key either way.
      const sent = [];
      for (const customer of customers) {
        const own = environment ??
          (await loadSettings(settingsDir(values["settings-dir"], env), customer)).settings.oneshelf_environment;
        sent.push(...await enqueue(fleet, [customer], { environment: own, night }));
      }
      const fresh = sent.filter((s) => s.jobId).length;
      for (const s of sent) {
        console.error(`${s.customer}: ${s.jobId ? `queued (job ${s.jobId})` : `already has a job for ${night}`}`);
      }
      console.error(`${fresh} queued, ${sent.length - fresh} already queued for the night of ${night}`);
    } finally {
      await fleet.stop({ graceful: false });
    }
    return EXIT.ok;
  }

  const format = formatFlag(values.format, ["table", "json"], Deno.stdout.isTerminal() ? "table" : "json");
  const fleet = await openFleet(settings);
  try {
    const rows = await fleetStatus(fleet, values.night);
    const text = format === "json"
      ? JSON.stringify(
        rows.map(({ customer, environment, night, state, findings, new: n, resolved, error, finishedAt }) => ({
          customer,
          environment,
          night,
          state,
          findings,
          new: n,
          resolved,
          error,
          finishedAt,
        })),
        null,
        2,
      ) + "\n"
      : renderStatus(rows);
    await Deno.stdout.write(new TextEncoder().encode(text));
  } finally {
    await fleet.stop({ graceful: false });
  }
  return EXIT.ok;
}

if (import.meta.main) await runMain("fleet", main);
