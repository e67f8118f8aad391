import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { withTestDatabase } from "./helpers/database.ts";
import { connectUrl } from "../lib/platform/connect.ts";
import { readSnapshot } from "../lib/platform/read.ts";
import { generateDistrict } from "../lib/demo/generate.ts";
import { plantProblems } from "../lib/demo/plant.ts";
import { runDiagnostics } from "../lib/diagnostics/run.ts";
import { FIXABLE_CODES, renderFixScript } from "../lib/report/fix-script.ts";
import type { Report } from "../lib/model/findings.ts";

const key = (f: { code: string; entity: unknown }) => `${f.code} ${JSON.stringify(f.entity)}`;

async function diagnose(url: string): Promise<Report> {
  const conn = connectUrl(url, { environment: "staging" });
  try {
    const platform = await readSnapshot(conn, "fix-usd");
    return runDiagnostics({ customer: "fix-usd", environment: "staging", roster: district.roster, platform });
  } finally {
    await conn.close();
  }
}

const district = generateDistrict({ customerId: "fix-usd", students: 400, seed: 21 });
plantProblems(district);

Deno.test({
  name: "the fix script, committed on a copy, removes the findings it fixes and adds none",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withTestDatabase(async (db) => {
      const before = await diagnose(db.url);
      const script = renderFixScript(before);
      const fixedCodes = new Set(script.fixed.map((f) => f.code));
      assertEquals(fixedCodes, new Set(FIXABLE_CODES), "the planted district has a fix of every kind");

      // As written, the script changes nothing.
      await db.admin.unsafe(script.sql);
      assertEquals((await diagnose(db.url)).findings.map(key), before.findings.map(key));

      // A person reviews it and commits.
      const committed = script.sql.replace(/^ROLLBACK;.*$/m, "COMMIT;");
      assert(committed !== script.sql);
      await db.admin.unsafe(committed);
      const after = await diagnose(db.url);
      const afterKeys = new Set(after.findings.map(key));
      for (const f of script.fixed) assert(!afterKeys.has(key(f)), `still there after the fix: ${key(f)}`);
      const beforeKeys = new Set(before.findings.map(key));
      const added = after.findings.filter((f) => !beforeKeys.has(key(f)));
      assertEquals(added.map(key), [], "the fix adds no finding");
    }, district.platform),
});

Deno.test("the script is reviewable: one commented block per finding, inside BEGIN and ROLLBACK", () => {
  const report = runDiagnostics({
    customer: "fix-usd",
    environment: "staging",
    roster: district.roster,
    platform: district.platform,
  });
  const { sql, fixed } = renderFixScript(report);
  const lines = sql.trimEnd().split("\n");
  assert(lines.includes("BEGIN;"));
  assertMatch(lines.at(-1)!, /^ROLLBACK; -- change to COMMIT once reviewed$/);
  assertEquals(sql.match(/^-- \[\d+\] /gm)!.length, fixed.length);
  assertEquals(sql.match(/\bcommit\b/gi)!.length, 2, "COMMIT appears only in the comments");
  assert(!/delete from/i.test(sql), "rows are soft-deleted, never deleted");
});

Deno.test("a statement two findings ask for is written once; the later block points at the first", () => {
  const report = runDiagnostics({
    customer: "fix-usd",
    environment: "staging",
    roster: district.roster,
    platform: district.platform,
  });
  const { sql } = renderFixScript(report);
  const statements = sql.split("\n").filter((l) => !l.startsWith("--")).join("\n").split(";")
    .map((st) => st.trim()).filter((st) => st && st !== "BEGIN" && !st.startsWith("ROLLBACK"));
  assertEquals(statements.length, new Set(statements).size, "no statement twice");
  // The demo plants a stale-record link whose relink a parent_link.mismatch asks for too.
  assertMatch(sql, /-- \(done in block \[\d+\]\)/);
});

Deno.test("a finding whose details do not fit its code's schema is skipped with the reason; the rest of the script stands", () => {
  const report = runDiagnostics({
    customer: "fix-usd",
    environment: "staging",
    roster: district.roster,
    platform: district.platform,
  });
  const at = report.findings.findIndex((f) => f.code === "transfer.campus_not_updated");
  assert(at !== -1, "the demo plants a campus transfer");
  // As a report saved by another version might carry it.
  report.findings[at] = { ...report.findings[at], details: { ...report.findings[at].details, renamed: true } };
  const { sql, skipped, fixed } = renderFixScript(report);
  assert(skipped.some((f) => f === report.findings[at]));
  assertMatch(sql, /not fixed here: its details do not have this version's shape \(transfer\.campus_not_updated: /);
  assert(fixed.length > 0, "the other findings are still fixed");
});
