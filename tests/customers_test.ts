import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { join } from "node:path";
import { withTempDir } from "./helpers/bundle.ts";
import { writeDemoExport } from "../lib/demo/export.ts";
import { generateDistrict } from "../lib/demo/generate.ts";

const CUSTOMERS = new URL("../tools/customers.ts", import.meta.url).pathname;

async function run(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", CUSTOMERS, ...args],
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("customers add writes a validated settings file, checks its source, and customers lists it", async () => {
  await withTempDir(async (dir) => {
    const settings = join(dir, "settings");
    await Deno.mkdir(settings);
    await writeDemoExport(join(dir, "export"), generateDistrict({ students: 40, seed: 3 }).roster);
    const add = [
      "add",
      "--settings-dir",
      settings,
      "--id",
      "lincoln-usd",
      "--name",
      "Lincoln USD",
      "--env",
      "staging",
      "--kind",
      "oneroster-csv",
      "--path",
      join(dir, "export"),
    ];
    const r = await run(add);
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stdout, /wrote .*lincoln-usd\.json/);
    assertMatch(r.stdout, /ok +roster source: .*export: \d+ files/);
    assertMatch(r.stdout, /next: deno task diagnose --customer lincoln-usd/);
    const saved = JSON.parse(await Deno.readTextFile(join(settings, "lincoln-usd.json")));
    assertEquals(saved.source, { kind: "oneroster-csv", path: join(dir, "export") });
    assertEquals(saved.integration_type, "oneroster-csv");

    const again = await run(add);
    assertEquals(again.code, 2);
    assertMatch(again.stderr, /lincoln-usd\.json exists already/);

    const list = await run(["--settings-dir", settings, "--json"]);
    assertEquals(list.code, 0, list.stderr);
    assertEquals(JSON.parse(list.stdout), [{
      id: "lincoln-usd",
      name: "Lincoln USD",
      environment: "staging",
      source: "oneroster-csv",
      location: join(dir, "export"),
    }]);
  });
});

Deno.test("customers add refuses a bad answer naming the field, and writes nothing", async () => {
  await withTempDir(async (dir) => {
    const r = await run([
      "add",
      "--settings-dir",
      dir,
      "--id",
      "Lincoln USD",
      "--name",
      "x",
      "--env",
      "staging",
      "--kind",
      "oneroster-rest",
      "--url",
      "ftp://x",
    ]);
    assertEquals(r.code, 2);
    assertMatch(r.stderr, /field "customer_id" must be a lower-case slug/);
    assertMatch(r.stderr, /field "source\.baseUrl" must be an http\(s\) URL/);
    assertEquals([...Deno.readDirSync(dir)], []);
    const missing = await run(["add", "--settings-dir", dir]);
    assertEquals(missing.code, 2);
    assertMatch(missing.stderr, /customer id is needed: give it as a flag/);
  });
});

Deno.test("a settings file that cannot be used is listed with its problem, and the listing exits 1", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "broken-isd.json"), "{");
    const r = await run(["--settings-dir", dir]);
    assertEquals(r.code, 1);
    assertMatch(r.stdout, /broken-isd +- +- +- +PROBLEM: .*not valid JSON/);
  });
});

Deno.test("every tool answers --version with the cdt version", async () => {
  for (const tool of ["diagnose", "lookup", "demo", "customers", "check-connections", "vault", "ticket"]) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", new URL(`../tools/${tool}.ts`, import.meta.url).pathname, "--version"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assertEquals(out.code, 0, `${tool}: ${new TextDecoder().decode(out.stderr)}`);
    assert(/^cdt \d+\.\d+\.\d+ \(deno /.test(text), `${tool} printed ${text}`);
  }
});
