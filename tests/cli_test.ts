import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { withTempDir } from "./helpers/bundle.ts";
import { plantedCheck } from "../lib/demo/check.ts";
import { withCustomer as withPlantedCustomer } from "./helpers/customer.ts";
import { Report } from "../lib/model/findings.ts";

const DIAGNOSE = new URL("../tools/diagnose.ts", import.meta.url).pathname;
const DEMO = new URL("../tools/demo.ts", import.meta.url).pathname;
const dbTest = { sanitizeOps: false, sanitizeResources: false };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(script: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
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

Deno.test("diagnose --help prints the options and exits 0", async () => {
  const r = await run(DIAGNOSE, ["--help"]);
  assertEquals(r.code, 0);
  for (
    const flag of ["--customer", "--tool", "--env", "--source", "--settings-dir", "--format", "--out", "--fail-on"]
  ) {
    assert(r.stdout.includes(flag), `help mentions ${flag}`);
  }
});

Deno.test("usage and configuration errors exit 2 with one clear line", async () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /--customer is required/],
    [["--customer", "../etc"], /--customer "\.\.\/etc" is not a customer id/],
    [["--customer", "demo-isd", "--bogus"], /Unknown option '--bogus'/],
    [["--customer", "demo-isd", "--env", "prod"], /--env "prod" is not an environment/],
    [["--customer", "demo-isd", "--format", "xml"], /--format "xml" must be one of table, json, csv, md/],
    [["--customer", "demo-isd", "--tool", "nope"], /--tool "nope" is not a tool/],
    [["--customer", "demo-isd", "--fail-on", "info"], /--fail-on "info" must be error or warning/],
    [["--customer", "nobody-usd"], /no settings for customer "nobody-usd"/],
    [
      ["--customer", "demo-isd", "--env", "production"],
      /credential "platform\/production" is not configured; tried environment \(PRODUCTION_DATABASE_URL/,
    ],
  ];
  for (const [args, pattern] of cases) {
    const r = await run(DIAGNOSE, args, { PRODUCTION_DATABASE_URL: "" });
    assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assertMatch(r.stderr, pattern);
    assertEquals(r.stdout, "", "nothing on stdout but a report");
  }
});

Deno.test({
  name: "diagnose --format json on a real database reports every planted finding in the findings.md shape",
  ...dbTest,
  fn: () =>
    withPlantedCustomer({}, async ({ settingsDir, env, planted }) => {
      const r = await run(
        DIAGNOSE,
        ["--customer", "lincoln-usd", "--settings-dir", settingsDir, "--format", "json"],
        env,
      );
      assertEquals(r.code, 0, r.stderr);
      const report = Report.strict().parse(JSON.parse(r.stdout));
      assertEquals(report.customer, "lincoln-usd");
      assertEquals(report.environment, "staging");
      assertEquals(report.source, { kind: "oneroster-csv", version: "1.1" });
      const check = plantedCheck(planted, report.findings);
      assert(check.ok, check.message);
      assert(report.warnings.some((w) =>
        w.code === "source.bad_row" && /users\.csv:\d+: column "role" has "studnet"/.test(w.message)
      ));
    }),
});

Deno.test({
  name: "--fail-on error exits 1 when errors exist; --out writes the report and keeps stdout empty",
  ...dbTest,
  fn: () =>
    withPlantedCustomer({}, async ({ settingsDir, env }) => {
      const fail = await run(DIAGNOSE, [
        "--customer",
        "lincoln-usd",
        "--settings-dir",
        settingsDir,
        "--fail-on",
        "error",
      ], env);
      assertEquals(fail.code, 1);
      await withTempDir(async (dir) => {
        const out = join(dir, "report.csv");
        const r = await run(DIAGNOSE, ["--customer", "lincoln-usd", "--settings-dir", settingsDir, "--out", out], env);
        assertEquals(r.code, 0, r.stderr);
        assertEquals(r.stdout, "");
        assertMatch(r.stderr, /wrote .*report\.csv: \d+ errors, \d+ warnings/);
        const rows = parse(await Deno.readTextFile(out), { columns: true }) as Array<Record<string, string>>;
        assert(rows.length > 50);
        assertEquals(Object.keys(rows[0]), [
          "tool",
          "code",
          "severity",
          "entity",
          "message",
          "action",
          "explanation",
          "details",
        ]);
      });
    }),
});

Deno.test({
  name: "--source replaces the settings' export, and a missing export is a failure naming the path",
  ...dbTest,
  fn: () =>
    withPlantedCustomer({}, async ({ settingsDir, env }) => {
      const r = await run(DIAGNOSE, [
        "--customer",
        "lincoln-usd",
        "--settings-dir",
        settingsDir,
        "--source",
        "/nonexistent/export.zip",
      ], env);
      assertEquals(r.code, 1);
      assertMatch(r.stderr, /^error: \/nonexistent\/export\.zip: no such file or directory/);
    }),
});

