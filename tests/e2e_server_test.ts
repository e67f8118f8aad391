import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { withCustomer } from "./helpers/customer.ts";
import { createApp } from "../server/app.ts";
import { sha256Hex, TokenStore } from "../server/auth.ts";
import { PlatformPool } from "../lib/platform/pool.ts";
import { CredentialResolver } from "../lib/credentials/resolver.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();
const TOKEN = "cdt_e2e_support_token";

Deno.test({
  name: "a browser signs in, opens a customer, filters findings and looks at a student (screenshots taken)",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withCustomer({ customerId: "lincoln-usd" }, async (c) => {
      const resolver = new CredentialResolver({ env: { STAGING_DATABASE_URL: c.db.url } });
      const pool = new PlatformPool({ resolver });
      const app = createApp({
        settingsDir: c.settingsDir,
        tokens: new TokenStore([{ name: "e2e", sha256: await sha256Hex(TOKEN), role: "support" }]),
        pool,
        resolver,
        audit: { path: join(c.dir, "audit.jsonl"), key: "k" },
      });
      const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
      const base = `http://127.0.0.1:${server.addr.port}`;
      const shots = Deno.env.get("CDT_SCREENSHOT_DIR") ?? c.dir;
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
        ],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await page.goto(`${base}/`);
        assertEquals(new URL(page.url()).pathname, "/signin");
        await page.fill("#token", TOKEN);
        await page.click("button[type=submit]");
        await page.waitForURL(`${base}/`);
        await page.click("text=lincoln-usd");
        await page.waitForSelector("#findings");
        assertMatch(await page.textContent("h1") ?? "", /lincoln-usd \(staging\)/);
        await page.screenshot({ path: join(shots, "server-summary.png"), fullPage: false });
        await page.selectOption("select[name=code]", "transfer.campus_not_updated");
        await page.click("#filters button");
        await page.waitForURL(/code=transfer\.campus_not_updated/);
        const codes = await page.$$eval("#findings tbody td:nth-child(2)", (cells) => cells.map((c) => c.textContent));
        assert(codes.length > 0 && codes.every((c) => c === "transfer.campus_not_updated"), codes.join(","));
        await page.screenshot({ path: join(shots, "server-filtered.png") });
        await page.click("#findings a:has-text('person')");
        await page.waitForSelector("#lookup");
        assertMatch(await page.textContent("#lookup") ?? "", /^Lookup student "stu-/);
        await page.screenshot({ path: join(shots, "server-person.png") });
        const cookies = await page.context().cookies();
        assertEquals(cookies.map((k) => [k.name, k.httpOnly, k.secure, k.sameSite]), [[
          "cdt_session",
          true,
          true,
          "Strict",
        ]]);
      } finally {
        await browser.close();
        await server.shutdown();
        await pool.close();
      }
    }),
});
