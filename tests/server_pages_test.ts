/**
 * The support engineer's pages: search, person pages for every kind, the
 * customer page's root causes, groups and new-finding marks, downloads, and
 * the history and fleet pages the server records into.
 */
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { join } from "node:path";
import { withCustomer } from "./helpers/customer.ts";
import { createApp } from "../server/app.ts";
import { sha256Hex, TokenStore } from "../server/auth.ts";
import { PlatformPool } from "../lib/platform/pool.ts";
import { CredentialResolver } from "../lib/credentials/resolver.ts";
import { openFolderHistory } from "../lib/history/file-store.ts";
import { DEMO_SEED, DEMO_STUDENTS } from "../lib/demo/generate.ts";
import { Report } from "../lib/model/findings.ts";
import { rootCauses } from "../lib/report/causes.ts";
import { AuditRecord } from "../lib/audit.ts";
import type { TestCustomer } from "./helpers/customer.ts";

const dbTest = { sanitizeOps: false, sanitizeResources: false };
const TOKEN = "cdt_pages_support_token";
const NARROW = "cdt_pages_other_customer";

type App = ReturnType<typeof createApp>;

/** The demo district (accents and all) on staging, behind a server that keeps a history in a folder. */
async function withDemoServer(fn: (ctx: { app: App; dir: string; history: string; c: TestCustomer }) => Promise<void>) {
  await withCustomer({ customerId: "demo-isd", students: DEMO_STUDENTS, seed: DEMO_SEED }, async (c) => {
    const history = join(c.dir, "history");
    const resolver = new CredentialResolver({ env: { STAGING_DATABASE_URL: c.db.url } });
    const pool = new PlatformPool({ resolver });
    const store = openFolderHistory(history);
    const app = createApp({
      settingsDir: c.settingsDir,
      tokens: new TokenStore([
        { name: "sup", sha256: await sha256Hex(TOKEN), role: "support" },
        { name: "narrow", sha256: await sha256Hex(NARROW), role: "support", customers: ["adams-usd"] },
      ]),
      pool,
      resolver,
      audit: { path: join(c.dir, "audit.jsonl"), key: "k" },
      history: { store, env: { CDT_HISTORY_DIR: history } },
      cacheSeconds: 0,
    });
    try {
      await fn({ app, dir: c.dir, history, c });
    } finally {
      await store.close();
      await pool.close();
    }
  });
}

