/**
 * The read-only support server: the same diagnoses and lookups as the CLI,
 * as GET endpoints and server-rendered pages. Handlers are a few lines over
 * lib/; everything else here is the policy around them: authentication,
 * roles, audit, redacted logging, headers, limits.
 */
import { Hono } from "hono";
import type { Context, MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { bodyLimit } from "hono/body-limit";
import { timeout } from "hono/timeout";
import { requestId } from "hono/request-id";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { diagnoseCustomer } from "../lib/diagnose.ts";
import { lookupPerson, type LookupQuery } from "../lib/lookup.ts";
import { DEFAULT_TOOLS } from "../lib/diagnostics/run.ts";
import { type Report, ToolName } from "../lib/diagnostics/findings.ts";
import { renderReport } from "../lib/report/mod.ts";
import { findingsByCodeChart, rosterSyncsChart, studentsPerCampusChart } from "../lib/charts.ts";
import type { Raw } from "../lib/html.ts";
import { Auditor } from "../lib/audit.ts";
import { appLog } from "../lib/log.ts";
import { CustomerId } from "../lib/settings/schema.ts";
import { listCustomerIds, loadSettings, SettingsError } from "../lib/settings/load.ts";
import type { Environment } from "../lib/platform/connect.ts";
import { readOnly } from "../lib/platform/connect.ts";
import type { PlatformPool } from "../lib/platform/pool.ts";
import { CredentialError } from "../lib/credentials/env.ts";
import { PlatformError } from "../lib/platform/errors.ts";
import { SourceError } from "../lib/sources/errors.ts";
import type { CredentialResolver } from "../lib/credentials/resolver.ts";
import { type Principal, principalOf, RateLimiter, SessionStore, type TokenStore } from "./auth.ts";
import { customersPage, personPage, signInPage, summaryPage } from "./pages.ts";
import {
  getAuth,
  initOidcAuthMiddleware,
  oidcAuthMiddleware,
  processOAuthCallback,
  revokeSession,
} from "@hono/oidc-auth";

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
  /** Request timeout; default 120 s. */
  timeoutMs?: number;
  /** Company sign-in through an OpenID Connect provider, when configured. */
  oidc?: OidcOptions;
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
}

type Env = { Variables: { principal: Principal; requestId: string } };

const SESSION_COOKIE = "cdt_session";
const EnvParam = z.enum(["embedded", "staging", "production"]);
const Format = z.enum(["json", "csv", "md"]);

/** A request the client got wrong: 400 with a JSON error. */
class BadRequest extends Error {}
/** A customer or environment the principal may not see: 403 (or 404 to not reveal it exists). */
class Forbidden extends Error {}
class NotFound extends Error {}

/**
 * Builds the Hono app.
 *
 * @example
 * const app = createApp({ settingsDir, tokens, pool, resolver, audit });
 * Deno.serve({ port: 8787 }, app.fetch);
 */
