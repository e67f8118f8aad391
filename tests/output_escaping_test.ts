/**
 * A district value cannot forge our output. Names, titles and emails carrying
 * terminal escape sequences, carriage returns, line breaks, bidi overrides,
 * HTML and Markdown go through every renderer — table, Markdown, CSV, JSON,
 * lookup, fix script, the HubSpot note of `--dry-run`, the ticket list — and
 * come out visible but inert.
 */
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { withTempDir } from "./helpers/bundle.ts";
import { startFakeHubSpot } from "./fakes/hubspot.ts";
import { generateDistrict } from "../lib/demo/generate.ts";
import { demoDistrict } from "../lib/demo/demo.ts";
import { plantProblems } from "../lib/demo/plant.ts";
import { writeDemoExport } from "../lib/demo/export.ts";
import { runDiagnostics } from "../lib/diagnostics/run.ts";
import { finding, type Report } from "../lib/model/findings.ts";
import { renderReport } from "../lib/report/mod.ts";
import { renderFixScript, statementsFor } from "../lib/report/fix-script.ts";
import { renderLookup } from "../lib/report/lookup.ts";
import { noteBody } from "../lib/hubspot/mod.ts";
import { csvText, markdownText, printable, safeJson } from "../lib/text.ts";
import type { LookupResult } from "../lib/app/lookup.ts";
import type { Roster } from "../lib/model/roster.ts";
import type { PlatformSnapshot } from "../lib/model/snapshot.ts";

/** Retitles the window, rings the bell, clears the screen, returns to column 0 and prints a line like ours. */
const FORGE = "\x1b]0;pwned\x07\x1b[2J\rOK: no findings\nfake line";
/** The same, plus C1 CSI, DEL, a bidi override, a line separator, HTML and Markdown link and emphasis syntax. */
const HOSTILE =
  `${FORGE}\x9b31m\x7f\u202eevil\u202c\u2028<img src=x onerror=alert(1)>[click](https://evil.example) *b* _i_ \`c\` | #h`;
/** How {@link FORGE} reads once neutralised: every character kept, none acting. */
const SHOWN = "\\x1b]0;pwned\\x07\\x1b[2J\\rOK: no findings\\nfake line";

// Anything a terminal or editor acts on, except the line feeds and tabs we write ourselves.
// deno-lint-ignore no-control-regex -- finding control characters is the point
const ACTING = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** A generated district whose every name, title and parent email carries {@link HOSTILE}. */
function hostileDistrict(): { roster: Roster; platform: PlatformSnapshot } {
  const d = generateDistrict({ customerId: "evil-usd", students: 200, seed: 6 });
  plantProblems(d);
  for (const u of d.roster.users) u.givenName = `${HOSTILE} ${u.givenName}`;
  for (const o of d.roster.orgs) o.name = `${HOSTILE} ${o.name}`;
  for (const c of d.roster.classes) c.title = `${HOSTILE} ${c.title}`;
  for (const s of d.platform.students) s.firstName = `${HOSTILE} ${s.firstName}`;
  for (const p of d.platform.parents) p.firstName = `${HOSTILE} ${p.firstName}`;
  for (const t of d.platform.teachers) t.firstName = `${HOSTILE} ${t.firstName}`;
  for (const c of d.platform.campuses) c.name = `${HOSTILE} ${c.name}`;
  return d;
}

function hostileReport(): Report {
  const { roster, platform } = hostileDistrict();
  const report = runDiagnostics({
    customer: "evil-usd",
    environment: "staging",
    roster,
    platform,
    now: new Date("2026-11-24T12:00:00Z"),
  });
  // A message that starts with the value, and one a spreadsheet would run.
  report.findings.unshift(
    finding({
      code: "student.missing_in_platform",
      entity: { sourcedId: `stu-${HOSTILE}` },
      message: HOSTILE,
      details: { name: HOSTILE, grade: "", studentNumber: "", schools: [] },
      resolution: { action: "resync", explanation: `=HYPERLINK("https://evil.example","${HOSTILE}")` },
    }),
  );
  report.warnings.push({ code: "source.looks_incomplete", severity: "warning", message: `users.csv:2: ${HOSTILE}` });
  return report;
}

/** What every text output must hold: no acting character, no forged line, the value still readable. */
function assertInert(text: string, where: string, shown = SHOWN): void {
  const acting = ACTING.exec(text);
  assert(!acting, `${where}: raw U+${acting?.[0].charCodeAt(0).toString(16).padStart(4, "0")} in the output`);
  for (const line of text.split("\n")) {
    assert(!/^(OK: no findings|fake line)/.test(line), `${where}: a value began a line: ${JSON.stringify(line)}`);
  }
  assert(text.includes(shown), `${where}: the value is still recognisable`);
}

