import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { withTestDatabase } from "./helpers/database.ts";
import { checkConnections, expectedSchema } from "../lib/app/checks.ts";
import { CredentialResolver } from "../lib/credentials/resolver.ts";
import { DEFAULT_SETTINGS_DIR } from "../lib/settings/load.ts";

const dbTest = { sanitizeOps: false, sanitizeResources: false };
const SECRET = "NotThePassword-5521";

Deno.test({
  name: "check-connections: a reachable read-only database with the schema is ok; drift names tables and columns",
  ...dbTest,
  fn: () =>
    withTestDatabase(async (db) => {
      const resolver = new CredentialResolver({ env: { STAGING_DATABASE_URL: db.url } });
      const ok = await checkConnections({
        resolver,
        settingsDir: DEFAULT_SETTINGS_DIR,
        environments: ["staging"],
        customers: [],
      });
      assertEquals(ok.map((r) => [r.target, r.check, r.ok]), [
        ["platform/staging", "credentials", true],
        ["platform/staging", "read-only session", true],
        ["platform/staging", "schema", true],
      ]);
      assertEquals(ok[0].detail, "from env");
      await db.admin`drop table parent_students`;
      await db.admin`alter table students drop column grade`;
      const drift = await checkConnections({
        resolver,
        settingsDir: DEFAULT_SETTINGS_DIR,
        environments: ["staging"],
        customers: [],
      });
      const schema = drift.find((r) => r.check === "schema")!;
      assert(!schema.ok);
      assertMatch(
        schema.detail,
        /schema drift: .*column students\.grade is missing.*table parent_students is missing|schema drift: .*table parent_students is missing.*column students\.grade is missing/,
      );
    }),
});

Deno.test({
  name:
    "check-connections: refused credentials fail without printing the password; a missing credential says what to set",
  ...dbTest,
  fn: () =>
    withTestDatabase(async (db) => {
      const bad = new URL(db.url);
      if (db.kind === "postgres") bad.username = "no_such_role_cdt";
      else bad.port = "1"; // PGlite accepts any user: use an unreachable port instead
      bad.password = SECRET;
      const resolver = new CredentialResolver({ env: { STAGING_DATABASE_URL: bad.toString() } });
      const results = await checkConnections({
        resolver,
        settingsDir: DEFAULT_SETTINGS_DIR,
        environments: ["staging", "production"],
        customers: [],
      });
      const session = results.find((r) => r.target === "platform/staging" && r.check === "read-only session")!;
      assert(!session.ok);
      assertMatch(session.detail, db.kind === "postgres" ? /refused the credentials/ : /cannot reach/);
      assert(!JSON.stringify(results).includes(SECRET));
      const production = results.find((r) => r.target === "platform/production")!;
      assertEquals(production.ok, false);
      assertMatch(production.detail, /PRODUCTION_DATABASE_URL/);
    }),
});

Deno.test("check-connections reaches the demo customer's export and reports a missing one", async () => {
  const resolver = new CredentialResolver({ env: {} });
  const results = await checkConnections({
    resolver,
    settingsDir: DEFAULT_SETTINGS_DIR,
    environments: [],
    customers: ["demo-isd"],
  });
  assertEquals(results.length, 1);
  assertEquals(results[0].target, "customer demo-isd");
  // The demo export exists once deno task demo has run; either way the result says where it looked.
  assertMatch(results[0].detail, /demo-data\/demo-isd\/oneroster/);
});

Deno.test("the expected schema is read from the project's schema.sql", async () => {
  const schema = await expectedSchema();
  assertEquals([...schema.keys()], [
    "districts",
    "campuses",
    "students",
    "teachers",
    "parents",
    "parent_students",
    "classes",
    "enrollments",
    "roster_syncs",
  ]);
  assertEquals(schema.get("parent_students"), ["parent_id", "student_id", "origin", "created_at", "deleted_at"]);
});