export function createApp(options: ServerOptions): Hono<Env> {
  const app = new Hono<Env>();
  const sessions = options.sessions ?? new SessionStore({ idleMs: 30 * 60_000, absoluteMs: 8 * 3600_000 });
  const limiter = new RateLimiter(options.rateLimitPerMinute ?? 600);
  const cache = new Map<string, { expires: number; value: Promise<{ report: Report; charts: Raw[] }> }>();

  app.use("*", requestId());
  app.use("*", async (c, next) => {
    const t0 = performance.now();
    await next();
    // The route pattern, never the URL: ids and emails in paths and queries stay out of the logs.
    await appLog(c.res.status >= 500 ? "error" : "info", "request", {
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      ms: Math.round(performance.now() - t0),
      requestId: c.get("requestId"),
      principal: c.get("principal")?.name,
    });
  });
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
  app.use("*", bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.json({ error: "request body too large" }, 413) }));
  app.use("*", timeout(options.timeoutMs ?? 120_000));
  app.use("*", async (c, next) => {
    const open = c.req.path === "/signin" || c.req.path === "/signout";
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && !(open && c.req.method === "POST")) {
      return c.json({ error: "this server only reads; nothing can be changed through it" }, 405, {
        allow: "GET, HEAD",
      });
    }
    await next();
  });

  app.get("/healthz", (c) => c.json({ ok: true }));
  app.get("/signin", (c) => c.html(signInPage(undefined, !!options.oidc)));

  if (options.oidc) {
    const o = options.oidc;
    app.use(
      "/oidc/*",
      initOidcAuthMiddleware({
        OIDC_ISSUER: o.issuer,
        OIDC_CLIENT_ID: o.clientId,
        OIDC_CLIENT_SECRET: o.clientSecret,
        OIDC_AUTH_SECRET: o.authSecret,
        OIDC_REDIRECT_URI: "/oidc/callback",
        OIDC_SCOPES: "openid email offline_access",
        OIDC_COOKIE_PATH: "/oidc",
        ...(o.externalUrl ? { OIDC_AUTH_EXTERNAL_URL: o.externalUrl } : {}),
      }),
    );
    app.get("/oidc/callback", (c) => processOAuthCallback(c));
    app.use("/oidc/login", oidcAuthMiddleware());
    // The IdP proved the email: it becomes one of our sessions, so the rest of the app knows one kind of principal.
    app.get("/oidc/login", async (c) => {
      const email = String((await getAuth(c))?.email ?? "").toLowerCase();
      await revokeSession(c);
      if (!email || (o.allowedDomain && !email.endsWith(`@${o.allowedDomain.toLowerCase()}`))) {
        return c.html(signInPage(`${email || "This account"} may not sign in here.`, true), 403);
      }
      const role = o.engineers.map((e) => e.toLowerCase()).includes(email) ? "engineer" : "support";
      setCookie(
        c,
        SESSION_COOKIE,
        sessions.open(principalOf({ name: email, sha256: "0".repeat(64), role }, "session")),
        {
          httpOnly: true,
          secure: options.secureCookies ?? true,
          sameSite: "Strict",
          path: "/",
          maxAge: Math.floor(sessions.policy.absoluteMs / 1000),
        },
      );
      return c.redirect("/", 303);
    });
  }
  app.post("/signin", async (c) => {
    const form = await c.req.parseBody();
    const principal = typeof form.token === "string" ? await options.tokens.verify(form.token) : undefined;
    if (!principal) return c.html(signInPage("That token is not valid (or was revoked)."), 401);
    setCookie(c, SESSION_COOKIE, sessions.open(principal), {
      httpOnly: true,
      secure: options.secureCookies ?? true,
      sameSite: "Strict",
      path: "/",
      maxAge: Math.floor(sessions.policy.absoluteMs / 1000),
    });
    return c.redirect("/", 303);
  });
  app.post("/signout", (c) => {
    const id = getCookie(c, SESSION_COOKIE);
    if (id) sessions.close(id);
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.redirect("/signin", 303);
  });

  // Everything below needs a principal.
  const authenticate: MiddlewareHandler<Env> = async (c, next) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
    const cookie = getCookie(c, SESSION_COOKIE);
    const principal = bearer ? await options.tokens.verify(bearer) : cookie ? sessions.get(cookie) : undefined;
    if (!principal) {
      if (c.req.path.startsWith("/api/") || c.req.path === "/readyz") {
        return c.json(
          {
            error: bearer
              ? "invalid or revoked token"
              : cookie
              ? "session expired; sign in again"
              : "authentication required",
          },
          401,
          {
            "www-authenticate": "Bearer",
          },
        );
      }
      return c.redirect("/signin", 303);
    }
    const wait = limiter.take(principal.name);
    if (wait) return c.json({ error: "too many requests" }, 429, { "retry-after": String(wait) });
    c.set("principal", principal);
    await next();
  };
  app.use("/readyz", authenticate);
  app.use("/api/*", authenticate);
  app.use("/", authenticate);
  app.use("/customers/*", authenticate);

  app.get("/readyz", async (c) => {
    const environments: Record<string, string> = {};
    let ok = true;
    for (const env of ["embedded", "staging", "production"] as const) {
      if (env !== "embedded" && !(await options.resolver.find(`platform/${env}`).catch(() => undefined))) continue;
      try {
        const conn = await options.pool.get(env);
        await readOnly(conn, (tx) => tx`select 1`);
        environments[env] = "ok";
      } catch (e) {
        ok = false;
        environments[env] = (e as Error).message;
      }
    }
    return c.json({ ok, environments }, ok ? 200 : 503);
  });

  /** The customer named by :id, if the principal may see it, and the environment to read. */
  const customer = async (c: Context<Env>) => {
    const id = CustomerId.safeParse(c.req.param("id"));
    if (!id.success) throw new BadRequest(`customer id: ${id.error.issues[0].message}`);
    const principal = c.get("principal");
    if (principal.customers && !principal.customers.includes(id.data)) throw new NotFound(`no customer ${id.data}`);
    const loaded = await loadSettings(options.settingsDir, id.data).catch((e) => {
      throw e instanceof SettingsError && /no settings for customer/.test(e.message)
        ? new NotFound(`no customer ${id.data}`)
        : e;
    });
    const envParam = c.req.query("env");
    const env = envParam === undefined ? loaded.settings.oneshelf_environment : EnvParam.safeParse(envParam).data;
    if (!env) throw new BadRequest(`env must be embedded, staging or production`);
    if (!principal.environments.includes(env)) {
      throw new Forbidden(`${principal.name} (${principal.role}) may not read ${env}`);
    }
    return { id: id.data, env: env as Environment, settings: loaded.settings };
  };

  const auditor = (c: Context<Env>) =>
    new Auditor({
      path: options.audit.path,
      key: options.audit.key,
      user: c.get("principal").name,
      requestId: c.get("requestId"),
    });

  /** A diagnosis, reused for cacheSeconds; concurrent requests share one run. */
  const diagnosis = (id: string, env: Environment, tools: readonly ToolName[], fresh: boolean) => {
    const key = `${id}\u0000${env}\u0000${tools.join(",")}`;
    const hit = cache.get(key);
    if (hit && !fresh && hit.expires > Date.now()) return hit.value;
    const value = (async () => {
      const d = await diagnoseCustomer({
        customerId: id,
        settingsDir: options.settingsDir,
        environment: env,
        tools,
        connection: await options.pool.get(env),
        resolver: options.resolver,
        auditor: null,
      });
      const charts = [findingsByCodeChart(d.report)];
      if (d.platform) charts.push(studentsPerCampusChart(d.roster, d.platform), rosterSyncsChart(d.platform));
      return { report: d.report, charts };
    })();
    value.catch(() => cache.delete(key));
    cache.set(key, { expires: Date.now() + (options.cacheSeconds ?? 60) * 1000, value });
    return value;
  };

  const toolsOf = (c: Context<Env>): ToolName[] => {
    const asked = c.req.queries("tool") ?? [];
    const tools = asked.map((t) => {
      const parsed = ToolName.safeParse(t);
      if (!parsed.success) throw new BadRequest(`tool "${t}" is not one of ${ToolName.options.join(", ")}`);
      return parsed.data;
    });
    return tools.length ? tools : DEFAULT_TOOLS;
  };

  app.get("/api/customers", async (c) => {
    const principal = c.get("principal");
    const ids = (await listCustomerIds(options.settingsDir)).filter((id) =>
      !principal.customers || principal.customers.includes(id)
    );
    const customers = [];
    for (const id of ids) {
      const { settings } = await loadSettings(options.settingsDir, id);
      // Settings hold credential names, never secrets; the source's location is left out all the same.
      customers.push({
        customer_id: settings.customer_id,
        customer_name: settings.customer_name,
        integration_type: settings.integration_type,
        oneshelf_environment: settings.oneshelf_environment,
        source_kind: settings.source.kind,
      });
    }
    return c.json({ customers });
  });

  app.get("/api/customers/:id/diagnose", async (c) => {
    const { id, env } = await customer(c);
    const format = Format.safeParse(c.req.query("format") ?? "json");
    if (!format.success) throw new BadRequest("format must be json, csv or md");
    const { report } = await diagnosis(id, env, toolsOf(c), c.req.query("fresh") === "1");
    await auditor(c).write({
      customer: id,
      environment: env,
      operation: "diagnose",
      records: { findings: report.findings.length },
      route: c.req.routePath,
    });
    if (format.data === "json") return c.json(report);
    return c.body(renderReport(report, format.data), 200, {
      "content-type": format.data === "csv" ? "text/csv; charset=utf-8" : "text/markdown; charset=utf-8",
    });
  });

  const lookup = async (c: Context<Env>, query: LookupQuery) => {
    const { id, env } = await customer(c);
    const result = await lookupPerson({
      customerId: id,
      settingsDir: options.settingsDir,
      environment: env,
      query,
      connection: await options.pool.get(env),
      auditor: null,
    });
    const a = auditor(c);
    await a.write({
      customer: id,
      environment: env,
      operation: `lookup ${query.kind}`,
      subject: await a.subject(`${query.kind}:${query.key}`),
      records: { people: result.people.length, findings: result.findings.length },
      route: c.req.routePath,
    });
    return result;
  };
  const key = (c: Context<Env>, name: string) => {
    const v = c.req.param(name)?.trim();
    if (!v || v.length > 200) throw new BadRequest(`${name} must be 1 to 200 characters`);
    return v;
  };
  const lookupJson = (r: Awaited<ReturnType<typeof lookup>>) => ({
    query: r.query,
    customer: r.customer,
    environment: r.environment,
    people: r.people,
    roster: { users: r.roster.users, enrollments: r.roster.enrollments, classes: r.roster.classes },
    platform: {
      students: r.platform.students,
      teachers: r.platform.teachers,
      parents: r.platform.parents,
      parentStudents: r.platform.parentStudents,
      classes: r.platform.classes,
      enrollments: r.platform.enrollments,
    },
    findings: r.findings,
  });
  app.get(
    "/api/customers/:id/students/:key",
    async (c) => c.json(lookupJson(await lookup(c, { kind: "student", key: key(c, "key") }))),
  );
  app.get(
    "/api/customers/:id/parents/:email",
    async (c) => c.json(lookupJson(await lookup(c, { kind: "parent", key: key(c, "email") }))),
  );
  app.get(
    "/api/customers/:id/classes/:class",
    async (c) => c.json(lookupJson(await lookup(c, { kind: "class", key: key(c, "class") }))),
  );

  // Pages
  app.get("/", async (c) => {
    const principal = c.get("principal");
    const ids = (await listCustomerIds(options.settingsDir)).filter((id) =>
      !principal.customers || principal.customers.includes(id)
    );
    const customers = await Promise.all(ids.map(async (id) => (await loadSettings(options.settingsDir, id)).settings));
    return c.html(customersPage(customers, principal));
  });
  app.get("/customers/:id", async (c) => {
    const { id, env } = await customer(c);
    const { report, charts } = await diagnosis(id, env, DEFAULT_TOOLS, false);
    await auditor(c).write({
      customer: id,
      environment: env,
      operation: "diagnose",
      records: { findings: report.findings.length },
      route: c.req.routePath,
    });
    const filter = (name: string) => c.req.query(name) || undefined;
    return c.html(
      summaryPage(
        report,
        charts,
        { tool: filter("tool"), code: filter("code"), severity: filter("severity") },
        c.get("principal"),
      ),
    );
  });
  app.get("/customers/:id/students/:key", async (c) => {
    return c.html(personPage(await lookup(c, { kind: "student", key: key(c, "key") }), c.get("principal")));
  });

  app.notFound((c) => c.json({ error: "not found" }, 404));
  app.onError((e, c) => {
    const status = e instanceof BadRequest
      ? 400
      : e instanceof Forbidden
      ? 403
      : e instanceof NotFound
      ? 404
      : e instanceof CredentialError || (e instanceof PlatformError && e.config)
      ? 503
      : e instanceof PlatformError || e instanceof SourceError
      ? 502
      : 500;
    if (status === 500) appLog("error", "unhandled", { error: e.message, requestId: c.get("requestId") });
    // No stack traces to clients; a message only where it helps and holds no data.
    const error = status === 500
      ? "internal error"
      : status >= 502
      ? "a data source is unavailable; see the server log"
      : e.message;
    return c.json({ error, requestId: c.get("requestId") }, status as 400);
  });
  return app;
}
