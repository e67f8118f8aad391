import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { startFakeIdp } from "./fakes/oidc-idp.ts";
import { createApp, type OidcOptions } from "../server/app.ts";
import { TokenStore } from "../server/auth.ts";
import { oidcFromEnv } from "../server/build.ts";
import { PlatformPool } from "../lib/platform/pool.ts";
import { CredentialResolver } from "../lib/credentials/resolver.ts";
import { DEFAULT_SETTINGS_DIR } from "../lib/settings/load.ts";
import { withTempDir } from "./helpers/bundle.ts";
import { join } from "node:path";

/** Follows the OIDC dance: app → IdP → app callback → app login; returns the final response and the cookies. */
async function signInThroughIdp(app: ReturnType<typeof createApp>) {
  const jar = new Map<string, string>();
  const keep = (r: Response) => {
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const [name, ...value] = pair.split("=");
      if (value.join("=") === "" || /Max-Age=0/i.test(c)) jar.delete(name);
      else jar.set(name, value.join("="));
    }
  };
  const cookie = () => ({ cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") });
  const start = await app.request("http://localhost/oidc/login");
  assertEquals(start.status, 302);
  keep(start);
  const atIdp = await fetch(start.headers.get("location")!, { redirect: "manual" });
  await atIdp.body?.cancel();
  const back = new URL(atIdp.headers.get("location")!);
  assertEquals(back.pathname, "/oidc/callback");
  const callback = await app.request(`http://localhost${back.pathname}${back.search}`, { headers: cookie() });
  assertEquals(callback.status, 302, await callback.clone().text());
  keep(callback);
  const login = await app.request(
    `http://localhost${new URL(callback.headers.get("location")!, "http://localhost").pathname}`,
    { headers: cookie() },
  );
  keep(login);
  return { login, cookie };
}

async function withOidcApp(
  email: string,
  fn: (app: ReturnType<typeof createApp>) => Promise<void>,
  extra: { emailVerified?: boolean | null; requireVerifiedEmail?: boolean } = {},
) {
  const idp = await startFakeIdp({
    clientId: "cdt-server",
    clientSecret: "idp-client-secret-1",
    email,
    emailVerified: extra.emailVerified,
  });
  const oidc: OidcOptions = {
    requireVerifiedEmail: extra.requireVerifiedEmail,
    issuer: idp.issuer,
    clientId: "cdt-server",
    clientSecret: "idp-client-secret-1",
    authSecret: "a-session-signing-secret-of-32-chars!!",
    engineers: ["lee@bookmarked.example"],
    allowedDomain: "bookmarked.example",
  };
  try {
    await withTempDir(async (dir) => {
      const resolver = new CredentialResolver({ env: {} });
      const pool = new PlatformPool({ resolver });
      const app = createApp({
        settingsDir: DEFAULT_SETTINGS_DIR,
        tokens: new TokenStore([]),
        pool,
        resolver,
        audit: { path: join(dir, "audit.jsonl"), key: "k" },
        oidc,
      });
      await fn(app);
      await pool.close();
    });
  } finally {
    await idp.stop();
  }
}

Deno.test({
  name: "OIDC: a company account signs in through the IdP and gets a session with the role its email is given",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await withOidcApp("ana@bookmarked.example", async (app) => {
      assertMatch(
        await (await app.request("/signin")).text(),
        /href="\/oidc\/login">Sign in with your company account/,
      );
      const { login, cookie } = await signInThroughIdp(app);
      assertEquals([login.status, login.headers.get("location")], [303, "/"]);
      const session = login.headers.getSetCookie().find((c) => c.startsWith("cdt_session="))!;
      assertMatch(session, /HttpOnly; Secure; SameSite=Strict/);
      const home = await app.request("http://localhost/", { headers: cookie() });
      assertEquals(home.status, 200);
      assertMatch(await home.text(), /ana@bookmarked\.example \(support\)/);
    });
    await withOidcApp("lee@bookmarked.example", async (app) => {
      const { cookie } = await signInThroughIdp(app);
      assertMatch(
        await (await app.request("http://localhost/", { headers: cookie() })).text(),
        /lee@bookmarked\.example \(engineer\)/,
      );
    });
  },
});

Deno.test({
  name: "OIDC: an account outside the allowed domain is refused",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await withOidcApp("mallory@elsewhere.example", async (app) => {
      const { login } = await signInThroughIdp(app);
      assertEquals(login.status, 403);
      assert(!login.headers.getSetCookie().some((c) => c.startsWith("cdt_session=")));
    });
  },
});

Deno.test({
  name: "OIDC: an id token whose email is not verified (false or absent) is refused, unless configured off",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    for (const emailVerified of [false, null]) {
      await withOidcApp("ana@bookmarked.example", async (app) => {
        const { login } = await signInThroughIdp(app);
        assertEquals(login.status, 403, `email_verified ${emailVerified}`);
        assertMatch(await login.text(), /has not verified ana@bookmarked\.example/);
        assert(!login.headers.getSetCookie().some((c) => c.startsWith("cdt_session=")));
      }, { emailVerified });
    }
    await withOidcApp("ana@bookmarked.example", async (app) => {
      const { login } = await signInThroughIdp(app);
      assertEquals([login.status, login.headers.get("location")], [303, "/"]);
    }, { emailVerified: false, requireVerifiedEmail: false });
  },
});

Deno.test("OIDC: email_verified is required unless CDT_OIDC_ALLOW_UNVERIFIED_EMAIL=1", () => {
  const env = {
    OIDC_ISSUER: "http://127.0.0.1:1",
    OIDC_CLIENT_ID: "c",
    OIDC_CLIENT_SECRET: "client-secret-x",
    OIDC_AUTH_SECRET: "x".repeat(32),
  };
  assertEquals(oidcFromEnv(env)?.requireVerifiedEmail, true);
  assertEquals(oidcFromEnv({ ...env, CDT_OIDC_ALLOW_UNVERIFIED_EMAIL: "1" })?.requireVerifiedEmail, false);
});
