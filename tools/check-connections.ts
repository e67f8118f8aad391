/**
 * `deno task check-connections`: can this machine reach every environment's
 * platform database (read-only, with the expected schema), every customer's
 * roster source, and HubSpot? Exit 1 when anything failed.
 */
import { checkConnections } from "../lib/app/checks.ts";
import { createResolver } from "../lib/credentials/mod.ts";
import { settingsDir } from "../lib/settings/load.ts";
import { EXIT, UsageError } from "../lib/cli/errors.ts";
import { runMain } from "../lib/cli/main.ts";
import { parseCli } from "../lib/cli/args.ts";
import { promptSecret } from "../lib/cli/prompt.ts";
import { hubspotCheck } from "../lib/hubspot/mod.ts";
import { printable, safeJson } from "../lib/text.ts";

const HELP = `Usage: deno task check-connections [--env ENV]... [--customer ID]... [--json]

For each environment (staging, production): resolve the credentials, connect,
confirm the session is read-only, and compare the tables with schema.sql
(drift is reported by table and column). For each customer: reach its roster
source with one cheap request. Then HubSpot, when configured.
Exit 0 when everything is ok, 1 when anything failed.

  --env ENV          staging | production; repeatable (default: both)
  --customer ID      check these customers only; repeatable (default: all)
  --settings-dir DIR where the settings files are
  --no-hubspot       skip HubSpot
  --json             print JSON instead of a table
`;

async function main(args: string[]): Promise<number> {
  const parsed = parseCli(args, {
    env: { type: "string", multiple: true },
    customer: { type: "string", multiple: true },
    "settings-dir": { type: "string" },
    "no-hubspot": { type: "boolean" },
    json: { type: "boolean" },
  }, HELP);
  if (!parsed) return EXIT.ok;
  const { values } = parsed;
  for (const e of values.env ?? []) {
    if (e !== "staging" && e !== "production") throw new UsageError(`--env "${e}" must be staging or production`);
  }
  const env = Deno.env.toObject();
  const resolver = await createResolver(env, { prompt: () => promptSecret("Vault passphrase: ") });
  const results = await checkConnections({
    resolver,
    settingsDir: settingsDir(values["settings-dir"], env),
    environments: values.env as Array<"staging" | "production"> | undefined,
    customers: values.customer,
    hubspot: values["no-hubspot"] || !(await resolver.find("hubspot")) ? undefined : () => hubspotCheck(resolver, env),
  });
  if (values.json) {
    console.log(safeJson(results, 2));
  } else {
    const w = Math.max(6, ...results.map((r) => r.target.length));
    const c = Math.max(5, ...results.map((r) => r.check.length));
    console.log(`${"target".padEnd(w)}  ${"check".padEnd(c)}  result  ${"ms".padStart(6)}  detail`);
    for (const r of results) {
      console.log(
        `${r.target.padEnd(w)}  ${r.check.padEnd(c)}  ${(r.ok ? "ok" : "FAILED").padEnd(6)}  ${
          String(r.ms).padStart(6)
        }  ${printable(r.detail)}`,
      );
    }
  }
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.failure;
}

if (import.meta.main) await runMain("check-connections", main);
