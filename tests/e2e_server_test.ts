/**
 * The support engineer's story in a real browser (playwright-core driving
 * Debian's Chromium): "a parent can't see her son" answered in three clicks —
 * sign in, search `ramirez`, open the parent, see why, download the fix
 * script. Screenshots go to CDT_SCREENSHOT_DIR (docs/screenshots/ for the
 * README) or the test's temporary folder.
 */
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { withCustomer } from "./helpers/customer.ts";
import { createApp } from "../server/app.ts";
import { sha256Hex, TokenStore } from "../server/auth.ts";
import { PlatformPool } from "../lib/platform/pool.ts";
import { CredentialResolver } from "../lib/credentials/resolver.ts";
import { openFolderHistory } from "../lib/history/file-store.ts";
import { DEMO_SEED, DEMO_STUDENTS } from "../lib/demo/generate.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();
const TOKEN = "cdt_e2e_support_token";
/** The demo's guardian whose son the platform does not show her (a planted parent_link.mismatch). */
const PARENT = "nguyen.ramirez.14@example.org";
const SON = "stu-000013";

Deno.test({
  name:
    "a support engineer signs in, searches ramirez, opens the parent, sees why she cannot see her son and downloads the fix script",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withCustomer({ customerId: "demo-isd", students: DEMO_STUDENTS, seed: DEMO_SEED }, async (c) => {
      const resolver = new CredentialResolver({ env: { STAGING_DATABASE_URL: c.db.url } });
      const pool = new PlatformPool({ resolver });
      const history = join(c.dir, "history");
      const store = openFolderHistory(history);
      const app = createApp({
        settingsDir: c.settingsDir,
        tokens: new TokenStore([{ name: "e2e", sha256: await sha256Hex(TOKEN), role: "support" }]),
        pool,
        resolver,
        audit: { path: join(c.dir, "audit.jsonl"), key: "k" },
        history: { store, env: { CDT_HISTORY_DIR: history } },
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
        const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
        const page = await context.newPage();
        // Sign in.
        await page.goto(`${base}/`);
        assertEquals(new URL(page.url()).pathname, "/signin");
        await page.fill("#token", TOKEN);
        await page.click("button[type=submit]");
        await page.waitForURL(`${base}/`);
        // The customer: what to fix first, then the search box.
        await page.click("text=demo-isd");
        await page.waitForSelector("#findings");
        assertMatch(await page.textContent("h1") ?? "", /demo-isd \(staging\)/);
        assertMatch(await page.textContent("#causes li") ?? "", /explains \d+ of [\d,]+ findings: fix it first/);
        await page.screenshot({ path: join(shots, "story-3-customer.png"), fullPage: true });
        // 1. Search: typed without the accent.
        await page.fill("#q", "ramirez");
        await page.press("#q", "Enter");
        await page.waitForSelector("#results");
        const names = await page.$$eval(
          "#results tbody tr td:nth-child(2)",
          (cells) => cells.map((c) => c.textContent),
        );
        assert(names.some((n) => n?.includes("Nguyen Ramírez")), names.join(", "));
        await page.screenshot({ path: join(shots, "story-1-search.png") });
        // 2. The parent: the finding, and the son she cannot see.
        await page.click(`#results a.parent[href*="${encodeURIComponent(PARENT)}"]`);
        await page.waitForSelector("#roster-children");
        assertMatch(await page.textContent("h1") ?? "", /Parent Nguyen Ramírez/);
        const findings = await page.$$eval(
          ".findings tbody td:nth-child(2)",
          (cells) => cells.map((c) => c.textContent),
        );
        assert(findings.includes("parent_link.mismatch"), findings.join(", "));
        const missing = await page.textContent(`#roster-children tr.problem`);
        assertMatch(missing ?? "", new RegExp(`${SON}[\\s\\S]*not visible`));
        const link = await page.textContent(`#platform-links tr.problem`);
        assertMatch(link ?? "", /roster[\s\S]*\d{4}-\d{2}-\d{2}[\s\S]*no/, "the deleted link, its origin and date");
        await page.screenshot({ path: join(shots, "story-2-parent.png"), fullPage: true });
        // 3. The fix script for that parent.
        const [download] = await Promise.all([page.waitForEvent("download"), page.click("#fix-script")]);
        assertEquals(download.suggestedFilename(), `fix-demo-isd-staging-nguyen.ramirez.14-example.org.sql`);
        const sql = await Deno.readTextFile(await download.path());
        assertMatch(
          sql,
          /insert into parent_students \(parent_id, student_id, origin, created_at\) values \(\d+, \d+, 'roster', now\(\)\)/,
        );
        assertMatch(sql, /ROLLBACK; -- change to COMMIT once reviewed/);
        // The history the server recorded, linked from the customer page.
        await page.goto(`${base}/customers/demo-isd`);
        await page.click("#history");
        await page.waitForURL(/\/customers\/demo-isd\/history$/);
        assertMatch(await page.textContent("h1") ?? "", /History of demo-isd/);
        await page.screenshot({ path: join(shots, "story-4-history.png") });
        const cookies = await context.cookies();
        assertEquals(cookies.map((k) => [k.name, k.httpOnly, k.secure, k.sameSite]), [[
          "cdt_session",
          true,
          true,
          "Strict",
        ]]);
      } finally {
        await browser.close();
        await server.shutdown();
        await store.close();
        await pool.close();
      }
    }),
});
