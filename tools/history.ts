/**
 * `deno task history`: a customer's recorded runs, or the timeline of one
 * person or class across them. Reads the history only.
 */
import { EXIT, UsageError } from "../lib/cli/errors.ts";
import { envFlag, formatFlag, parseCli } from "../lib/cli/args.ts";
import { runMain } from "../lib/cli/main.ts";
import { checkCustomerId, loadSettings, settingsDir } from "../lib/settings/load.ts";
import { openHistory } from "../lib/history/store.ts";
import { timeline } from "../lib/history/timeline.ts";
import { renderRuns, renderTimeline } from "../lib/history/format.ts";

const HELP = `Usage: deno task history --customer ID [--person KEY] [options]

Lists a customer's recorded diagnoses (every whole, live diagnosis is recorded
by deno task diagnose, the server and the fleet: in the state database
CDT_STATE_DATABASE_URL, else in CDT_HISTORY_DIR, default history/; runs of some
tools or with --cached are not), or the timeline of one person or class.

Options:
  --customer ID     the customer (required)
  --person KEY      a sourcedId, platform id, email, student number or class
                    sourcedId: in which run each finding about it appeared and cleared
  --env ENV         only runs of this environment (with --person, default: the
                    customer's own environment)
  --limit N         at most N runs, newest first (default 30)
  --format FORMAT   table | json (default: table on a terminal, else json)
  -h, --help        show this help

Examples:
  deno task history --customer demo-isd
  deno task history --customer demo-isd --person stu-1042
`;

async function main(args: string[]): Promise<number> {
  const parsed = parseCli(args, {
    customer: { type: "string" },
    person: { type: "string" },
    env: { type: "string" },
    limit: { type: "string" },
    format: { type: "string" },
  }, HELP);
  if (!parsed) return EXIT.ok;
  const { values } = parsed;
  if (!values.customer) throw new UsageError(`--customer is required\n\n${HELP}`);
  const customer = checkCustomerId(values.customer);
  const environment = envFlag(values.env);
  const limit = values.limit === undefined ? 30 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    throw new UsageError(`--limit "${values.limit}" must be a whole number from 1 to 10000`);
  }
  const format = formatFlag(values.format, ["table", "json"], Deno.stdout.isTerminal() ? "table" : "json");
  if (values.person !== undefined && !values.person.trim()) throw new UsageError("--person needs a key");

  const store = await openHistory(Deno.env.toObject());
  try {
    let text: string;
    if (values.person !== undefined) {
      // One environment's timeline: staging and production runs interleaved would open and clear findings as the
      // environment flips. The customer's own environment unless --env says otherwise.
      const own = environment ??
        (await loadSettings(settingsDir(undefined, Deno.env.toObject()), customer).catch(() => undefined))?.settings
          .oneshelf_environment;
      const runs = await store.subjectRuns(customer, values.person, { environment: own });
      const entries = timeline(runs);
      text = format === "json"
        ? JSON.stringify({ customer, person: values.person, runs: runs.length, findings: entries }, null, 2) + "\n"
        : renderTimeline(customer, values.person, entries, runs.length);
    } else {
      const runs = await store.runs(customer, { environment, limit });
      text = format === "json" ? JSON.stringify(runs, null, 2) + "\n" : renderRuns(customer, runs);
    }
    await Deno.stdout.write(new TextEncoder().encode(text));
  } finally {
    await store.close();
  }
  return EXIT.ok;
}

if (import.meta.main) await runMain("history", main);
