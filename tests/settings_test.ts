import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "./helpers/assert.ts";
import { join, resolve } from "node:path";
import {
  checkCustomerId,
  DEFAULT_SETTINGS_DIR,
  loadSettings,
  parseSettings,
  resolveSettingsPath,
  settingsDir,
  SettingsError,
} from "../lib/settings/load.ts";
import { withTempDir } from "./helpers/bundle.ts";

const VALID = {
  customer_id: "lincoln-usd",
  customer_name: "Lincoln Unified",
  integration_type: "oneroster-csv",
  oneshelf_environment: "production",
  source: { kind: "oneroster-csv", path: "../exports/lincoln" },
};

Deno.test("the committed demo settings load and point at the demo export", async () => {
  const loaded = await loadSettings(DEFAULT_SETTINGS_DIR, "demo-isd");
  assertEquals(loaded.settings.customer_id, "demo-isd");
  assertEquals(loaded.warnings, []);
  const source = loaded.settings.source;
  assert(source.kind === "oneroster-csv");
  assert(resolveSettingsPath(loaded, source.path).endsWith(join("demo-data", "demo-isd", "oneroster")));
});

Deno.test("unknown keys are kept and warned about", () => {
  const loaded = parseSettings(JSON.stringify({ ...VALID, hubspot_company: "42" }), "lincoln-usd.json", "lincoln-usd");
  assertEquals(loaded.settings.hubspot_company, "42");
  assertMatch(loaded.warnings[0], /lincoln-usd\.json: unknown field "hubspot_company" kept but not used/);
});

Deno.test("malformed JSON names the file, line and column", () => {
  const text =
    '{\n  "customer_id": "lincoln-usd",\n  "customer_name": "Lincoln"\n  "integration_type": "oneroster-csv"\n}';
  const err = assertThrows(() => parseSettings(text, "lincoln-usd.json"), SettingsError);
  assertMatch(err.message, /^lincoln-usd\.json:4:3: not valid JSON/);
});

Deno.test("a missing or wrong field is named with what it must be", () => {
  const { customer_name: _, ...noName } = VALID;
  assertMatch(
    assertThrows(() => parseSettings(JSON.stringify(noName), "x.json"), SettingsError).message,
    /x\.json: field "customer_name" is missing/,
  );
  assertMatch(
    assertThrows(
      () => parseSettings(JSON.stringify({ ...VALID, oneshelf_environment: "prod" }), "x.json"),
      SettingsError,
    )
      .message,
    /x\.json: field "oneshelf_environment" must be one of "staging", "production", "embedded"/,
  );
  assertMatch(
    assertThrows(
      () => parseSettings(JSON.stringify({ ...VALID, source: { kind: "oneroster-csv" } }), "x.json"),
      SettingsError,
    )
      .message,
    /x\.json: field "source\.path" is missing/,
  );
  assertMatch(
    assertThrows(() => parseSettings(JSON.stringify({ ...VALID, customer_id: "Lincoln USD" }), "x.json"), SettingsError)
      .message,
    /field "customer_id" must be a lower-case slug/,
  );
});

Deno.test("customer_id must equal the file name", () => {
  const err = assertThrows(() => parseSettings(JSON.stringify(VALID), "dir/other.json", "other"), SettingsError);
  assertMatch(err.message, /field "customer_id" is "lincoln-usd" but the file is named other\.json/);
});

Deno.test("a --customer value that is not a slug is refused before any file is opened", async () => {
  for (const bad of ["../x", "a/b", "Demo", "", "-x", "x.json"]) {
    assertThrows(() => checkCustomerId(bad), SettingsError);
    // The directory does not exist: the refusal must come first.
    const err = await assertRejects(() => loadSettings("/nonexistent-dir", bad), SettingsError);
    assertMatch(err.message, /is not a customer id/);
  }
});

Deno.test("an unknown customer lists the known ones", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "lincoln-usd.json"), JSON.stringify(VALID));
    const err = await assertRejects(() => loadSettings(dir, "adams-usd"), SettingsError);
    assertMatch(err.message, /no settings for customer "adams-usd".*known customers: lincoln-usd/);
    const loaded = await loadSettings(dir, "lincoln-usd");
    assertEquals(resolveSettingsPath(loaded, "../exports/lincoln"), resolve(dir, "../exports/lincoln"));
  });
});

Deno.test("the settings directory is --settings-dir, else CDT_SETTINGS_DIR, else the project's", () => {
  assertEquals(settingsDir("/a", { CDT_SETTINGS_DIR: "/b" }), "/a");
  assertEquals(settingsDir(undefined, { CDT_SETTINGS_DIR: "/b" }), "/b");
  assertEquals(settingsDir(undefined, {}), DEFAULT_SETTINGS_DIR);
});
