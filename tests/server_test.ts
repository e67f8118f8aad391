import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { join } from "node:path";
import { withCustomer } from "./helpers/customer.ts";
import { createApp } from "../server/app.ts";
import { SessionStore, sha256Hex, TokenStore } from "../server/auth.ts";
import { PlatformPool } from "../lib/platform/pool.ts";
import { CredentialResolver } from "../lib/credentials/resolver.ts";
import { Report } from "../lib/model/findings.ts";
import { AuditRecord } from "../lib/audit.ts";

const dbTest = { sanitizeOps: false, sanitizeResources: false };
const TOKENS = {
  engineer: "cdt_engineer_token_1",
  support: "cdt_support_token_2",
  revoked: "cdt_revoked_token_3",
  other: "cdt_other_token_4",
};

async function withServer(
  fn: (ctx: { app: ReturnType<typeof createApp>; dir: string; clock: { now: number }; name: string }) => Promise<void>,
  extra: { rateLimitPerMinute?: number } = {},
) {
  await withCustomer({ customerId: "lincoln-usd" }, async (c) => {
    // A student whose name is markup: pages must show it as text.
    const evil = c.district.roster.users.find((u) => u.role === "student" && u.sourcedId === "stu-000050")!;
    evil.givenName = '<img src=x onerror="alert(1)">';
    const { writeDemoExport } = await import("../lib/demo/export.ts");
    await writeDemoExport(join(c.dir, "export"), c.district.roster);
    const tokens = new TokenStore([
      { name: "eng", sha256: await sha256Hex(TOKENS.engineer), role: "engineer" },
      { name: "sup", sha256: await sha256Hex(TOKENS.support), role: "support" },
      { name: "old", sha256: await sha256Hex(TOKENS.revoked), role: "engineer", revoked: true },
      { name: "elsewhere", sha256: await sha256Hex(TOKENS.other), role: "engineer", customers: ["adams-usd"] },
    ]);
    const clock = { now: Date.now() };
    const resolver = new CredentialResolver({
      env: { STAGING_DATABASE_URL: c.db.url, PRODUCTION_DATABASE_URL: c.db.url },
    });
    const pool = new PlatformPool({ resolver });
    const app = createApp({
      settingsDir: c.settingsDir,
      tokens,
      pool,
      resolver,
      audit: { path: join(c.dir, "audit.jsonl"), key: "k" },
      sessions: new SessionStore({ idleMs: 30 * 60_000, absoluteMs: 8 * 3600_000 }, () => clock.now),
      rateLimitPerMinute: extra.rateLimitPerMinute,
    });
    const log = Deno.env.get("CDT_APP_LOG");
    Deno.env.set("CDT_APP_LOG", join(c.dir, "app.log"));
    try {
      await fn({ app, dir: c.dir, clock, name: evil.sourcedId });
    } finally {
      if (log) Deno.env.set("CDT_APP_LOG", log);
      else Deno.env.delete("CDT_APP_LOG");
      await pool.close();
    }
  });
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

Deno.test({
  name: "server: health is open; everything else needs a valid, unrevoked token",
  ...dbTest,
  fn: () =>
    withServer(async ({ app }) => {
      assertEquals((await app.request("/healthz")).status, 200);
      const none = await app.request("/api/customers");
      assertEquals([none.status, (await none.json()).error], [401, "authentication required"]);
      assertEquals((await app.request("/api/customers", bearer(TOKENS.revoked))).status, 401);
      assertEquals((await app.request("/api/customers", bearer("cdt_nope"))).status, 401);
      const page = await app.request("/");
      assertEquals([page.status, page.headers.get("location")], [303, "/signin"]);
      const ok = await app.request("/api/customers", bearer(TOKENS.engineer));
      assertEquals((await ok.json()).customers.map((c: { customer_id: string }) => c.customer_id), ["lincoln-usd"]);
      assertEquals((await app.request("/readyz", bearer(TOKENS.engineer))).status, 200);
    }),
});

Deno.test({
  name: "server: diagnose answers json, csv and md; bad parameters are 400, unknown customers 404, writes 405",
  ...dbTest,
  fn: () =>
    withServer(async ({ app }) => {
      const json = await app.request("/api/customers/lincoln-usd/diagnose", bearer(TOKENS.engineer));
      assertEquals(json.status, 200);
      const report = Report.strict().parse(await json.json());
      assert(report.findings.length > 100);
      const csv = await app.request(
        "/api/customers/lincoln-usd/diagnose?format=csv&tool=parent-email",
        bearer(TOKENS.engineer),
      );
      assertMatch(csv.headers.get("content-type")!, /text\/csv/);
      assertMatch(await csv.text(), /^tool,code,severity,entity,message,action,explanation,details\r\nparent-email,/);
      assertMatch(
        await (await app.request("/api/customers/lincoln-usd/diagnose?format=md", bearer(TOKENS.engineer))).text(),
        /^# Diagnosis of lincoln-usd/,
      );
      for (
        const [url, status, pattern] of [
          ["/api/customers/lincoln-usd/diagnose?tool=nope", 400, /tool "nope" is not one of/],
          ["/api/customers/lincoln-usd/diagnose?format=xml", 400, /format must be json, csv or md/],
          ["/api/customers/lincoln-usd/diagnose?env=moon", 400, /env must be/],
          ["/api/customers/Lincoln_USD/diagnose", 400, /customer id/],
          ["/api/customers/adams-usd/diagnose", 404, /no customer adams-usd/],
        ] as const
      ) {
        const r = await app.request(url, bearer(TOKENS.engineer));
        assertEquals(r.status, status, url);
        assertMatch((await r.json()).error, pattern);
      }
      for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
        const r = await app.request("/api/customers/lincoln-usd/diagnose", {
          method,
          headers: { authorization: `Bearer ${TOKENS.engineer}` },
        });
        assertEquals([r.status, r.headers.get("allow")], [405, "GET, HEAD"]);
      }
    }),
});

