/** Builds the server from this machine's configuration (shared by `deno task serve`, the binary and Lambda). */
import { fileURLToPath } from "node:url";
import { createApp } from "./app.ts";
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
  });
  return { app, pool, demoToken };
}
