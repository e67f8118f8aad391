/** Opens the platform database of an environment. */
import { connectUrl, type Environment, type PlatformConnection } from "../platform/connect.ts";
import { createResolver, type CredentialResolver } from "../credentials/mod.ts";

/** Options of {@link openPlatform}. */
export interface OpenOptions {
  /** Environment variables (for the database URLs); default none. */
  env?: Record<string, string | undefined>;
  /** Where secrets come from; default: environment, vault, AWS as configured for this machine. */
  resolver?: CredentialResolver;
  applicationName?: string;
  /** The statement timeout; default CDT_STATEMENT_TIMEOUT_MS, else 120 s. */
  statementTimeoutMs?: number;
}

/**
 * Connects to `staging` or `production` with the URL the credential resolver
 * finds (`PRODUCTION_DATABASE_URL`, the vault, AWS…), or starts the
 * embedded demo database. Close the connection when done.
 *
 * @example
 * const conn = await openPlatform("production", { env: Deno.env.toObject() });
 * try { … } finally { await conn.close(); }
 */
export async function openPlatform(environment: Environment, options: OpenOptions = {}): Promise<PlatformConnection> {
  const env = options.env ?? {};
  const timeout = options.statementTimeoutMs ?? (Number(env.CDT_STATEMENT_TIMEOUT_MS) || undefined);
  if (environment !== "embedded") {
    const resolver = options.resolver ?? await createResolver(env);
    const { url } = await resolver.databaseUrl(environment);
    return connectUrl(url, {
      environment,
      applicationName: options.applicationName,
      statementTimeoutMs: timeout,
      connectTimeoutMs: Number(env.CDT_CONNECT_TIMEOUT_MS) || undefined,
    });
  }
  // Loaded only for the embedded demo: PGlite and the demo's generator are a tenth of a second of every command's start.
  const [{ demoDistrict }, { startEmbeddedPlatform }] = await Promise.all([
    import("../demo/demo.ts"),
    import("../platform/embedded.ts"),
  ]);
  const db = await startEmbeddedPlatform(demoDistrict().platform);
  const conn = connectUrl(db.url, {
    environment,
    applicationName: options.applicationName,
    statementTimeoutMs: timeout,
    max: 1,
  });
  return {
    ...conn,
    server: "embedded demo (PGlite on 127.0.0.1)",
    close: async () => {
      await conn.close();
      await db.stop();
    },
  };
}