Deno.test({
  name: "server: support may not read production; a token limited to other customers does not see this one",
  ...dbTest,
  fn: () =>
    withServer(async ({ app }) => {
      assertEquals(
        (await app.request("/api/customers/lincoln-usd/diagnose?env=production", bearer(TOKENS.support))).status,
        403,
      );
      assertEquals(
        (await app.request("/api/customers/lincoln-usd/diagnose?env=staging", bearer(TOKENS.support))).status,
        200,
      );
      assertEquals(
        (await app.request("/api/customers/lincoln-usd/diagnose?env=production", bearer(TOKENS.engineer))).status,
        200,
      );
      assertEquals((await app.request("/api/customers/lincoln-usd/diagnose", bearer(TOKENS.other))).status, 404);
      assertEquals((await (await app.request("/api/customers", bearer(TOKENS.other))).json()).customers, []);
    }),
});

Deno.test({
  name: "server: sign-in yields an HttpOnly, Secure, SameSite=Strict session that expires when idle",
  ...dbTest,
  fn: () =>
    withServer(async ({ app, clock }) => {
      const form = (token: string) => ({
        method: "POST",
        headers: { origin: "http://localhost" },
        body: new URLSearchParams({ token }),
      });
      const bad = await app.request("/signin", form("cdt_wrong"));
      assertEquals(bad.status, 401);
      const r = await app.request("/signin", form(TOKENS.engineer));
      assertEquals(r.status, 303);
      const cookie = r.headers.get("set-cookie")!;
      assertMatch(cookie, /^cdt_session=[0-9a-f]{64}; Max-Age=28800; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
      const session = { headers: { cookie: cookie.split(";")[0] } };
      const home = await app.request("/", session);
      assertEquals(home.status, 200);
      assertMatch(await home.text(), /<a href="\/customers\/lincoln-usd">lincoln-usd<\/a>/);
      clock.now += 31 * 60_000;
      const expired = await app.request("/api/customers", session);
      assertEquals([expired.status, (await expired.json()).error], [401, "session expired; sign in again"]);
      assertEquals((await app.request("/", session)).headers.get("location"), "/signin");
    }),
});

Deno.test({
  name: "server: every data request writes one audit line, with no name or email; logs carry routes, never ids",
  ...dbTest,
  fn: () =>
    withServer(async ({ app, dir, name }) => {
      await app.request("/api/customers/lincoln-usd/diagnose", bearer(TOKENS.engineer));
      const person = await app.request(`/api/customers/lincoln-usd/students/${name}`, bearer(TOKENS.support));
      assertEquals(person.status, 200);
      assert((await person.json()).findings !== undefined);
      const parent = await app.request(
        "/api/customers/lincoln-usd/parents/noemail%40demo-isd.org",
        bearer(TOKENS.engineer),
      );
      assertEquals(parent.status, 200);
      const lines = (await Deno.readTextFile(join(dir, "audit.jsonl"))).trimEnd().split("\n").map((l) =>
        AuditRecord.parse(JSON.parse(l))
      );
      assertEquals(lines.map((l) => [l.user, l.operation, l.route]), [
        ["eng", "diagnose", "/api/customers/:id/diagnose"],
        ["sup", "lookup student", "/api/customers/:id/students/:key"],
        ["eng", "lookup parent", "/api/customers/:id/parents/:email"],
      ]);
      const audit = await Deno.readTextFile(join(dir, "audit.jsonl"));
      assert(!audit.includes(name) && !audit.includes("@"), "no ids or emails in the audit log");
      const log = await Deno.readTextFile(join(dir, "app.log"));
      assert(log.includes('"route":"/api/customers/:id/students/:key"'));
      assert(!log.includes(name) && !log.includes("noemail"), "no ids or emails in the app log");
      assert(!log.includes(TOKENS.engineer));
    }),
});

Deno.test({
  name: "server: security headers are set, pages escape names, the summary filters findings and shows charts",
  ...dbTest,
  fn: () =>
    withServer(async ({ app, name }) => {
      const r = await app.request(`/customers/lincoln-usd/students/${name}`, bearer(TOKENS.engineer));
      assertEquals(r.status, 200);
      for (
        const h of [
          "content-security-policy",
          "x-content-type-options",
          "x-frame-options",
          "strict-transport-security",
          "x-request-id",
        ]
      ) {
        assert(r.headers.get(h), h);
      }
      const body = await r.text();
      assert(body.includes("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"), "the name is shown as text");
      assert(!body.includes("<img src=x"), "never as markup");
      const summary =
        await (await app.request("/customers/lincoln-usd?code=parent_link.mismatch", bearer(TOKENS.engineer))).text();
      assertMatch(summary, /<figure[\s\S]*Findings by code[\s\S]*<svg/);
      // Markup may be reformatted: count rows and codes whatever the whitespace between tags.
      const rows = [...summary.matchAll(/<tr>\s*<td class="(error|warning|info)">/g)].length;
      assert(rows > 0, "the filtered table has rows");
      assertEquals(
        [...summary.matchAll(/<code>parent_link\.mismatch<\/code>\s*<\/td>/g)].length,
        rows,
        "the filter keeps one code",
      );
    }, {}),
});

Deno.test({
  name: "server: search results, person pages and the summary show a name that is markup as text",
  ...dbTest,
  fn: () =>
    withServer(async ({ app, name }) => {
      for (
        const url of [
          `/customers/lincoln-usd/search?q=${name}`,
          "/customers/lincoln-usd/search?q=%3Cimg",
          `/customers/lincoln-usd/students/${name}`,
          `/customers/lincoln-usd/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E`,
        ]
      ) {
        const r = await app.request(url, bearer(TOKENS.engineer));
        assertEquals(r.status, 200, url);
        const body = await r.text();
        assert(!body.includes("<img src=x") && !body.includes("<script>alert"), `${url}: never as markup`);
      }
      const hit = await (await app.request(`/customers/lincoln-usd/search?q=${name}`, bearer(TOKENS.engineer))).text();
      assert(hit.includes("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"), "the name is shown, as text");
    }),
});

Deno.test({
  name: "server: more requests than the per-minute limit are refused with Retry-After",
  ...dbTest,
  fn: () =>
    withServer(async ({ app }) => {
      for (let i = 0; i < 3; i++) {
        assertEquals((await app.request("/api/customers", bearer(TOKENS.engineer))).status, 200);
      }
      const r = await app.request("/api/customers", bearer(TOKENS.engineer));
      assertEquals(r.status, 429);
      assert(Number(r.headers.get("retry-after")) > 0);
      assertEquals((await app.request("/api/customers", bearer(TOKENS.support))).status, 200, "the limit is per token");
    }, { rateLimitPerMinute: 3 }),
});
