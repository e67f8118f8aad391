/** Builds the server from this machine's configuration (shared by `deno task serve`, the binary and Lambda). */
import { fileURLToPath } from "node:url";
import { createApp, type OidcOptions } from "./app.ts";
import { registerSecret } from "../lib/credentials/redact.ts";
import { newToken, sha256Hex, TokenStore } from "./auth.ts";
import { createResolver } from "../lib/credentials/mod.ts";
import { createAuditor } from "../lib/audit.ts";
import { PlatformPool } from "../lib/platform/pool.ts";
import { settingsDir } from "../lib/settings/load.ts";
import { ensureDemoExport } from "../lib/demo/export.ts";

/** The tokens file: CDT_SERVER_TOKENS, else config/server-tokens.json. */
export const DEFAULT_TOKENS = fileURLToPath(new URL("../config/server-tokens.json", import.meta.url));

/** A built server and, when no token was configured, the one-time demo token. */
export interface BuiltServer {
  app: ReturnType<typeof createApp>;
  pool: PlatformPool;
  demoToken?: string;
}

/**
 * Builds the app. With no tokens configured, a one-time demo token (engineer,
 * embedded demo only) is made in memory and returned for printing.
 *
 * @example
 * const { app, demoToken } = await buildServer(Deno.env.toObject());
 */
export async function buildServer(env: Record<string, string | undefined>): Promise<BuiltServer> {
  const resolver = await createResolver(env);
  const tokens = await TokenStore.load(env.CDT_SERVER_TOKENS ?? DEFAULT_TOKENS);
  let demoToken: string | undefined;
  if (tokens.tokens.length === 0) {
    demoToken = newToken();
    tokens.tokens.push({
      name: "demo",
      sha256: await sha256Hex(demoToken),
      role: "engineer",
      allowed_environments: ["embedded"],
    });
  }
  const dir = settingsDir(undefined, env);
  await ensureDemoExport(dir);
  const auditor = await createAuditor(env);
  const pool = new PlatformPool({ env, resolver });
  const app = createApp({
    settingsDir: dir,
    tokens,
    pool,
    resolver,
    audit: { path: auditor.options.path, key: auditor.options.key },
    cacheSeconds: Number(env.CDT_SERVER_CACHE_SECONDS) || undefined,
    rateLimitPerMinute: Number(env.CDT_SERVER_RATE_LIMIT) || undefined,
    oidc: oidcFromEnv(env),
  });
  return { app, pool, demoToken };
}

/**
 * OpenID Connect sign-in, when OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and
 * OIDC_AUTH_SECRET are set; CDT_OIDC_ENGINEERS (comma-separated emails) get the
 * engineer role, CDT_OIDC_ALLOWED_DOMAIN limits who may sign in.
 */
export function oidcFromEnv(env: Record<string, string | undefined>): OidcOptions | undefined {
  const { OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_AUTH_SECRET } = env;
  if (!OIDC_ISSUER || !OIDC_CLIENT_ID || !OIDC_CLIENT_SECRET || !OIDC_AUTH_SECRET) return undefined;
  if (OIDC_AUTH_SECRET.length < 32) throw new Error("OIDC_AUTH_SECRET must be at least 32 characters");
  registerSecret(OIDC_CLIENT_SECRET);
  registerSecret(OIDC_AUTH_SECRET);
  return {
    issuer: OIDC_ISSUER,
    clientId: OIDC_CLIENT_ID,
    clientSecret: OIDC_CLIENT_SECRET,
    authSecret: OIDC_AUTH_SECRET,
    engineers: (env.CDT_OIDC_ENGINEERS ?? "").split(",").map((e) => e.trim()).filter(Boolean),
    allowedDomain: env.CDT_OIDC_ALLOWED_DOMAIN,
    externalUrl: env.OIDC_AUTH_EXTERNAL_URL,
  };
}
