/**
 * Connections to the platform database. Every read runs inside a read-only
 * transaction, which the server enforces; the connection also asks for
 * `default_transaction_read_only`, which real PostgreSQL honours as a second
 * guard (PGlite ignores it, so the transaction is what is relied on).
 */
import postgres from "postgres";
import { z } from "zod";
import { PlatformError } from "./errors.ts";
import { checkDatabaseUrl } from "../credentials/database-url.ts";
import { registerDatabaseUrl } from "../credentials/redact.ts";

/** Where the platform database lives. */
export const Environment = z.enum(["embedded", "staging", "production"]);
export type Environment = z.infer<typeof Environment>;

/** A postgres.js client as the tools use it. */
export type Sql = postgres.Sql<Record<string, never>>;
/** A transaction handle inside {@link readOnly}. */
export type ReadOnlyTx = postgres.TransactionSql<Record<string, never>>;

/** An open connection to one environment's platform database. */
export interface PlatformConnection {
  environment: Environment;
  /** The server, with any password removed, for messages. */
  server: string;
  sql: Sql;
  close(): Promise<void>;
}

/** Options of {@link connectUrl}. */
export interface ConnectOptions {
  environment: Environment;
  applicationName?: string;
  /** Per-statement limit; default 120 s, or `CDT_STATEMENT_TIMEOUT_MS`. */
  statementTimeoutMs?: number;
  /** Pool size; default 2. */
  max?: number;
  /** How long to wait for the server to accept and answer a connection; default 15 s, or `CDT_CONNECT_TIMEOUT_MS`. */
  connectTimeoutMs?: number;
}

/**
 * The URL with its password and query removed, safe for messages and logs.
 *
 * @example
 * redactUrl("postgres://cdt:s3cret@db.internal:5432/platform?sslmode=require")
 * // "postgres://cdt@db.internal:5432/platform"
 */
export function redactUrl(url: string): string {
  // A malformed URL is shown as nothing of it: a parser may misplace its password into the host or path.
  if (checkDatabaseUrl(url)) return "(unparseable database URL)";
  try {
    const u = new URL(url.trim());
    return `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}@` : ""}${u.host}${u.pathname}`;
  } catch {
    return "(unparseable database URL)";
  }
}

/** How long one statement may run on a platform connection unless told otherwise. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 120_000;

/**
 * Opens a postgres.js pool on a URL with the read-only session settings.
 * Nothing is sent until the first query.
 *
 * @example
 * const conn = connectUrl(Deno.env.get("STAGING_DATABASE_URL")!, { environment: "staging" });
 */
export function connectUrl(url: string, options: ConnectOptions): PlatformConnection {
  registerDatabaseUrl(url);
  const problem = checkDatabaseUrl(url);
  if (problem) {
    // postgres.js would quote the URL in its error; this never does.
    throw new PlatformError(`the ${options.environment} database URL is not a valid postgres:// URL: ${problem}`, {
      config: true,
    });
  }
  const timeout = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const sql = postgres(url, {
    max: options.max ?? 2,
    idle_timeout: 20,
    connect_timeout: (options.connectTimeoutMs ?? 15_000) / 1000,
    onnotice: () => {},
    connection: {
      application_name: options.applicationName ?? "customer-data-tools",
      statement_timeout: timeout,
      default_transaction_read_only: true,
      // Timestamps read as text come out the same whatever the server's zone.
      TimeZone: "UTC",
    },
  }) as Sql;
  return {
    environment: options.environment,
    server: redactUrl(url),
    sql,
    close: () => sql.end({ timeout: 5 }),
  };
}

/**
 * Runs `fn` in a read-only, repeatable-read transaction: the server refuses
 * any write, and every table is read from one consistent snapshot.
 *
 * @example
 * const n = await readOnly(conn, async (tx) => (await tx`select count(*)::int as n from students`)[0].n);
 */
export async function readOnly<T>(conn: PlatformConnection, fn: (tx: ReadOnlyTx) => Promise<T>): Promise<T> {
  try {
    return await conn.sql.begin("isolation level repeatable read read only", fn) as T;
  } catch (e) {
    throw explainDatabaseError(e, conn);
  }
}

/** Turns a driver error into a {@link PlatformError} naming the server (never its password). */
export function explainDatabaseError(e: unknown, conn: Pick<PlatformConnection, "environment" | "server">): Error {
  if (e instanceof PlatformError) return e;
  const err = e as { code?: string; message?: string };
  const where = `${conn.environment} platform database (${conn.server})`;
  switch (err.code) {
    case "ECONNREFUSED":
    case "ENOTFOUND":
    case "CONNECT_TIMEOUT":
    case "ETIMEDOUT":
      return new PlatformError(`cannot reach the ${where}: ${err.code}; check the host, port and VPN`, { cause: e });
    case "28P01":
    case "28000":
      return new PlatformError(`the ${where} refused the credentials; check the user and password`, { cause: e });
    case "3D000":
      return new PlatformError(`the ${where} has no such database`, { cause: e });
    case "25006":
      return new PlatformError(`the ${where} refused a write: the tools only read (${err.message})`, { cause: e });
    case "57014":
      return new PlatformError(`a query on the ${where} ran past statement_timeout; raise CDT_STATEMENT_TIMEOUT_MS`, {
        cause: e,
      });
    case "42P01":
    case "42703":
      return new PlatformError(`the ${where} does not have the expected schema: ${err.message}`, { cause: e });
  }
  return e instanceof Error ? e : new Error(String(e));
}

/** The variable holding each remote environment's database URL. */
export const URL_VARIABLES: Record<Exclude<Environment, "embedded">, string> = {
  staging: "STAGING_DATABASE_URL",
  production: "PRODUCTION_DATABASE_URL",
};

/**
 * The database URL for a remote environment, from the environment variables.
 *
 * @example
 * databaseUrl("production", Deno.env.toObject())
 */
export function databaseUrl(
  environment: Exclude<Environment, "embedded">,
  env: Record<string, string | undefined>,
): string {
  const name = URL_VARIABLES[environment];
  const url = env[name]?.trim();
  if (!url) {
    throw new PlatformError(
      `${name} is not set; set it to the ${environment} platform database URL (postgres://user:password@host:5432/db)`,
      {
        config: true,
      },
    );
  }
  registerDatabaseUrl(url);
  const problem = checkDatabaseUrl(url);
  if (problem) throw new PlatformError(`${name} is not a valid postgres:// URL: ${problem}`, { config: true });
  return url;
}
