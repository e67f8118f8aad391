/**
 * The configured customers as a list, and a new customer's settings built
 * from a few answers and validated with the same schema as every settings file.
 */
import { join } from "node:path";
import { listCustomerIds, loadSettings, parseSettings, SettingsError } from "./load.ts";
import type { Settings, SourceSettings } from "./schema.ts";

/** One configured customer, as `deno task customers` lists it. */
export interface CustomerRow {
  id: string;
  name: string;
  environment: string;
  /** The source kind (oneroster-csv, oneroster-rest, classlink, custom-csv). */
  source: string;
  /** The export path or the server's base URL. */
  location: string;
  /** Why the settings file cannot be used, when it cannot. */
  problem?: string;
}

/**
 * Every customer with a settings file in `dir`; a broken file is listed with its problem, never skipped.
 *
 * @example
 * (await listCustomers("customer-integration-settings"))[0] // {id: "demo-isd", environment: "embedded", …}
 */
export async function listCustomers(dir: string): Promise<CustomerRow[]> {
  const rows: CustomerRow[] = [];
  for (const id of await listCustomerIds(dir)) {
    try {
      const { settings } = await loadSettings(dir, id);
      rows.push({
        id,
        name: settings.customer_name,
        environment: settings.oneshelf_environment,
        source: settings.source.kind,
        location: sourceLocation(settings.source),
      });
    } catch (e) {
      rows.push({ id, name: "", environment: "", source: "", location: "", problem: (e as Error).message });
    }
  }
  return rows;
}

/** Where a source reads from: its path or its base URL. */
export function sourceLocation(source: SourceSettings): string {
  return "path" in source ? source.path : source.baseUrl;
}

/** The answers `deno task customers add` collects. */
export interface NewCustomer {
  id: string;
  name: string;
  environment: string;
  kind: string;
  /** Export directory or zip (oneroster-csv, custom-csv). */
  path?: string;
  /** Base URL (oneroster-rest, classlink). */
  url?: string;
  /** OneRoster REST version, default 1.1. */
  version?: string;
  /** OAuth 2 token URL (REST 1.2). */
  tokenUrl?: string;
  /** Credential name (REST, ClassLink), default `<id>/<kind>`. */
  credentials?: string;
}

/**
 * Builds and validates a new customer's settings (errors name the field, as for a settings file).
 *
 * @example
 * newCustomerSettings({ id: "lincoln-usd", name: "Lincoln USD", environment: "staging", kind: "oneroster-csv", path: "/exports/lincoln.zip" })
 */
export function newCustomerSettings(answers: NewCustomer): Settings {
  const kind = answers.kind;
  let source: Record<string, unknown>;
  if (kind === "oneroster-csv") source = { kind, path: answers.path };
  else if (kind === "custom-csv") {
    throw new SettingsError(
      "a custom-csv customer needs a column mapping for each file; copy docs' custom-csv example into a settings file instead",
    );
  } else if (kind === "oneroster-rest" || kind === "classlink") {
    source = {
      kind,
      baseUrl: answers.url,
      credentials: answers.credentials || `${answers.id}/${kind === "classlink" ? "classlink" : "oneroster"}`,
      ...(kind === "oneroster-rest" ? { version: answers.version || "1.1" } : {}),
      ...(answers.tokenUrl ? { tokenUrl: answers.tokenUrl } : {}),
    };
  } else {
    throw new SettingsError(`kind "${kind}" is not a source kind; expected oneroster-csv, oneroster-rest or classlink`);
  }
  const json = {
    customer_id: answers.id,
    customer_name: answers.name,
    integration_type: kind,
    oneshelf_environment: answers.environment,
    source,
  };
  return parseSettings(JSON.stringify(json), `${answers.id || "(new customer)"}.json`, answers.id).settings;
}

/**
 * Writes a new settings file; never overwrites an existing customer. Returns the file's path.
 *
 * @example
 * await writeCustomerSettings("customer-integration-settings", settings) // ".../lincoln-usd.json"
 */
export async function writeCustomerSettings(dir: string, settings: Settings): Promise<string> {
  const file = join(dir, `${settings.customer_id}.json`);
  try {
    await Deno.writeTextFile(file, JSON.stringify(settings, null, 2) + "\n", { createNew: true });
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) {
      throw new SettingsError(`${file} exists already: customer "${settings.customer_id}" is configured`);
    }
    throw e;
  }
  return file;
}