Deno.test("printable shows every control, line break and bidi control as an escape and keeps everything else", () => {
  assertEquals(printable(FORGE), SHOWN);
  assertEquals(printable("a\tb\\c é 😀"), "a\tb\\c é 😀");
  assertEquals(
    printable("\x00\x1f\x7f\x85\x9b\u2028\u2029\u202a\u202e\u2066\u2069"),
    [
      "\\x00",
      "\\x1f",
      "\\x7f",
      "\\x85",
      "\\x9b",
      "\\u2028",
      "\\u2029",
      "\\u202a",
      "\\u202e",
      "\\u2066",
      "\\u2069",
    ].join(""),
  );
  assertEquals(printable(undefined), "");
  assertEquals(printable(42), "42");
});

Deno.test("the table report shows hostile names as escapes: no screen clear, no retitle, no forged line", () => {
  const report = hostileReport();
  assert(report.findings.some((f) => f.message.includes(FORGE)), "the diagnostics quote the hostile names");
  const text = renderReport(report, "table");
  assertInert(text, "table");
  assertMatch(text, /^ {4}x \\x1b\]0;pwned/m);
  assertMatch(text, /^ {2}! users\.csv:2: \\x1b/m);
});

Deno.test("Markdown escapes HTML, links, emphasis, code, headings and table pipes in values", () => {
  const md = renderReport(hostileReport(), "md");
  assertInert(md, "md", markdownText(FORGE));
  assert(
    md.includes("\\\\x1b\\]0;pwned\\\\x07\\\\x1b\\[2J\\\\rOK: no findings\\\\nfake line"),
    "shown as \\x1b]0;pwned…",
  );
  assert(!md.includes("<img"), "no raw HTML");
  assert(md.includes("&lt;img src=x onerror=alert\\(1\\)&gt;"));
  assert(!/[^\\]\[click\]/.test(md) && !md.includes("](https://evil"), "no link");
  assert(md.includes("\\[click\\]\\(https://evil.example\\)"));
  assert(md.includes("\\*b\\* \\_i\\_ \\`c\\` \\| \\#h"));
  // Each findings table row keeps its five cells: a value's pipe is escaped, not a column.
  for (const line of md.split("\n").filter((l) => l.startsWith("| error |") || l.startsWith("| warning |"))) {
    assertEquals(line.replaceAll("\\|", "").split("|").length, 7, line);
  }
});

Deno.test("markdownText renders as the value itself", () => {
  assertEquals(markdownText("a & b < c"), "a &amp; b &lt; c");
  assertEquals(markdownText("back\\slash"), "back\\\\slash");
  assertEquals(markdownText("![img](x)"), "\\!\\[img\\]\\(x\\)");
});

Deno.test("CSV values cannot run as spreadsheet formulas and carry no raw control characters; JSON stays exact", () => {
  const report = hostileReport();
  const csv = renderReport(report, "csv");
  const rows = parse(csv, { columns: true }) as Array<Record<string, string>>;
  assertEquals(rows.length, report.findings.length);
  assertEquals(rows[0].message, SHOWN + printable(HOSTILE.slice(FORGE.length)));
  assert(rows[0].explanation.startsWith(`'=HYPERLINK(`), rows[0].explanation);
  for (const row of rows) {
    for (const [column, value] of Object.entries(row)) {
      assert(!ACTING.test(value) && !value.includes("\n"), `${column}: ${value}`);
      assert(!/^[=+\-@\t\r]/.test(value), `${column} could run as a formula: ${value}`);
    }
  }
  assertEquals(JSON.parse(rows[0].entity), report.findings[0].entity);
  for (const v of ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]) assert(csvText(v).startsWith("'"), v);
  assertEquals(csvText("Ana"), "Ana");

  const json = renderReport(report, "json");
  assert(!ACTING.test(json), "JSON escapes C0 itself, and DEL, C1 and bidi controls are written as \\u escapes");
  assertEquals(JSON.parse(json), report, "the JSON report is the report, exactly");
  assertEquals(safeJson({ a: "\u202e\x9b" }), '{"a":"\\u202e\\u009b"}');
});

Deno.test("a lookup shows a hostile family as escapes, on the lines it belongs to", () => {
  const { roster, platform } = hostileDistrict();
  const student = roster.users.find((u) => u.role === "student" && u.agentSourcedIds.length > 0)!;
  const result: LookupResult = {
    query: { kind: "student", key: student.sourcedId },
    customer: "evil-usd",
    environment: "staging",
    roster,
    platform,
    people: [student.sourcedId],
    concern: [student.sourcedId],
    findings: hostileReport().findings.slice(0, 3),
    timings: { sourceMs: 10, platformMs: 20 },
  };
  const text = renderLookup(result);
  assertInert(text, "lookup");
  assertMatch(text, new RegExp(`^ {2}student ${student.sourcedId} \\\\x1b\\]0;pwned`, "m"));
  assertMatch(text, /^ {4}guardians: .*\\x1b\]0;pwned/m);
});

