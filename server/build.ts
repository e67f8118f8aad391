/** Builds the server from this machine's configuration (shared by `deno task serve`, the binary and Lambda). */
import { fileURLToPath } from "node:url";
import { createApp, DEFAULT_JOBS, DEFAULT_SIGN_IN, type OidcOptions } from "./app.ts";
import type { JobOptions, SignInOptions } from "./context.ts";
import { registerDatabaseUrl, registerSecret } from "../lib/credentials/redact.ts";
import { followTokenFile, newToken, sha256Hex, type StoredToken, TokenStore } from "./auth.ts";
import { createResolver } from "../lib/credentials/mod.ts";
import { createAuditor } from "../lib/audit.ts";
import { appLog } from "../lib/log.ts";
import { PlatformPool } from "../lib/platform/pool.ts";
import { DEFAULT_STATEMENT_TIMEOUT_MS } from "../lib/platform/connect.ts";
import { settingsDir } from "../lib/settings/load.ts";
import { ensureDemoExport } from "../lib/demo/export.ts";
import { openHistory } from "../lib/history/store.ts";
import { workspaceDir } from "../lib/workspace/use.ts";
import { WorkspaceLookups } from "./jobs/workspace-lookups.ts";

/** The tokens file: CDT_SERVER_TOKENS, else config/server-tokens.json. */
export const DEFAULT_TOKENS = fileURLToPath(new URL("../config/server-tokens.json", import.meta.url));

/** A built server and, when no token was configured, the one-time demo token. */
export interface BuiltServer {
  app: ReturnType<typeof createApp>;
  pool: PlatformPool;
  demoToken?: string;
  /** What the operator should know at start (printed by `deno task serve`, logged always). */
  warnings: string[];
  /** Stops following the tokens file and closes the databases. */
  close(): Promise<void>;
}

