/**
 * Sign-in and sign-out: an API token exchanged for a session cookie, or a
 * company account proven by the OpenID Connect provider. The forms refuse
 * other sites (login CSRF), and failed sign-ins are limited per client.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { csrf } from "hono/csrf";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import {
  getAuth,
  initOidcAuthMiddleware,
  oidcAuthMiddleware,
  processOAuthCallback,
  revokeSession,
} from "@hono/oidc-auth";
import { CodedError } from "../../lib/errors.ts";
import { FailureLimiter, type Principal, principalOf, type SessionStore, type TokenStore } from "../auth.ts";
import { type AppEnv, type OidcOptions, SESSION_COOKIE, type SignInOptions } from "../context.ts";
import { signInPage } from "../pages.ts";
import { clientAddress } from "../client.ts";

/** What the sign-in routes need. */
export interface SignInRoutesOptions {
  tokens: TokenStore;
  sessions: SessionStore;
  secureCookies: boolean;
  signIn: SignInOptions;
  oidc?: OidcOptions;
}

/**
 * `/signin`, `/signout` and, when configured, `/oidc/*`.
 *
 * @example
 * app.route("/", signInRoutes({ tokens, sessions, secureCookies: true, signIn }));
 */
export function signInRoutes(options: SignInRoutesOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { sessions, signIn } = options;
  const failures = new FailureLimiter(signIn.maxFailures, signIn.failureWindowMs);
  const startSession = (c: Context<AppEnv>, principal: Principal) =>
    setCookie(c, SESSION_COOKIE, sessions.open(principal), {
      httpOnly: true,
      secure: options.secureCookies,
      sameSite: "Strict",
      path: "/",
      maxAge: Math.floor(sessions.policy.absoluteMs / 1000),
    });
  // A form posted from another site must not sign a browser in (login CSRF) or out.
  const sameOrigin = csrf(signIn.publicOrigin ? { origin: signIn.publicOrigin } : {});

  app.get("/signin", (c) => c.html(signInPage(undefined, !!options.oidc)));
  app.post("/signin", sameOrigin, async (c) => {
    const client = clientAddress(c, signIn.trustProxy);
    const wait = failures.retryAfter(client);
    if (wait) {
      throw new CodedError("rate.limited", `too many failed sign-ins; try again in ${wait} s`, { retryAfter: wait });
    }
    const form = await c.req.parseBody();
    const principal = typeof form.token === "string" ? await options.tokens.verify(form.token) : undefined;
    if (!principal) {
      failures.fail(client);
      return c.html(signInPage("That token is not valid (or was revoked).", !!options.oidc), 401);
    }
    startSession(c, principal);
    return c.redirect("/", 303);
  });
  app.post("/signout", sameOrigin, (c) => {
    const id = getCookie(c, SESSION_COOKIE);
    if (id) sessions.close(id);
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.redirect("/signin", 303);
  });

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
    // Keep the IdP's word on whether the email is the user's own, not only the email.
    app.use("/oidc/*", async (c, next) => {
      c.set("oidcClaimsHook", (orig, claims) =>
        Promise.resolve({
          sub: claims?.sub || orig?.sub || "",
          email: (claims?.email as string | undefined) || orig?.email || "",
          email_verified: claims ? claims.email_verified ?? false : orig?.email_verified ?? false,
        }));
      await next();
    });
    app.get("/oidc/callback", (c) => processOAuthCallback(c));
    app.use("/oidc/login", oidcAuthMiddleware());
    // The IdP proved the email: it becomes one of our sessions, so the rest of the app knows one kind of principal.
    app.get("/oidc/login", async (c) => {
      const auth = await getAuth(c);
      const email = String(auth?.email ?? "").toLowerCase();
      const verified = auth?.email_verified === true || auth?.email_verified === "true";
      await revokeSession(c);
      if (!email || (o.allowedDomain && !email.endsWith(`@${o.allowedDomain.toLowerCase()}`))) {
        return c.html(signInPage(`${email || "This account"} may not sign in here.`, true), 403);
      }
      if ((o.requireVerifiedEmail ?? true) && !verified) {
        return c.html(
          signInPage(`The identity provider has not verified ${email}; verify it there, then sign in again.`, true),
          403,
        );
      }
      const role = o.engineers.map((e) => e.toLowerCase()).includes(email) ? "engineer" : "support";
      // No token stands behind a company sign-in: its session lives by its idle and absolute lifetimes.
      const { tokenHash: _none, ...principal } = principalOf({ name: email, sha256: "0".repeat(64), role }, "session");
      startSession(c, principal);
      return c.redirect("/", 303);
    });
  }
  return app;
}
