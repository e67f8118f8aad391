/**
 * /healthz (liveness, open) and /readyz (the databases answer). Readiness says
 * to each principal only "ok" or "unavailable" for the environments it may
 * read; the reason (which names hosts and users) only to engineers.
 */
import { Hono } from "hono";
import { readOnly as readOnlyTx } from "../../lib/platform/connect.ts";
import type { PlatformPool } from "../../lib/platform/pool.ts";
import type { CredentialResolver } from "../../lib/credentials/resolver.ts";
import { redact } from "../../lib/credentials/redact.ts";
import { appLog } from "../../lib/log.ts";
import type { AppEnv } from "../context.ts";
import type { MiddlewareHandler } from "hono";

/**
 * `/healthz` open; `/readyz` behind `authenticated`.
 *
 * @example
 * app.route("/", healthRoutes({ pool, resolver, authenticated: authenticate({ … }) }));
 */
export function healthRoutes(
  options: { pool: PlatformPool; resolver: CredentialResolver; authenticated: MiddlewareHandler<AppEnv> },
): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.get("/readyz", options.authenticated, async (c) => {
    const principal = c.get("principal");
    const environments: Record<string, "ok" | "unavailable"> = {};
    const details: Record<string, string> = {};
    for (const env of principal.environments) {
      if (env !== "embedded" && !(await options.resolver.find(`platform/${env}`).catch(() => undefined))) continue;
      try {
        const conn = await options.pool.get(env);
        await readOnlyTx(conn, (tx) => tx`select 1`);
        environments[env] = "ok";
      } catch (e) {
        environments[env] = "unavailable";
        details[env] = redact((e as Error).message);
        appLog("warn", "not ready", { environment: env, error: details[env], requestId: c.get("requestId") });
      }
    }
    const ok = Object.values(environments).every((s) => s === "ok");
    const body = principal.role === "engineer" ? { ok, environments, details } : { ok, environments };
    return c.json(body, ok ? 200 : 503);
  });
  return app;
}
