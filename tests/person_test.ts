import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { join } from "node:path";
import { generateDistrict } from "../lib/demo/generate.ts";
import { plantProblems } from "../lib/demo/plant.ts";
import { runDiagnostics } from "../lib/diagnostics/run.ts";
import { Report } from "../lib/model/findings.ts";
import { aboutPerson, reportAbout } from "../lib/report/person.ts";
import { withCustomer } from "./helpers/customer.ts";
import { withTempDir } from "./helpers/bundle.ts";

function planted() {
  const district = generateDistrict({ students: 300, seed: 6 });
  plantProblems(district);
  return runDiagnostics({ customer: "demo-isd", environment: "embedded", ...district });
}

Deno.test("a person's findings: those naming them in the entity, and a parent's findings listing them as a child", () => {
  const report = planted();
  const mismatch = report.findings.find((f) =>
    f.code === "parent_link.mismatch" && (f.details.missing as Array<{ sourcedId: string }>).length
  )!;
  const child = (mismatch.details.missing as Array<{ sourcedId: string }>)[0].sourcedId;
  const about = reportAbout(report, child);
  assert(about.findings.includes(mismatch), "the parent's mismatch names the child");
  // Written out here, not by the implementation's own predicate: the child's own findings and those listing it.
  const lists = (f: (typeof report.findings)[number]) =>
    ["missing", "unexpected"].flatMap((k) => (f.details[k] as Array<{ sourcedId?: string }> | undefined) ?? []);
  const expected = report.findings.filter((f) =>
    Object.values(f.entity).includes(child) || lists(f).some((s) => s.sourcedId === child)
  );
  assertEquals(about.findings.map((f) => [f.code, f.entity]), expected.map((f) => [f.code, f.entity]));
  assertEquals(about.summary.error + about.summary.warning + about.summary.info, about.findings.length);
  const email = String(mismatch.entity.email);
  assert(reportAbout(report, email.toUpperCase()).findings.includes(mismatch), "an email in any case");
  assertEquals(reportAbout(report, "nobody-at-all").findings, []);
  assertEquals(aboutPerson(mismatch, "student"), false, "a role is not a person");
});

Deno.test({
  name: "diagnose --person narrows the report and the fix script to one person",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withCustomer({}, async ({ settingsDir, env }) => {
      await withTempDir(async (dir) => {
        const run = (args: string[]) =>
          new Deno.Command(Deno.execPath(), {
            args: [
              "run",
              "--allow-all",
              new URL("../tools/diagnose.ts", import.meta.url).pathname,
              "--customer",
              "lincoln-usd",
              "--settings-dir",
              settingsDir,
              "--format",
              "json",
              "--no-history",
              ...args,
            ],
            env: { NO_COLOR: "1", ...env },
            stdout: "piped",
            stderr: "piped",
          }).output();
        const full = Report.parse(JSON.parse(new TextDecoder().decode((await run([])).stdout)));
        const mismatch = full.findings.find((f) => f.code === "parent_link.mismatch")!;
        const email = String(mismatch.entity.email);
        const script = join(dir, "fix.sql");
        const out = await run(["--person", email, "--fix-script", script]);
        assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
        const narrowed = Report.parse(JSON.parse(new TextDecoder().decode(out.stdout)));
        assert(narrowed.findings.length > 0 && narrowed.findings.length < full.findings.length);
        // Every finding names the parent's email or account (written out, not the implementation's predicate).
        for (const f of narrowed.findings) {
          assert(
            f.entity.email === email || f.entity.parentPlatformId === mismatch.entity.parentPlatformId,
            `${f.code} ${JSON.stringify(f.entity)} is about ${email}`,
          );
        }
        const sql = await Deno.readTextFile(script);
        const blocks = sql.match(/^-- \[\d+\] .*$/gm)!;
        assert(blocks.some((b) => b.includes("parent_link.mismatch")));
        assertEquals(blocks.filter((b) => !b.includes(String(mismatch.entity.parentPlatformId))), []);
        const none = await run(["--person", "nobody-at-all"]);
        assertMatch(new TextDecoder().decode(none.stderr), /no finding names "nobody-at-all"/);
      });
    }),
});

Deno.test("a parent's part of the report holds the findings about her account by id, and its comparison is hers", () => {
  const report = planted();
  const stale = report.findings.find((f) => f.code === "transfer.parent_link_on_stale_record")!;
  const mismatch = report.findings.find((f) =>
    f.code === "parent_link.mismatch" && f.entity.parentPlatformId === stale.entity.parentPlatformId
  )!;
  const about = reportAbout(report, String(mismatch.entity.email));
  assert(about.findings.includes(stale), "the stale-record link of her account is hers");
  const compared = {
    ...report,
    findings: report.findings.map((f) => ({ ...f, status: "still_open" as const })),
    comparison: { against: "2026-11-20T00:00:00Z", new: 9, reopened: 0, stillOpen: 99, resolved: [stale] },
  };
  const narrowed = reportAbout(compared, String(mismatch.entity.email));
  assertEquals(narrowed.comparison!.stillOpen, narrowed.findings.length);
  assertEquals(narrowed.comparison!.new, 0);
  assertEquals(reportAbout(compared, "nobody-at-all").comparison!.resolved, []);
});