/** Runs a deno task exactly as a user would, with the task's own permissions. */
async function task(name: string, args: string[] = []): Promise<Run> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", name, ...args],
    cwd: new URL("..", import.meta.url).pathname,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test({
  name: "deno task demo and deno task lookup work with the permissions their tasks grant",
  ...dbTest,
  fn: async () => {
    const demo = await task("demo");
    assertEquals(demo.code, 0, demo.stderr);
    assertMatch(demo.stderr, /Demo check: all \d+ planted findings/);
    const lookup = await task("lookup", ["--customer", "demo-isd", "--parent", "noemail@demo-isd.org"]);
    assertEquals(lookup.code, 0, lookup.stderr);
    assertMatch(lookup.stdout, /^Lookup parent "noemail@demo-isd\.org" in demo-isd \(embedded\)/);
  },
});

Deno.test({
  name: "deno task demo writes the export, diagnoses the embedded district and finds every planted problem",
  ...dbTest,
  fn: async () => {
    const r = await run(DEMO, []);
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stdout, /^Diagnosis of demo-isd \(embedded\) from oneroster-csv 1\.1/);
    assertMatch(r.stdout, /SUMMARY: \d+ errors, \d+ warnings/);
    assertMatch(r.stderr, /Demo check: all \d+ planted findings \(\d+ codes\) were found, and nothing else\./);
    assertMatch(
      r.stderr,
      /Next, try:\n {2}deno task lookup --customer demo-isd --parent \S+@\S+ +# why this parent cannot see her child/,
    );
  },
});

Deno.test("an embedded customer whose export is not written yet is told to run deno task demo first", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(
      join(dir, "demo-isd.json"),
      JSON.stringify({
        customer_id: "demo-isd",
        customer_name: "Demo",
        integration_type: "oneroster-csv",
        oneshelf_environment: "embedded",
        source: { kind: "oneroster-csv", path: "../not-written-yet" },
      }),
    );
    for (const script of [DIAGNOSE, new URL("../tools/lookup.ts", import.meta.url).pathname]) {
      const r = await run(
        script,
        ["--customer", "demo-isd", "--settings-dir", dir, "--student", "stu-1"].slice(
          0,
          script === DIAGNOSE ? 4 : 6,
        ),
      );
      assertEquals(r.code, 2, r.stderr);
      assertMatch(r.stderr, /not-written-yet: demo-isd's export is not there yet: run `deno task demo` first/);
    }
  });
});

Deno.test("diagnose --tool roster-check --source needs no customer and no database", async () => {
  const dirty = new URL("./fixtures/oneroster-1.1-dirty", import.meta.url).pathname;
  const r = await run(DIAGNOSE, ["--tool", "roster-check", "--source", dirty, "--format", "json"], {
    STAGING_DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
  });
  assertEquals(r.code, 0, r.stderr);
  const report = Report.strict().parse(JSON.parse(r.stdout));
  assertEquals([report.customer, report.environment, report.tools], ["(none)", "none", ["roster-check"]]);
  assert(report.findings.some((f) => f.code === "row.rejected" && f.entity.line === 9));
  assert(report.findings.some((f) => f.code === "header.misspelt_column" && f.entity.column === "midleName"));
  const table = await run(DIAGNOSE, [
    "--tool",
    "roster-check",
    "--source",
    dirty,
    "--format",
    "table",
    "--fail-on",
    "error",
  ]);
  assertEquals(table.code, 1);
  assertMatch(table.stdout, /^Check of a oneroster-csv 1\.1 export, /);
  const noSource = await run(DIAGNOSE, ["--tool", "roster-check"]);
  assertEquals(noSource.code, 2);
  assertMatch(noSource.stderr, /--customer is required \(unless --tool roster-check runs alone on --source\)/);
});

Deno.test({
  name: "lookup: a miss says nobody matches and exits 3; --format md --out writes a ticket-ready file",
  ...dbTest,
  fn: () =>
    withPlantedCustomer({}, async ({ settingsDir, env, planted }) => {
      const LOOKUP = new URL("../tools/lookup.ts", import.meta.url).pathname;
      const base = ["--customer", "lincoln-usd", "--settings-dir", settingsDir, "--no-workspace"];
      const miss = await run(LOOKUP, [...base, "--parent", "nobody@nowhere.example"], env);
      assertEquals(miss.code, 3, miss.stderr);
      assertMatch(miss.stderr, /nobody matches parent "nobody@nowhere\.example" in lincoln-usd's roster or platform/);
      assertEquals(/agree about them/.test(miss.stdout), false);
      const parent = planted.find((p) => p.code === "parent_link.mismatch")!;
      await withTempDir(async (dir) => {
        const out = join(dir, "lookup.md");
        const hit = await run(LOOKUP, [...base, "--parent", String(parent.entity.email), "--out", out], env);
        assertEquals(hit.code, 0, hit.stderr);
        assertEquals(hit.stdout, "");
        const md = await Deno.readTextFile(out);
        assertMatch(md, /^# Lookup parent /);
        assertMatch(md, /\n## FINDINGS \\\(\d+\\\)\n/);
        assertMatch(md, /parent\\_link\.mismatch/);
        const missing = await run(LOOKUP, [...base, "--parent", "x@y.z", "--out", join(dir, "no", "such.md")], env);
        assertEquals(missing.code, 2);
        assertMatch(missing.stderr, /--out .*such\.md: the directory .* does not exist/);
      });
    }),
});
