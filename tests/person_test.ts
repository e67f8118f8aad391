import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { join } from "node:path";
import { generateDistrict } from "../lib/demo/generate.ts";
import { plantProblems } from "../lib/demo/plant.ts";
import { runDiagnostics } from "../lib/diagnostics/run.ts";
import { Report } from "../lib/diagnostics/findings.ts";
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
  for (const f of about.findings) assert(aboutPerson(f, child));
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
        for (const f of narrowed.findings) assert(aboutPerson(f, email), `${f.code} is about ${email}`);
        const sql = await Deno.readTextFile(script);
        const blocks = sql.match(/^-- \[\d+\] .*$/gm)!;
        assert(blocks.some((b) => b.includes("parent_link.mismatch")));
        assertEquals(blocks.filter((b) => !b.includes(String(mismatch.entity.parentPlatformId))), []);
        const none = await run(["--person", "nobody-at-all"]);
        assertMatch(new TextDecoder().decode(none.stderr), /no finding names "nobody-at-all"/);
      });
    }),
});
