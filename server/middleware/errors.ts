/**
 * The one place an error becomes a response: its stable code (lib/errors.ts)
 * gives the status; the message reaches the client only when the code allows
 * it (never a stack, a secret or a host); 5xx are logged with the request id.
 * Pages get a friendly HTML page, the API JSON: `{ error, code, requestId }`.
 */
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { CodedError, ERROR_CODES, type ErrorCode, errorCode } from "../../lib/errors.ts";
import { redact } from "../../lib/credentials/redact.ts";
import { appLog } from "../../lib/log.ts";
import { errorPage } from "../pages.ts";
import type { AppEnv } from "../context.ts";

/** Errors Hono's own middleware throws, given our codes. */
function fromHono(e: HTTPException): CodedError {
  const code: ErrorCode = e.status === 403
    ? "access.denied"
    : e.status === 413
    ? "request.too_large"
    : e.status === 504
    ? "request.timeout"
    : e.status >= 500
    ? "internal"
    : "usage";
  const message = code === "access.denied" ? "a form from another site was refused" : e.message || code;
  return new CodedError(code, message);
}

/** Whether the client is a browser on a page (HTML) rather than a script on the API (JSON). */
function wantsHtml(c: Context<AppEnv>): boolean {
  const path = c.req.path;
  return !path.startsWith("/api/") && path !== "/readyz" && path !== "/healthz" &&
    (c.req.header("accept") ?? "").includes("text/html");
}

/**
 * Renders any error thrown by a route or middleware.
 *
 * @example
 * app.onError(errorHandler());
 */
export function errorHandler(): ErrorHandler<AppEnv> {
  return (thrown, c) => {
    const e = thrown instanceof HTTPException ? fromHono(thrown) : thrown;
    const code = errorCode(e);
    const entry = ERROR_CODES[code];
    const requestId = c.get("requestId");
    if (entry.status >= 500) {
      appLog("error", code === "internal" ? "unhandled" : "request failed", {
        code,
        error: redact(e.message),
        requestId,
        route: c.req.routePath,
      });
    }
    const message = entry.expose ? redact(e.message) : entry.summary;
    const headers: Record<string, string> = {};
    const retryAfter = (e as CodedError).retryAfter;
    if (retryAfter) headers["retry-after"] = String(retryAfter);
    if (code === "method.not_allowed") headers.allow = "GET, HEAD";
    if (code === "auth.required") headers["www-authenticate"] = "Bearer";
    if (wantsHtml(c)) {
      return c.html(errorPage(entry.status, message, code, requestId, c.get("principal")), entry.status, headers);
    }
    return c.json({ error: message, code, requestId }, entry.status, headers);
  };
}

/**
 * 404 for a path no route knows.
 *
 * @example
 * app.notFound(notFoundHandler());
 */
export function notFoundHandler(): NotFoundHandler<AppEnv> {
  return (c) => c.json({ error: "not found", code: "not_found", requestId: c.get("requestId") }, 404);
}