const get = async (app: App, url: string, token = TOKEN) => {
  const r = await app.request(url, { headers: { authorization: `Bearer ${token}`, accept: "text/html" } });
  return { r, body: await r.text() };
};
/** The cells of one table row, tags stripped, whitespace collapsed. */
const text = (markup: string) => markup.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();
/** The markup of the element whose opening tag carries `id="…"`, up to its closing `</tag>`. */
function element(body: string, id: string): string {
  const start = body.search(new RegExp(`<(\\w+)[^>]*id="${id}"`));
  assert(start >= 0, `#${id} is on the page`);
  const tag = /^<(\w+)/.exec(body.slice(start))![1];
  return body.slice(start, body.indexOf(`</${tag}>`, start) + tag.length + 3);
}
const rows = (markup: string) => [...markup.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((m) => m[0]);

const PARENT = "nguyen.ramirez.14@example.org";
const PARENT_PAGE = `/customers/demo-isd/parents/${encodeURIComponent(PARENT)}?env=staging`;

Deno.test({
  name:
    "search: typing ramirez finds Ramírez (students and parents) linked to their pages; the query is audited hashed",
  ...dbTest,
  fn: () =>
    withDemoServer(async ({ app, dir }) => {
      for (const q of ["ramirez", "RAMÍREZ", "Nguyen%20Ramirez"]) {
        const { r, body } = await get(app, `/customers/demo-isd/search?q=${q}`);
        assertEquals(r.status, 200, q);
        const results = element(body, "results");
        assert(results.includes(`href="${PARENT_PAGE}"`), `${q}: the parent links to her page`);
        assertMatch(text(results), /parent Nguyen Ramírez nguyen\.ramirez\.14@example\.org/);
      }
      const { body } = await get(app, "/customers/demo-isd/search?q=ramirez");
      assert(body.includes(`href="/customers/demo-isd/students/stu-000013?env=staging">Ana Ramírez</a>`));
      assertMatch(body, /<input id="q" type="search" name="q" value="ramirez"/);
      // The box is on the customer's pages.
      assertMatch(
        (await get(app, "/customers/demo-isd")).body,
        /<form class="search" role="search"[^>]*action="\/customers\/demo-isd\/search"/,
      );
      assertMatch((await get(app, PARENT_PAGE)).body, /<form class="search" role="search"/);
      const long = await get(app, `/customers/demo-isd/search?q=${"a".repeat(201)}`);
      assertEquals(long.r.status, 400);
      assertMatch(long.body, /q must be at most 200 characters/);
      const audit = (await Deno.readTextFile(join(dir, "audit.jsonl"))).trimEnd().split("\n").map((l) =>
        AuditRecord.parse(JSON.parse(l))
      );
      assert(audit.some((a) => a.operation === "search" && a.subject), "a search is audited with its subject hashed");
      assert(!JSON.stringify(audit).toLowerCase().includes("ramirez"), "never the query itself");
    }),
});

Deno.test({
  name:
    "person pages: a parent's roster and platform sides, each link's origin and deletion date, findings linked to students",
  ...dbTest,
  fn: () =>
    withDemoServer(async ({ app }) => {
      const { r, body } = await get(app, PARENT_PAGE);
      assertEquals(r.status, 200);
      assertMatch(body, /<h1>Parent Nguyen Ramírez \(nguyen\.ramirez\.14@example\.org\)<\/h1>/);
      // Roster beside platform: a column for the guardian, one for the account.
      const compare = text(body.slice(body.indexOf('<table class="compare">')));
      assertMatch(
        compare,
        /roster par-000014 platform account 300014 source id par-000014 par-000014 name Nguyen Ramírez Nguyen Ramírez/,
      );
      // The son she cannot see, on both sides: no active link in the roster's list; the deleted link with its origin and date.
      const missing = rows(element(body, "roster-children")).filter((row) => row.includes('class="problem"')).map(text);
      assertEquals(missing, ["stu-000013 Ana Ramírez active not visible: no active link"]);
      const links = rows(element(body, "platform-links")).slice(1).map(text);
      assertEquals(links, [
        "300014 Ana Ramírez (stu-000013) Lincoln Elementary roster 2026-09-01 12:00:00+00 no",
        "300014 Malik Ramírez (stu-000014) Lincoln Middle roster – yes",
      ]);
      // The finding, linked to the parent's and the missing student's own pages.
      assertMatch(body, /<code>parent_link\.mismatch<\/code>/);
      assert(
        body.includes(`<a class="student" href="/customers/demo-isd/students/stu-000013?env=staging">stu-000013</a>`),
      );
      assert(body.includes(`<a class="parent" href="${PARENT_PAGE}">`));
      assert(
        body.includes(
          `id="fix-script" href="/customers/demo-isd/fix-script?env=staging&amp;person=${encodeURIComponent(PARENT)}"`,
        ),
      );
      assert(!body.includes("<pre"), "tables, not the CLI's text");
    }),
});

Deno.test({
  name: "person pages: students, teachers and classes have their own pages; teacher findings link to teacher pages",
  ...dbTest,
  fn: () =>
    withDemoServer(async ({ app }) => {
      const student = await get(app, "/customers/demo-isd/students/stu-000013?env=staging");
      assertEquals(student.r.status, 200);
      assertMatch(student.body, /<h1>Student Ana Ramírez \(stu-000013\)<\/h1>/);
      assertMatch(text(student.body), /roster stu-000013 platform student 100013 source id stu-000013 stu-000013/);
      assert(student.body.includes(`href="${PARENT_PAGE}"`), "the student's guardian links to her parent page");
      assertMatch(element(student.body, "platform-links"), /2026-09-01 12:00:00\+00/);
      assertMatch(
        element(student.body, "roster-classes"),
        /href="\/customers\/demo-isd\/classes\/cls-\d+\?env=staging"/,
      );

      const teacher = await get(app, "/customers/demo-isd/teachers/tch-00036");
      assertEquals(teacher.r.status, 200);
      assertMatch(teacher.body, /<h1>Teacher /);
      assertMatch(text(teacher.body), /platform teacher 5036 source id/);
      assertMatch(teacher.body, /<code>teacher\.not_in_source<\/code>/);

      const cls = await get(app, "/customers/demo-isd/classes/cls-000325");
      assertEquals(cls.r.status, 200);
      assertMatch(cls.body, /<h1>Class .*\(cls-000325\)<\/h1>/);
      assertMatch(text(cls.body), /roster cls-000325 source id cls-000325 title/);
      assertMatch(cls.body, /<code>class\.missing_in_platform<\/code>/);
      assert(
        cls.body.includes(`href="/customers/demo-isd/teachers/tch-00067?env=staging"`),
        "its teacher's enrollment links to the teacher",
      );

      const summary = (await get(app, "/customers/demo-isd")).body;
      assert(!summary.includes("/students/tch-"), "no teacher is sent to a student page");
      assert(summary.includes(`href="/customers/demo-isd/teachers/tch-00036?env=staging"`));
      assert(summary.includes(`href="${PARENT_PAGE}"`), "parent findings link to the parent page");

      const nobody = await get(app, "/customers/demo-isd/parents/nobody%40example.org");
      assertEquals(nobody.r.status, 200);
      assertMatch(nobody.body, /Nobody matches parent “nobody@example\.org”/);
    }),
});

Deno.test({
  name: "customer page: root causes lead, ranked by findings explained; each cause's findings are folded beneath it",
  ...dbTest,
  fn: () =>
    withDemoServer(async ({ app }) => {
      const report = Report.parse(
        await (await app.request("/api/customers/demo-isd/diagnose", { headers: { authorization: `Bearer ${TOKEN}` } }))
          .json(),
      );
      const causes = rootCauses(report.findings);
      assert(causes.length >= 2 && causes[0].explains > 1);
      const { body } = await get(app, "/customers/demo-isd");
      const lead = element(body, "causes");
      const items = [...lead.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => text(m[1]));
      assertEquals(items.length, Math.min(5, causes.length));
      assertMatch(
        items[0],
        new RegExp(`explains ${causes[0].explains} of ${report.findings.length} findings: fix it first`),
      );
      assertMatch(items[1], new RegExp(`explains ${causes[1].explains} of ${report.findings.length} findings \\(`));
      assert(body.indexOf('id="causes"') < body.indexOf('id="findings"'), "the lead comes before the findings");
      // The first cause's group holds exactly the findings it explains, folded.
      const group = body.slice(body.indexOf('id="cause-0"'), body.indexOf("</details>", body.indexOf('id="cause-0"')));
      assertEquals(rows(group).slice(1).length, causes[0].explains);
      assertMatch(body, /<details class="group cause" id="cause-0">/);
      const flat = rows(element(body, "findings")).filter((r) => /<td class="(error|warning|info)">/.test(r)).length;
      assertEquals(flat, report.findings.length, "every finding is in one group");
      // Charts are drawn for the page's width and scale with it.
      assertMatch(body, /<svg[^>]*width="1160"/);
    }),
});

Deno.test({
  name: "downloads: the report as JSON, CSV and Markdown and one parent's fix script, each with its file name",
  ...dbTest,
  fn: () =>
    withDemoServer(async ({ app }) => {
      const name = /^attachment; filename="demo-isd-staging-\d{8}-\d{6}\.(json|csv|md)"$/;
      const json = await get(app, "/customers/demo-isd/report?format=json");
      assertMatch(json.r.headers.get("content-disposition")!, name);
      assertMatch(json.r.headers.get("content-type")!, /application\/json/);
      assert(Report.parse(JSON.parse(json.body)).findings.length > 100);
      const csv = await get(app, "/customers/demo-isd/report?format=csv");
      assertMatch(csv.r.headers.get("content-disposition")!, /\.csv"$/);
      assertMatch(csv.body, /^tool,code,severity,entity,message,action,explanation,details\r\n/);
      const md = await get(app, "/customers/demo-isd/report?format=md");
      assertMatch(md.r.headers.get("content-disposition")!, /\.md"$/);
      assertMatch(md.body, /^# Diagnosis of demo-isd/);
      const page = (await get(app, "/customers/demo-isd")).body;
      for (const format of ["json", "csv", "md"]) {
        assert(page.includes(`href="/customers/demo-isd/report?env=staging&amp;format=${format}"`), format);
      }

      const fix = await get(app, `/customers/demo-isd/fix-script?person=${encodeURIComponent(PARENT)}`);
      assertEquals(fix.r.status, 200);
      assertEquals(
        fix.r.headers.get("content-disposition"),
        'attachment; filename="fix-demo-isd-staging-nguyen.ramirez.14-example.org.sql"',
      );
      assertMatch(
        fix.body,
        /insert into parent_students \(parent_id, student_id, origin, created_at\) values \(300014, 100013, 'roster', now\(\)\)/,
      );
      assertEquals([...fix.body.matchAll(/^-- \[\d+\] /gm)].length, 1, "only this parent's block");
      const none = await get(app, "/customers/demo-isd/fix-script");
      assertEquals(none.r.status, 400);
      assertMatch(none.body, /person is required/);
      assertEquals((await get(app, "/customers/demo-isd/report?format=xml")).r.status, 400);
    }),
});

Deno.test({
  name:
    "history: the server records its runs (not a copy of an unchanged one), marks new findings, and serves history and fleet",
  ...dbTest,
  fn: () =>
    withDemoServer(async ({ app, history, c }) => {
      const runs = async () =>
        (await Deno.readTextFile(join(history, "demo-isd", "index.jsonl"))).trimEnd().split("\n").length;
      const first = (await get(app, "/customers/demo-isd")).body;
      assertMatch(first, /The first recorded run of demo-isd \(staging\)/);
      assert(!first.includes('class="badge new"'));
      assertEquals(await runs(), 1);
      // Unchanged: not recorded again.
      await get(app, "/customers/demo-isd");
      assertEquals(await runs(), 1);
      // The platform changes: a student's record is deleted.
      await c.db.admin`update students set deleted_at = now() where id = 100020`;
      const second = (await get(app, "/customers/demo-isd")).body;
      assertEquals(await runs(), 2);
      assertMatch(text(element(second, "comparison")), /^\d+ new, \d+ still open, \d+ resolved since /);
      const fresh = rows(element(second, "findings")).filter((r) => r.includes('<span class="badge new">new</span>'));
      assert(fresh.length > 0 && fresh.some((r) => r.includes("stu-000020")), "the new findings are marked");
      // Reloaded unchanged, the marks stay (against the run before) and nothing is recorded.
      const third = (await get(app, "/customers/demo-isd")).body;
      assertEquals(await runs(), 2);
      assertEquals(
        rows(element(third, "findings")).filter((r) => r.includes('<span class="badge new">new</span>')).length,
        fresh.length,
      );

      const page = await get(app, "/customers/demo-isd/history");
      assertEquals(page.r.status, 200);
      assertMatch(page.body, /<h1>History of demo-isd<\/h1>/);
      assertMatch(page.body, /<svg/);
      assertMatch(page.body, /sup \(support\)/, "the frame shows who is signed in");
      const fleet = await get(app, "/fleet");
      assertEquals(fleet.r.status, 200);
      assert(fleet.body.includes('<a href="/customers/demo-isd">demo-isd</a>'));
      const home = (await get(app, "/")).body;
      assert(home.includes('href="/fleet"') && home.includes('href="/customers/demo-isd/history"'));
      assert(second.includes('href="/customers/demo-isd/history"'), "the customer page links its history");
      // A token for other customers sees neither.
      assert(!(await get(app, "/fleet", NARROW)).body.includes("demo-isd"));
      assertEquals((await get(app, "/customers/demo-isd/history", NARROW)).r.status, 404);
      assertEquals((await app.request("/fleet")).status, 303, "signed-in only");
    }),
});
