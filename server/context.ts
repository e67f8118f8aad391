/** The types every middleware and route of the server shares: its context variables and options. */
import type { Environment } from "../lib/platform/connect.ts";
import type { PlatformPool } from "../lib/platform/pool.ts";
import type { CredentialResolver } from "../lib/credentials/resolver.ts";
import type { Settings } from "../lib/settings/schema.ts";
import type { HistoryStore } from "../lib/history/store.ts";
import type { Principal, SessionStore, TokenStore } from "./auth.ts";
import type { WorkspaceLookups } from "./jobs/workspace-lookups.ts";

/** The customer a request is about, once {@link Principal} may read it in `env`. */
export interface Target {
  id: string;
  env: Environment;
  settings: Settings;
}

/** Hono's environment of the app: what middleware puts on the context for the handlers. */
export type AppEnv = {
  Variables: {
    requestId: string;
    principal: Principal;
    target: Target;
  };
};

/** What the server is built from. */
export interface ServerOptions {
  settingsDir: string;
  tokens: TokenStore;
  pool: PlatformPool;
  resolver: CredentialResolver;
  /** Audit log path and subject key. */
  audit: { path: string; key: string };
  sessions?: SessionStore;
  /** How long a diagnosis is reused; default 60 s. */
  cacheSeconds?: number;
  /** Requests per minute per principal; default 600. */
  rateLimitPerMinute?: number;
  /** Secure cookies (default true; browsers accept them on http://127.0.0.1 too). */
  secureCookies?: boolean;
  /** Request timeout; default 120 s, or the diagnosis deadline plus 10 s when that is longer. */
  timeoutMs?: number;
  /** Company sign-in through an OpenID Connect provider, when configured. */
  oidc?: OidcOptions;
  /** Where and how diagnoses and lookups run. */
  jobs?: Partial<JobOptions>;
  /** Sign-in protection. */
  signIn?: Partial<SignInOptions>;
  /**
   * The run history: the server records its full diagnoses in it (from the job processes, which open it from
   * `env`: CDT_STATE_DATABASE_URL or CDT_HISTORY_DIR), marks new findings, and serves the history and fleet
   * pages from `store`. Without it nothing is recorded and those pages are absent.
   */
  history?: { store: HistoryStore; env: Record<string, string> };
  /** Width of the summary's charts in CSS pixels; default 1160 (they scale to the page). */
  chartWidth?: number;
  /**
   * Lookups from the customers' workspaces (CDT_WORKSPACE_DIR), answered in the server's process while a workspace
   * holds the export as it is now; the caller closes them. Without it every lookup reads the export in a job process.
   */
  workspaces?: WorkspaceLookups;
}

/** Diagnoses and lookups run one per process, a few at a time, each with a memory budget and a deadline. */
export interface JobOptions {
  /** Diagnoses and lookups running at once; default 2. */
  concurrency: number;
  /** Waiting beyond those; more are refused with 503 and Retry-After; default 8. */
  queue: number;
  /** A job process's JavaScript heap budget in MB; default 2048. */
  memoryMb: number;
  /** How long one may run before its process is stopped; default 110 s. */
  deadlineMs: number;
  /** Passed to the platform connections the job processes open (statement_timeout). */
  statementTimeoutMs?: number;
}

/** Sign-in protection: the page's own origin and how many failures a client may make. */
export interface SignInOptions {
  /** Failed sign-ins per client address in a window before 429; default 10. */
  maxFailures: number;
  /** The window; default 15 minutes. */
  failureWindowMs: number;
  /** The public origin (https://cdt.example.org) when behind a proxy; default the request's own. */
  publicOrigin?: string;
  /** Take the client's address from the last X-Forwarded-For hop (only behind a proxy that sets it). */
  trustProxy: boolean;
}

/** OpenID Connect sign-in: the IdP proves the email; these lists give the role. */
export interface OidcOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Signs the OIDC middleware's own short-lived cookie; at least 32 characters. */
  authSecret: string;
  /** Emails signed in as engineers; everyone else (of the allowed domain) is support. */
  engineers: readonly string[];
  /** Only emails of this domain may sign in (e.g. bookmarked.example). */
  allowedDomain?: string;
  /** The public base URL when behind a proxy. */
  externalUrl?: string;
  /** Refuse an id token whose `email_verified` is not true; default true. */
  requireVerifiedEmail?: boolean;
}

/** The session cookie's name. */
export const SESSION_COOKIE = "cdt_session";
