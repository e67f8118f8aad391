/**
 * `deno task customers`: the configured customers (environment, source kind,
 * where the source is), and `customers add`: a new district's settings file,
 * validated with the same schema and checked against its source.
 */
import { listCustomers, newCustomerSettings, writeCustomerSettings } from "../lib/settings/customers.ts";
import { settingsDir } from "../lib/settings/load.ts";
import { checkConnections } from "../lib/app/checks.ts";
import { createResolver } from "../lib/credentials/mod.ts";
import { EXIT, UsageError } from "../lib/cli/errors.ts";
import { runMain } from "../lib/cli/main.ts";
import { parseCli } from "../lib/cli/args.ts";
import { promptSecret } from "../lib/cli/prompt.ts";
import { printable } from "../lib/text.ts";

const HELP = `Usage: deno task customers [list] [--settings-dir DIR] [--json]
       deno task customers add [--id ID] [--name NAME] [--env staging|production]
                               [--kind oneroster-csv|oneroster-rest|classlink]
                               [--path EXPORT] [--url BASE_URL] [--version 1.1|1.2]
                               [--token-url URL] [--credentials NAME] [--no-check]

list (the default): one line per configured customer: id, environment, source
kind, where the source is, and the name; a settings file that cannot be used is
listed with its problem. Exit 1 when any file has a problem.

add: writes customer-integration-settings/<id>.json for a new district. What is
not given as a flag is asked for on a terminal. The answers are validated with the
same schema as every settings file (errors name the field), an existing customer
is never overwritten, and the new customer's source is checked (as
check-connections does) unless --no-check. Secrets never go in the file: REST
and ClassLink sources name a credential (default <id>/oneroster or <id>/classlink);
store it with deno task vault set NAME.

  --settings-dir DIR  where the settings files are (default: CDT_SETTINGS_DIR, else the project's)
  --json              list as JSON
`;

async function main(args: string[]): Promise<number> {
  const parsed = parseCli(
    args,
    {
      "settings-dir": { type: "string" },
      json: { type: "boolean" },
      id: { type: "string" },
      name: { type: "string" },
      env: { type: "string" },
      kind: { type: "string" },
      path: { type: "string" },
      url: { type: "string" },
      version: { type: "string" },
      "token-url": { type: "string" },
      credentials: { type: "string" },
      "no-check": { type: "boolean" },
    },
    HELP,
    true,
  );
  if (!parsed) return EXIT.ok;
  const { values, positionals } = parsed;
  const command = positionals[0] ?? "list";
  const env = Deno.env.toObject();
  const dir = settingsDir(values["settings-dir"], env);

  if (command === "list") {
    const rows = await listCustomers(dir);
    if (values.json) console.log(JSON.stringify(rows, null, 2));
    else if (rows.length === 0) console.log(`no customers in ${dir}: add one with deno task customers add`);
    else {
      const table = [
        ["customer", "environment", "source", "location", "name"],
        ...rows.map((r) =>
          r.problem
            ? [r.id, "-", "-", "-", `PROBLEM: ${r.problem.split("\n")[0]}`]
            : [r.id, r.environment, r.source, r.location, r.name]
        ),
      ].map((cells) => cells.map(printable));
      const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
      for (const row of table) console.log(row.map((c, i) => i < 4 ? c.padEnd(widths[i]) : c).join("  "));
    }
    return rows.some((r) => r.problem) ? EXIT.failure : EXIT.ok;
  }
  if (command !== "add") {
    throw new UsageError(`"${command}" is not a customers command; expected list or add\n\n${HELP}`);
  }

  const ask = (question: string, given: string | undefined, fallback?: string): string => {
    if (given !== undefined) return given;
    if (!Deno.stdin.isTerminal()) {
      if (fallback !== undefined) return fallback;
      throw new UsageError(`${question.replace(/ \(.*$/, "")} is needed: give it as a flag (see --help)`);
    }
    return prompt(question, fallback) ?? "";
  };
  const id = ask("customer id (a slug such as lincoln-usd)", values.id);
  const name = ask("customer name", values.name);
  const environment = ask("environment (staging or production)", values.env, "production");
  const kind = ask("source kind (oneroster-csv, oneroster-rest or classlink)", values.kind, "oneroster-csv");
  const isFile = kind === "oneroster-csv";
  const settings = newCustomerSettings({
    id,
    name,
    environment,
    kind,
    path: isFile ? ask("export directory or .zip", values.path) : values.path,
    url: isFile ? values.url : ask("base URL (…/ims/oneroster/v1p1)", values.url),
    version: kind === "oneroster-rest" ? ask("OneRoster version (1.1 or 1.2)", values.version, "1.1") : undefined,
    tokenUrl: values["token-url"],
    credentials: values.credentials,
  });
  const file = await writeCustomerSettings(dir, settings);
  console.log(`wrote ${file}`);
  if (values["no-check"]) return EXIT.ok;
  const resolver = await createResolver(env, { prompt: () => promptSecret("Vault passphrase: ") });
  const results = await checkConnections({ resolver, settingsDir: dir, environments: [], customers: [id] });
  for (const r of results) {
    console.log(`${r.ok ? "ok    " : "FAILED"}  ${printable(r.check)}: ${printable(r.detail)}`);
  }
  const ok = results.every((r) => r.ok);
  console.log(
    ok
      ? `next: deno task diagnose --customer ${id}`
      : `the settings are saved; fix the source (or its credential: deno task vault set ${
        "credentials" in settings.source ? settings.source.credentials : "NAME"
      }) and run deno task check-connections --customer ${id}`,
  );
  return ok ? EXIT.ok : EXIT.failure;
}

if (import.meta.main) await runMain("customers", main);
