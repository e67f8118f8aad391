import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { join } from "node:path";
import { withTempDir } from "./helpers/bundle.ts";
import { AuditRecord, createAuditor } from "../lib/audit.ts";
import { withTestDatabase } from "./helpers/database.ts";
import { generateDistrict } from "../lib/demo/generate.ts";
import { plantProblems } from "../lib/demo/plant.ts";
import { writeDemoExport } from "../lib/demo/export.ts";

Deno.test("many concurrent writers, in several processes, leave every audit line whole", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "audit.jsonl");
    const writers = 6;
    const lines = 150;
    await Promise.all(Array.from({ length: writers }, (_, w) =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          new URL("./fakes/audit-writer.ts", import.meta.url).pathname,
          path,
          String(w),
          String(lines),
        ],
      }).output().then((o) => assert(o.success, new TextDecoder().decode(o.stderr)))));
    const text = await Deno.readTextFile(path);
    const records = text.trimEnd().split("\n").map((l) => AuditRecord.parse(JSON.parse(l)));
    assertEquals(records.length, writers * lines);
    for (let w = 0; w < writers; w++) {
      assertEquals(new Set(records.filter((r) => r.records.writer === w).map((r) => r.records.i)).size, lines);
    }
  });
});

Deno.test({
  name:
    "diagnose and lookup each write one audit line with the purpose, counts and a hashed subject, never a name or an email, nor a secret",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const district = generateDistrict({ customerId: "audit-usd", students: 200, seed: 61 });
    plantProblems(district);
    await withTestDatabase(async (db) => {
      await withTempDir(async (dir) => {
        await writeDemoExport(join(dir, "export"), district.roster);
        await Deno.mkdir(join(dir, "settings"));
        await Deno.writeTextFile(
          join(dir, "settings", "audit-usd.json"),
          JSON.stringify({
            customer_id: "audit-usd",
            customer_name: "Audit USD",
            integration_type: "oneroster-csv",
            oneshelf_environment: "staging",
            source: { kind: "oneroster-csv", path: "../export" },
          }),
        );
        const secret = "PlantedSecret-91827";
        const u = new URL(db.url);
        u.password = secret; // trust auth ignores it; it must still never be written anywhere
        const env = {
          STAGING_DATABASE_URL: u.toString(),
          CDT_AUDIT_LOG: join(dir, "audit.jsonl"),
          CDT_APP_LOG: join(dir, "app.log"),
          CDT_AUDIT_KEY: "test-key",
        };
        const tool = (name: string) => new URL(`../tools/${name}.ts`, import.meta.url).pathname;
        const run = (script: string, args: string[]) =>
          new Deno.Command(Deno.execPath(), {
            args: ["run", "--allow-all", script, ...args],
            env,
            stdout: "piped",
            stderr: "piped",
          }).output();
        const student = district.roster.users.find((x) => x.role === "student")!;
        const d = await run(tool("diagnose"), [
          "--customer",
          "audit-usd",
          "--settings-dir",
          join(dir, "settings"),
          "--format",
          "json",
          "--ticket",
          "4711",
          "--dry-run",
        ]);
        assert(d.success, new TextDecoder().decode(d.stderr));
        const l = await run(tool("lookup"), [
          "--customer",
          "audit-usd",
          "--settings-dir",
          join(dir, "settings"),
          "--student",
          student.sourcedId,
        ]);
        assert(l.success, new TextDecoder().decode(l.stderr));
        const audit = await Deno.readTextFile(join(dir, "audit.jsonl"));
        const [diag, look] = audit.trimEnd().split("\n").map((line) => AuditRecord.parse(JSON.parse(line)));
        assertEquals([diag.customer, diag.environment, diag.purpose], ["audit-usd", "staging", "hubspot-ticket:4711"]);
        assert(diag.operation.startsWith("diagnose") && diag.records.findings > 0 && diag.records.sourceRecords > 0);
        assertEquals(look.operation, "lookup student");
        assert(look.subject && /^[0-9a-f]{32}$/.test(look.subject));
        for (const forbidden of [student.sourcedId, student.givenName, student.familyName, "@", secret]) {
          assert(!audit.includes(forbidden), `the audit log holds ${forbidden}`);
        }
        const everything = [
          audit,
          new TextDecoder().decode(d.stdout),
          new TextDecoder().decode(d.stderr),
          new TextDecoder().decode(l.stdout),
        ]
          .join("\n") + await Deno.readTextFile(join(dir, "app.log")).catch(() => "");
        assert(!everything.includes(secret), "the planted secret reached an output");
      });
    }, district.platform);
  },
});

Deno.test("the process auditor keeps a subject key of its own, readable by the user only", async () => {
  await withTempDir(async (dir) => {
    const auditor = await createAuditor({}, { path: join(dir, "audit.jsonl") });
    const again = await createAuditor({}, { path: join(dir, "audit.jsonl") });
    assertEquals(await auditor.subject("stu-1"), await again.subject("stu-1"));
    assertEquals((await Deno.stat(join(dir, ".audit-key"))).mode! & 0o077, 0);
  });
});

Deno.test("an audit log the task may not write fails closed before any read, naming CDT_AUDIT_LOG and what to do", async () => {
  const outside = await Deno.makeTempDir({ prefix: "cdt-audit-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      // The lookup task's own permissions: it may write only under logs/.
      args: [
        "run",
        "--allow-read",
        "--allow-write=logs",
        "--allow-env",
        "--allow-net",
        "--allow-sys",
        new URL("../tools/lookup.ts", import.meta.url).pathname,
        "--customer",
        "demo-isd",
        "--student",
        "stu-1",
        "--source",
        new URL("./fixtures/oneroster-1.1-dirty", import.meta.url).pathname,
      ],
      cwd: new URL("..", import.meta.url).pathname,
      env: { CDT_AUDIT_LOG: `${outside}/audit.jsonl`, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 2, stderr);
    assertMatch(stderr, /CDT_AUDIT_LOG points to .*audit\.jsonl, where this process may not write/);
    assertMatch(stderr, /--allow-write=/);
    assertEquals(new TextDecoder().decode(out.stdout), "", "nothing was read or printed");
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});
