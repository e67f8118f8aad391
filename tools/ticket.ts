/** `deno task ticket --customer ID`: the customer's open HubSpot tickets. */
import { checkCustomerId, loadSettings, settingsDir } from "../lib/settings/load.ts";
import { createResolver } from "../lib/credentials/mod.ts";
import { connectHubSpot } from "../lib/hubspot/mod.ts";
import { EXIT, UsageError } from "../lib/cli/errors.ts";
import { runMain } from "../lib/cli/main.ts";
import { parseCli } from "../lib/cli/args.ts";
import { promptSecret } from "../lib/cli/prompt.ts";
import { printable, safeJson } from "../lib/text.ts";

const HELP = `Usage: deno task ticket --customer ID [--json]

Lists the open HubSpot tickets of the customer's company (hubspot_company_id in
its settings). Needs the hubspot credential (HUBSPOT_ACCESS_TOKEN, the vault…).
`;

async function main(args: string[]): Promise<number> {
  const parsed = parseCli(args, {
    customer: { type: "string" },
    "settings-dir": { type: "string" },
    json: { type: "boolean" },
  }, HELP);
  if (!parsed) return EXIT.ok;
  const { values } = parsed;
  if (!values.customer) throw new UsageError(`--customer is required\n\n${HELP}`);
  const env = Deno.env.toObject();
  const { settings, file } = await loadSettings(
    settingsDir(values["settings-dir"], env),
    checkCustomerId(values.customer),
  );
  if (!settings.hubspot_company_id) {
    throw new UsageError(`${file}: no hubspot_company_id; add the customer's HubSpot company id`);
  }
  const hubspot = await connectHubSpot(
    await createResolver(env, { prompt: () => promptSecret("Vault passphrase: ") }),
    env,
  );
  const tickets = await hubspot.openTickets(settings.hubspot_company_id);
  // A ticket's subject is whatever someone typed, or emailed in: shown, never acted on by the terminal.
  if (values.json) console.log(safeJson(tickets, 2));
  else if (tickets.length === 0) console.log(`no open tickets for ${settings.customer_id}`);
  else {
    for (const t of tickets) {
      console.log(`${printable(t.id).padStart(10)}  stage ${printable(t.status).padEnd(4)}  ${printable(t.subject)}`);
    }
  }
  return EXIT.ok;
}

if (import.meta.main) await runMain("ticket", main);