/** A positive number from the environment, else the default. */
function positive(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, not "${raw}"`);
  return n;
}

/**
 * The job limits from the environment: CDT_SERVER_JOBS (at once), CDT_SERVER_JOB_QUEUE (waiting),
 * CDT_SERVER_JOB_MEMORY_MB (heap budget of each), CDT_SERVER_JOB_SECONDS (deadline of each).
 *
 * @example
 * jobsFromEnv({ CDT_SERVER_JOBS: "4" }).concurrency // 4
 */
export function jobsFromEnv(env: Record<string, string | undefined>): JobOptions {
  return {
    concurrency: Math.floor(positive(env, "CDT_SERVER_JOBS", DEFAULT_JOBS.concurrency)),
    queue: Math.floor(positive(env, "CDT_SERVER_JOB_QUEUE", DEFAULT_JOBS.queue)),
    memoryMb: Math.floor(positive(env, "CDT_SERVER_JOB_MEMORY_MB", DEFAULT_JOBS.memoryMb)),
    deadlineMs: positive(env, "CDT_SERVER_JOB_SECONDS", DEFAULT_JOBS.deadlineMs / 1000) * 1000,
    statementTimeoutMs: Number(env.CDT_STATEMENT_TIMEOUT_MS) || undefined,
  };
}

/**
 * Sign-in protection from the environment: CDT_SERVER_SIGNIN_FAILURES (per 15 minutes and client),
 * CDT_SERVER_ORIGIN (the public origin behind a proxy), CDT_SERVER_TRUST_PROXY=1 (read X-Forwarded-For).
 *
 * @example
 * signInFromEnv({ CDT_SERVER_ORIGIN: "https://cdt.example.org" }).publicOrigin
 */
export function signInFromEnv(env: Record<string, string | undefined>): SignInOptions {
  return {
    maxFailures: Math.floor(positive(env, "CDT_SERVER_SIGNIN_FAILURES", DEFAULT_SIGN_IN.maxFailures)),
    failureWindowMs: DEFAULT_SIGN_IN.failureWindowMs,
    publicOrigin: env.CDT_SERVER_ORIGIN ? new URL(env.CDT_SERVER_ORIGIN).origin : undefined,
    trustProxy: env.CDT_SERVER_TRUST_PROXY === "1",
  };
}

/**
 * Builds the app. With no tokens configured, a one-time demo token (engineer,
 * embedded demo only) is made in memory and returned for printing; it keeps
 * working when tokens are added to the file later. The tokens file is followed
 * (CDT_SERVER_TOKENS_POLL_MS, default 2000): new and revoked tokens take effect
 * without a restart.
 *
 * @example
 * const { app, demoToken } = await buildServer(Deno.env.toObject());
 */
export async function buildServer(env: Record<string, string | undefined>): Promise<BuiltServer> {
  const warnings: string[] = [];
  const resolver = await createResolver(env);
  const tokensPath = env.CDT_SERVER_TOKENS ?? DEFAULT_TOKENS;
  const tokens = await TokenStore.load(tokensPath);
  let demoToken: string | undefined;
  const keep: StoredToken[] = [];
  if (tokens.tokens.length === 0) {
    demoToken = newToken();
    keep.push({
      name: "demo",
      sha256: await sha256Hex(demoToken),
      role: "engineer",
      allowed_environments: ["embedded"],
    });
    tokens.tokens.push(...keep);
  }
  const follower = await followTokenFile(tokens, tokensPath, {
    intervalMs: positive(env, "CDT_SERVER_TOKENS_POLL_MS", 2000),
    keep,
    onReload: (e) =>
      "error" in e
        ? appLog("error", "tokens file refused; no token is accepted until it is fixed", { error: e.error })
        : appLog("info", "tokens file reloaded", { active: e.active }),
  });
  const dir = settingsDir(undefined, env);
  await ensureDemoExport(dir);
  const auditor = await createAuditor(env);
  const jobs = jobsFromEnv(env);
  // The server's own connections answer the workspace lookups: their statements end before a lookup's deadline.
  const pool = new PlatformPool({
    env,
    resolver,
    statementTimeoutMs: Math.min(
      jobs.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
      Math.max(1_000, jobs.deadlineMs - 5_000),
    ),
  });
  // The run history: the state database (CDT_STATE_DATABASE_URL) or a folder (CDT_HISTORY_DIR, default history/).
  const historyEnv: Record<string, string> = {};
  for (const name of ["CDT_STATE_DATABASE_URL", "CDT_HISTORY_DIR"]) {
    if (env[name]?.trim()) historyEnv[name] = env[name]!;
  }
  registerDatabaseUrl(historyEnv.CDT_STATE_DATABASE_URL);
  const history = await openHistory(historyEnv);
  const oidc = oidcFromEnv(env);
  if (oidc && oidc.requireVerifiedEmail === false) {
    warnings.push(
      "CDT_OIDC_ALLOW_UNVERIFIED_EMAIL=1: company sign-in accepts emails the identity provider has not verified",
    );
  }
  for (const w of warnings) await appLog("warn", w);
  // Lookups answer from the workspaces (CDT_WORKSPACE_DIR, else workspace/ when it exists) in this process.
  const workspace = await workspaceDir(undefined, env);
  const workspaces = workspace
    ? new WorkspaceLookups({ dir: workspace, settingsDir: dir, pool, deadlineMs: jobs.deadlineMs })
    : undefined;
  const app = createApp({
    settingsDir: dir,
    tokens,
    pool,
    resolver,
    audit: { path: auditor.options.path, key: auditor.options.key },
    cacheSeconds: Number(env.CDT_SERVER_CACHE_SECONDS) || undefined,
    rateLimitPerMinute: Number(env.CDT_SERVER_RATE_LIMIT) || undefined,
    oidc,
    jobs,
    signIn: signInFromEnv(env),
    history: { store: history, env: historyEnv },
    workspaces,
  });
  return {
    app,
    pool,
    demoToken,
    warnings,
    close: async () => {
      follower.stop();
      await workspaces?.close();
      await pool.close();
      await history.close();
    },
  };
}

/**
 * OpenID Connect sign-in, when OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and
 * OIDC_AUTH_SECRET are set; CDT_OIDC_ENGINEERS (comma-separated emails) get the
 * engineer role, CDT_OIDC_ALLOWED_DOMAIN limits who may sign in, and an id token
 * must say `email_verified` unless CDT_OIDC_ALLOW_UNVERIFIED_EMAIL=1.
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
    requireVerifiedEmail: env.CDT_OIDC_ALLOW_UNVERIFIED_EMAIL !== "1",
  };
}
