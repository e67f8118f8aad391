/**
 * authenticate(): who is asking. A bearer token, or a session cookie made from
 * a token or a company sign-in. A session made from a token is checked against
 * that token on every request, so revoking the token ends its sessions too.
 */
import { createMiddleware } from "hono/factory";
import { getCookie } from "hono/cookie";
import { CodedError } from "../../lib/errors.ts";
import type { Principal, RateLimiter, SessionStore, TokenStore } from "../auth.ts";
import { type AppEnv, SESSION_COOKIE } from "../context.ts";

/** What {@link authenticate} checks against. */
export interface AuthenticateOptions {
  tokens: TokenStore;
  sessions: SessionStore;
  /** Requests per principal. */
  limiter: RateLimiter;
  /** Pages send a browser to the sign-in form; the API answers 401. */
  unauthenticated: "redirect" | "401";
}

/**
 * Sets `principal`, or answers 401 (API) / a redirect to /signin (pages), or 429 past the rate limit.
 *
 * @example
 * api.use("*", authenticate({ tokens, sessions, limiter, unauthenticated: "401" }));
 */
export function authenticate(options: AuthenticateOptions) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
    const cookie = getCookie(c, SESSION_COOKIE);
    let principal: Principal | undefined;
    if (bearer) principal = await options.tokens.verify(bearer);
    else if (cookie) {
      principal = options.sessions.get(cookie);
      if (principal?.tokenHash) {
        // The token may have been revoked (or narrowed) since the session began: what it grants today holds.
        principal = options.tokens.current(principal.tokenHash, "session");
        if (!principal) options.sessions.close(cookie);
      }
    }
    if (!principal) {
      if (options.unauthenticated === "redirect") return c.redirect("/signin", 303);
      throw new CodedError(
        "auth.required",
        bearer ? "invalid or revoked token" : cookie ? "session expired; sign in again" : "authentication required",
      );
    }
    const wait = options.limiter.take(principal.name);
    if (wait) throw new CodedError("rate.limited", "too many requests", { retryAfter: wait });
    c.set("principal", principal);
    await next();
  });
}
