/** requestLog(): one application-log line per request, with the route pattern, never the URL. */
import { createMiddleware } from "hono/factory";
import { appLog } from "../../lib/log.ts";
import type { AppEnv } from "../context.ts";

/**
 * Logs method, route pattern, status, duration, request id and principal.
 * Ids and emails in paths and queries stay out of the log.
 *
 * @example
 * app.use("*", requestLog());
 */
export function requestLog() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const t0 = performance.now();
    await next();
    await appLog(c.res.status >= 500 ? "error" : "info", "request", {
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      ms: Math.round(performance.now() - t0),
      requestId: c.get("requestId"),
      principal: c.get("principal")?.name,
    });
  });
}
