import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { join } from "node:path";
import { withTestDatabase } from "./helpers/database.ts";
import { withTempDir } from "./helpers/bundle.ts";
import { generateDistrict } from "../lib/demo/generate.ts";
import { plantProblems } from "../lib/demo/plant.ts";
import { writeDemoExport } from "../lib/demo/export.ts";
import { runDiagnostics } from "../lib/diagnostics/run.ts";
import { concerns, lookupPerson, type LookupQuery } from "../lib/app/lookup.ts";
import { renderLookup } from "../lib/report/lookup.ts";

const key = (f: { code: string; entity: unknown }) => `${f.code} ${JSON.stringify(f.entity)}`;

/** The district in a test database (staging), its export on disk and a settings file naming both (customer look-usd). */
function withLookupCustomer(
  district: ReturnType<typeof generateDistrict>,
  fn: (dir: string, db: { url: string }) => Promise<void>,
): Promise<void> {
  return withTestDatabase(async (db) => {
    await withTempDir(async (dir) => {
      await writeDemoExport(join(dir, "export"), district.roster);
      await Deno.mkdir(join(dir, "settings"));
      await Deno.writeTextFile(
        join(dir, "settings", "look-usd.json"),
        JSON.stringify({
          customer_id: "look-usd",
          customer_name: "Lookup USD",
          integration_type: "oneroster-csv",
          oneshelf_environment: "staging",
          source: { kind: "oneroster-csv", path: "../export" },
        }),
      );
      await fn(dir, db);
    });
  }, district.platform);
}

Deno.test({
  name: "a lookup reads a focused slice yet reports exactly the full diagnosis's findings about that person",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const district = generateDistrict({ customerId: "look-usd", students: 600, seed: 31 });
    const planted = plantProblems(district);
    const full = runDiagnostics({
      customer: "look-usd",
      environment: "staging",
      roster: district.roster,
      platform: district.platform,
    });
    const queries: LookupQuery[] = [];
    const queryPlants: typeof planted = [];
    for (const p of planted) {
      const before = queries.length;
      const e = p.entity;
      if (
        p.code.startsWith("student.") || p.code === "transfer.campus_not_updated" ||
        p.code === "transfer.stale_enrollments"
      ) {
        queries.push({ kind: "student", key: String(e.sourcedId) });
      } else if (p.code === "transfer.duplicate_student") {
        queries.push({ kind: "student", key: String(e.studentNumber) });
      } else if (
        p.code === "parent_link.mismatch" || p.code === "parent_email.shared" || p.code === "parent.missing_in_platform"
      ) {
        queries.push({ kind: "parent", key: String(e.email) });
      } else if (p.code.startsWith("teacher.")) queries.push({ kind: "teacher", key: String(e.sourcedId) });
      else if (p.code.startsWith("class.")) queries.push({ kind: "class", key: String(e.sourcedId) });
      if (queries.length > before) queryPlants.push(p);
    }
    // What each lookup must show at least, decided by the plant, not by the implementation's own concerns().
    const plantedFor = new Map<string, Set<string>>();
    for (const [i, q] of queries.entries()) {
      const id = `${q.kind}:${q.key}`;
      plantedFor.set(id, (plantedFor.get(id) ?? new Set()).add(key(queryPlants[i])));
    }
    const unique = [...new Map(queries.map((q) => [`${q.kind}:${q.key}`, q])).values()];
    assert(unique.length >= 20, `${unique.length} lookups`);
    await withLookupCustomer(district, async (dir, db) => {
      for (const query of unique) {
        const result = await lookupPerson({
          customerId: "look-usd",
          settingsDir: join(dir, "settings"),
          query,
          env: { STAGING_DATABASE_URL: db.url },
        });
        const concern = new Set(result.concern);
        const expected = full.findings.filter((f) => concerns(f, concern)).map(key);
        assertEquals(result.findings.map(key), expected, `${query.kind} ${query.key}`);
        for (const k of plantedFor.get(`${query.kind}:${query.key}`)!) {
          assert(result.findings.map(key).includes(k), `${query.kind} ${query.key} shows its planted ${k}`);
        }
        assert(result.findings.length > 0, `${query.kind} ${query.key} has a planted finding`);
        assert(
          result.platform.students.length < district.platform.students.length / 5,
          "the platform read is focused",
        );
        assertMatch(renderLookup(result), new RegExp(`^Lookup ${query.kind} "`));
      }
    });
  },
});

Deno.test({
  name: "a student lookup by name ignores accents and case on both sides (ramirez finds Ramírez)",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const district = generateDistrict({ customerId: "look-usd", students: 300, seed: 5 });
    const accented = district.roster.users.filter((u) => u.role === "student" && /[áéíóúñ]/.test(u.familyName));
    const [target, gone] = accented;
    assert(gone, "the generated district has students with accented family names");
    const plainName = (u: typeof target) =>
      `${u.givenName} ${u.familyName}`.normalize("NFD").replace(/\p{M}/gu, "").toUpperCase();
    const plain = plainName(target);
    // One of them only the platform knows, so only the database's own search can find them.
    district.roster.users = district.roster.users.filter((u) => u !== gone);
    district.roster.enrollments = district.roster.enrollments.filter((e) => e.userSourcedId !== gone.sourcedId);
    await withLookupCustomer(district, async (dir, db) => {
      const result = await lookupPerson({
        customerId: "look-usd",
        settingsDir: join(dir, "settings"),
        query: { kind: "student", key: plain },
        env: { STAGING_DATABASE_URL: db.url },
      });
      assert(result.people.includes(target.sourcedId), `${plain} found ${result.people.join(", ")}`);
      const row = result.platform.students.find((s) => s.sourceId === target.sourcedId);
      assert(row, "the platform side found the same student by the unaccented name");
      const onlyPlatform = await lookupPerson({
        customerId: "look-usd",
        settingsDir: join(dir, "settings"),
        query: { kind: "student", key: plainName(gone).toLowerCase() },
        env: { STAGING_DATABASE_URL: db.url },
      });
      assert(
        onlyPlatform.platform.students.some((s) => s.sourceId === gone.sourcedId),
        "the platform's search folds accents too",
      );
    });
  },
});

Deno.test({
  name:
    "a class looked up by a number too long to be a platform id is searched as a source id or code, never sent to the database as one",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const district = generateDistrict({ customerId: "look-usd", students: 60, seed: 7 });
    const cls = district.roster.classes[0];
    // A class whose source id is a long number (an SIS's own): found by it, though it is no platform id.
    const long = "90071992547409930001";
    district.roster.classes[0] = { ...cls, sourcedId: long };
    district.roster.enrollments = district.roster.enrollments.map((e) =>
      e.classSourcedId === cls.sourcedId ? { ...e, classSourcedId: long } : e
    );
    await withLookupCustomer(district, async (dir, db) => {
      const lookup = (key: string) =>
        lookupPerson({
          customerId: "look-usd",
          settingsDir: join(dir, "settings"),
          query: { kind: "class", key },
          env: { STAGING_DATABASE_URL: db.url },
        });
      // 1e+23 once made a number, and past bigint's range: the database refused both, an internal error.
      for (const key of ["99999999999999999999999", "99999999999999999999", "9007199254740993"]) {
        const result = await lookup(key);
        assertEquals(result.platform.classes, [], key);
      }
      const found = await lookup(long);
      assertEquals(found.roster.classes.map((c) => c.sourcedId), [long]);
    });
  },
});