Deno.test("a value in the fix script stays inside its comment: no line of SQL comes from a district", () => {
  const report = hostileReport();
  // A name that tries to end the comment and commit: the classic.
  const injection = "x\nCOMMIT;\ndelete from students; --\r\x1b[1A\x1b[2K";
  for (const f of report.findings) if (f.code === "parent_link.mismatch") f.message += injection;
  const { sql, fixed } = renderFixScript(report);
  assert(fixed.some((f) => f.message.includes(FORGE)), "fixable findings quote hostile names");
  assertInert(sql, "fix script");
  assert(sql.includes("x\\nCOMMIT;\\ndelete from students; --\\r\\x1b[1A\\x1b[2K"));
  // Every line is ours: a comment, a blank, or a statement built from platform ids.
  const ours =
    /^(--.*|BEGIN;|ROLLBACK; -- change to COMMIT once reviewed|insert into parent_students \(parent_id, student_id, origin, created_at\) values \(\d+, \d+, 'roster', now\(\)\)| {2}on conflict \(parent_id, student_id\) do update set deleted_at = null where parent_students\.deleted_at is not null;|update (parent_students|enrollments|students) set .*| {2}where (id in \([\d, ]+\)|id = \d+) and .*|)$/;
  for (const line of sql.split("\n")) assert(ours.test(line), `a line that is not ours: ${JSON.stringify(line)}`);
  assert(!/^\s*(COMMIT|delete)/im.test(sql), "no COMMIT or delete outside a comment");
});

Deno.test("fix-script statements take numeric platform ids only: text in an id is refused, never quoted into SQL", () => {
  const f = hostileReport().findings.find((f) => f.code === "transfer.campus_not_updated")!;
  assert(f, "the planted district has a campus transfer");
  const forged = { ...f, entity: { ...f.entity, platformId: "1; delete from students" } };
  let err: unknown;
  try {
    statementsFor(forged);
  } catch (e) {
    err = e;
  }
  assert(err instanceof Error, "refused");
  assertMatch(err.message, /^not a platform id: "1; delete from students"$/);
});

Deno.test("the HubSpot note shows hostile values as escaped, inert text", () => {
  const note = noteBody(hostileReport(), "deno task diagnose --customer evil-usd --ticket 4711");
  assertInert(note, "note");
  assert(!note.includes("<img"), "HTML escaped");
});

const DIAGNOSE = new URL("../tools/diagnose.ts", import.meta.url).pathname;
const TICKET = new URL("../tools/ticket.ts", import.meta.url).pathname;

async function run(script: string, args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", script, ...args],
    env: { NO_COLOR: "1", ...env },
    clearEnv: false,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test({
  name: "diagnose --ticket --dry-run and --fix-script print a hostile export's names inert, table and note alike",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withTempDir(async (dir) => {
      // The embedded demo platform against its own export, every guardian's name made hostile.
      const { roster } = demoDistrict();
      for (const u of roster.users) if (u.role === "parent" || u.role === "guardian") u.givenName = FORGE;
      for (const u of roster.users) if (u.role === "student") u.familyName = `${u.familyName}${FORGE}`;
      await writeDemoExport(join(dir, "export"), roster);
      const fix = join(dir, "fix.sql");
      const r = await run(DIAGNOSE, [
        "--customer",
        "demo-isd",
        "--env",
        "embedded",
        "--source",
        join(dir, "export"),
        "--format",
        "table",
        "--ticket",
        "4711",
        "--dry-run",
        "--fix-script",
        fix,
        "--no-history",
      ], { CDT_HISTORY_DIR: join(dir, "history") });
      assertEquals(r.code, 0, r.stderr);
      assertInert(r.stdout, "diagnose table");
      const note = r.stderr.slice(r.stderr.indexOf("--dry-run: the note"));
      assertMatch(note, /^--dry-run: the note for ticket 4711 would be:\n<p>/);
      assertInert(note, "dry-run note");
      assertInert(await Deno.readTextFile(fix), "fix script file");
    }),
});

Deno.test({
  name: "ticket lists a ticket whose subject carries escape sequences as inert text",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withTempDir(async (dir) => {
      const token = "pat-na1-escaping-test-0001";
      const fake = await startFakeHubSpot({
        token,
        tickets: [{ id: "4711", subject: HOSTILE, stage: "1", companyId: "1234" }],
      });
      try {
        await Deno.writeTextFile(
          join(dir, "evil-usd.json"),
          JSON.stringify({
            customer_id: "evil-usd",
            customer_name: "Evil USD",
            integration_type: "oneroster-csv",
            oneshelf_environment: "staging",
            source: { kind: "oneroster-csv", path: "../export" },
            hubspot_company_id: "1234",
          }),
        );
        const r = await run(TICKET, ["--customer", "evil-usd", "--settings-dir", dir], {
          HUBSPOT_ACCESS_TOKEN: token,
          HUBSPOT_BASE_PATH: fake.basePath,
        });
        assertEquals(r.code, 0, r.stderr);
        assertInert(r.stdout, "ticket list");
        assertMatch(r.stdout, /^ +4711 {2}stage 1 +\\x1b\]0;pwned/m);
        const json = await run(TICKET, ["--customer", "evil-usd", "--settings-dir", dir, "--json"], {
          HUBSPOT_ACCESS_TOKEN: token,
          HUBSPOT_BASE_PATH: fake.basePath,
        });
        assert(!ACTING.test(json.stdout));
        assertEquals(JSON.parse(json.stdout)[0].subject, HOSTILE);
      } finally {
        await fake.stop();
      }
    }),
});
