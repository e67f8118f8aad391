/**
 * The read-only support server: the same diagnoses and lookups as the CLI, as
 * GET endpoints and server-rendered pages. The app is composed here from small
 * middleware factories (server/middleware/) and sub-apps (server/routes/);
 * every diagnosis and lookup runs in its own process with a memory budget and a
 * deadline, a few at a time (server/jobs/).
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { bodyLimit } from "hono/body-limit";
import { timeout } from "hono/timeout";
import { CodedError } from "../lib/errors.ts";
import { RateLimiter, SessionStore } from "./auth.ts";
import type { AppEnv, JobOptions, ServerOptions, SignInOptions } from "./context.ts";
import { requestLog } from "./middleware/request-log.ts";
import { readOnly } from "./middleware/read-only.ts";
import { authenticate } from "./middleware/authenticate.ts";
import { errorHandler, notFoundHandler } from "./middleware/errors.ts";
import { signInRoutes } from "./routes/signin.ts";
import { healthRoutes } from "./routes/health.ts";
import { apiRoutes } from "./routes/api.ts";
import { pageRoutes } from "./routes/pages.ts";
import { JobQueue } from "./jobs/queue.ts";
import { JobService } from "./jobs/service.ts";
import { historyPages } from "./history-pages.ts";

export type { JobOptions, OidcOptions, ServerOptions, SignInOptions } from "./context.ts";

/** The defaults of {@link JobOptions}: two at a time on a small machine, eight waiting, 2 GB each, 110 s. */
export const DEFAULT_JOBS: JobOptions = { concurrency: 2, queue: 8, memoryMb: 2048, deadlineMs: 110_000 };

/** The defaults of {@link SignInOptions}: 10 failed sign-ins per client per 15 minutes. */
export const DEFAULT_SIGN_IN: SignInOptions = { maxFailures: 10, failureWindowMs: 15 * 60_000, trustProxy: false };

/**
 * Builds the Hono app.
 *
 * @example
 * const app = createApp({ settingsDir, tokens, pool, resolver, audit });
 * Deno.serve({ port: 8787 }, app.fetch);
 */
export function createApp(options: ServerOptions): Hono<AppEnv> {
  const sessions = options.sessions ?? new SessionStore({ idleMs: 30 * 60_000, absoluteMs: 8 * 3600_000 });
  const jobOptions = { ...DEFAULT_JOBS, ...options.jobs };
  const jobs = new JobService({
    settingsDir: options.settingsDir,
    pool: options.pool,
    resolver: options.resolver,
    cacheSeconds: options.cacheSeconds ?? 60,
    queue: new JobQueue(jobOptions),
    limits: jobOptions,
    statementTimeoutMs: jobOptions.statementTimeoutMs,
    history: options.history?.env,
    chartWidth: options.chartWidth ?? 1160,
    workspaces: options.workspaces,
  });
  const limiter = new RateLimiter(options.rateLimitPerMinute ?? 600);
  const who = (unauthenticated: "redirect" | "401") =>
    authenticate({ tokens: options.tokens, sessions, limiter, unauthenticated });

  const app = new Hono<AppEnv>();
  // Made here, never taken from the client's X-Request-Id (a client could then give two audit lines one id); sent back.
  app.use("*", async (c, next) => {
    const id = crypto.randomUUID();
    c.set("requestId", id);
    c.header("X-Request-Id", id);
    await next();
  });
  // Every answer may hold a district's students: no browser or proxy keeps one (the back button after sign-out).
  app.use("*", async (c, next) => {
    await next();
    c.header("Cache-Control", "no-store");
  });
  app.use("*", requestLog());
  app.use(
    "*",
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
      },
    }),
  );
  app.use(
    "*",
    bodyLimit({
      maxSize: 16 * 1024,
      onError: () => {
        throw new CodedError("request.too_large", "request body too large (16 KiB at most)");
      },
    }),
  );
  app.use("*", timeout(options.timeoutMs ?? Math.max(120_000, jobOptions.deadlineMs + 10_000)));
  app.use("*", readOnly({ forms: ["/signin", "/signout"] }));

  app.route(
    "/",
    signInRoutes({
      tokens: options.tokens,
      sessions,
      secureCookies: options.secureCookies ?? true,
      signIn: { ...DEFAULT_SIGN_IN, ...options.signIn },
      oidc: options.oidc,
    }),
  );
  app.route("/", healthRoutes({ pool: options.pool, resolver: options.resolver, authenticated: who("401") }));

  const shared = { settingsDir: options.settingsDir, jobs, audit: options.audit };
  app.use("/api/*", who("401"));
  app.route("/api", apiRoutes(shared));
  app.use("/", who("redirect"));
  app.use("/customers/*", who("redirect"));
  app.use("/fleet", who("redirect"));
  if (options.history) {
    app.route(
      "/",
      historyPages(options.history.store, {
        // The history shows a principal only the customers and environments it may read.
        canSee: (c, customer, environment) => {
          const p = (c as Context<AppEnv>).get("principal");
          return (!p.customers || p.customers.includes(customer)) &&
            (p.environments as readonly string[]).includes(environment);
        },
      }),
    );
  }
  app.route("/", pageRoutes({ ...shared, history: !!options.history }));

  app.notFound(notFoundHandler());
  app.onError(errorHandler());
  return app;
}
