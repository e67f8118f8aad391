/**
 * Connection checks: for each configured environment, can the credentials be
 * resolved, does the database answer, is the session read-only, does it have
 * the tables and columns of schema.sql; for each customer, can its roster
 * source be reached with one cheap request; and HubSpot.
 */
import type { CredentialResolver } from "../credentials/resolver.ts";
import { connectUrl, type Environment, readOnly } from "../platform/connect.ts";
import { SCHEMA_URL } from "../platform/load.ts";
import { listCustomerIds, loadSettings, resolveSettingsPath } from "../settings/load.ts";
import { openBundle } from "../sources/oneroster-csv/bundle.ts";
import { fetchCollection, restAuthenticator } from "../sources/oneroster-rest/read.ts";
import { HttpClient } from "../sources/http/client.ts";
import { redact } from "../credentials/redact.ts";

/** One check's outcome. */
export interface CheckResult {
  target: string;
  check: string;
  ok: boolean;
  detail: string;
  ms: number;
}

/** Options of {@link checkConnections}. */
export interface CheckOptions {
  resolver: CredentialResolver;
  settingsDir: string;
  /** Default: staging and production. */
  environments?: Array<Exclude<Environment, "embedded">>;
  /** Default: every customer in the settings directory. */
  customers?: string[];
  /** Checks HubSpot when it resolves (see lib/hubspot). */
  hubspot?: () => Promise<string>;
}

/**
 * Runs every check; never throws for a failed check (it is a result).
 *
 * @example
 * const results = await checkConnections({ resolver, settingsDir });
 * results.every((r) => r.ok)
 */
export async function checkConnections(options: CheckOptions): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const timed = async (target: string, check: string, fn: () => Promise<string>): Promise<boolean> => {
    const t0 = performance.now();
    try {
      const detail = await fn();
      out.push({ target, check, ok: true, detail: redact(detail), ms: Math.round(performance.now() - t0) });
      return true;
    } catch (e) {
      out.push({
        target,
        check,
        ok: false,
        detail: redact((e as Error).message),
        ms: Math.round(performance.now() - t0),
      });
      return false;
    }
  };

  for (const environment of options.environments ?? ["staging", "production"]) {
    const target = `platform/${environment}`;
    let url = "";
    const resolved = await timed(target, "credentials", async () => {
      const r = await options.resolver.databaseUrl(environment);
      url = r.url;
      return `from ${r.from}`;
    });
    if (!resolved) continue;
    const conn = connectUrl(url, {
      environment,
      applicationName: "cdt check-connections",
      statementTimeoutMs: 15_000,
      max: 1,
    });
    try {
      const connected = await timed(target, "read-only session", async () => {
        const [row] = await readOnly(
          conn,
          (tx) =>
            tx<
              { ro: string; version: string }[]
            >`select current_setting('transaction_read_only') as ro, version() as version`,
        );
        if (row.ro !== "on") throw new Error("the session is not read-only");
        return `${conn.server}, ${row.version.split(" on ")[0]}`;
      });
      if (connected) await timed(target, "schema", () => schemaDrift(conn));
    } finally {
      await conn.close();
    }
  }

  for (const id of options.customers ?? await listCustomerIds(options.settingsDir)) {
    await timed(`customer ${id}`, "roster source", async () => {
      const loaded = await loadSettings(options.settingsDir, id);
      const source = loaded.settings.source;
      switch (source.kind) {
        case "oneroster-csv": {
          const bundle = await openBundle(resolveSettingsPath(loaded, source.path));
          if (!bundle.files.includes("manifest.csv")) throw new Error(`${bundle.location}: no manifest.csv`);
          return `${bundle.location}: ${bundle.files.length} files`;
        }
        case "custom-csv": {
          const dir = resolveSettingsPath(loaded, source.path);
          const files = Object.values(source.files).flatMap((f) => (Array.isArray(f) ? f : f ? [f] : [])).map((f) =>
            f.file
          );
          for (const f of files) {
            await Deno.stat(`${dir}/${f}`).catch(() => Promise.reject(new Error(`${dir}/${f} is missing`)));
          }
          return `${dir}: ${files.length} files`;
        }
        case "oneroster-rest":
        case "classlink": {
          const client = new HttpClient(await restAuthenticator(source, options.resolver), {
            retries: 1,
            timeoutMs: 15_000,
          });
          const pages = fetchCollection(client, `${source.baseUrl.replace(/\/+$/, "")}/orgs`, "orgs", {
            pageSize: 1,
            concurrency: 1,
          });
          const first = await pages.next();
          await pages.return(undefined);
          return `${source.baseUrl}: answered (${
            Array.isArray(first.value) ? first.value.length : 0
          } org on the first page)`;
        }
      }
    });
  }

  if (options.hubspot) await timed("hubspot", "api", options.hubspot);
  return out;
}

/** The tables and columns of schema.sql. */
export async function expectedSchema(): Promise<Map<string, string[]>> {
  const ddl = await Deno.readTextFile(SCHEMA_URL);
  const tables = new Map<string, string[]>();
  for (const m of ddl.matchAll(/create table (\w+) \(([\s\S]*?)\n\);/g)) {
    const columns = m[2].split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("--"))
      .map((l) => l.split(/\s+/)[0]).filter((w) =>
        /^[a-z_]+$/.test(w) && !["unique", "primary", "check", "constraint", "foreign"].includes(w)
      );
    tables.set(m[1], columns);
  }
  return tables;
}

async function schemaDrift(conn: ReturnType<typeof connectUrl>): Promise<string> {
  const expected = await expectedSchema();
  const rows = await readOnly(conn, (tx) =>
    tx<{ table_name: string; column_name: string }[]>`
      select table_name, column_name from information_schema.columns
      where table_schema = current_schema() and table_name = any(${[...expected.keys()]})`);
  const actual = new Map<string, Set<string>>();
  for (const r of rows) {
    let set = actual.get(r.table_name);
    if (!set) actual.set(r.table_name, set = new Set());
    set.add(r.column_name);
  }
  const drift: string[] = [];
  for (const [table, columns] of expected) {
    const have = actual.get(table);
    if (!have) drift.push(`table ${table} is missing`);
    else for (const c of columns) if (!have.has(c)) drift.push(`column ${table}.${c} is missing`);
  }
  if (drift.length) throw new Error(`schema drift: ${drift.join("; ")}`);
  return `${expected.size} tables as in schema.sql`;
}
