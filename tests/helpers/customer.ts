/**
 * A whole customer for end-to-end tests: a generated district with its
 * problems planted, in a fresh test database, its export on disk, and a
 * settings directory naming it.
 */
import { join } from "node:path";
import { generateDistrict } from "../../lib/demo/generate.ts";
import { type PlantedFinding, plantProblems } from "../../lib/demo/plant.ts";
import { writeDemoExport } from "../../lib/demo/export.ts";
import type { DemoDistrict } from "../../lib/demo/generate.ts";
import { type TestDatabase, withTestDatabase } from "./database.ts";
import { withTempDir } from "./bundle.ts";

/** What {@link withCustomer} hands the test. */
export interface TestCustomer {
  customerId: string;
  dir: string;
  settingsDir: string;
  /** STAGING_DATABASE_URL pointing at the test database. */
  env: Record<string, string>;
  district: DemoDistrict;
  planted: PlantedFinding[];
  db: TestDatabase;
}

/** Options of {@link withCustomer}. */
export interface CustomerOptions {
  customerId?: string;
  students?: number;
  seed?: number;
  /** Extra settings fields (hubspot_company_id…). */
  settings?: Record<string, unknown>;
}

/** Runs `fn` with a planted customer on staging (a test database). */
export async function withCustomer(options: CustomerOptions, fn: (c: TestCustomer) => Promise<void>): Promise<void> {
  const customerId = options.customerId ?? "lincoln-usd";
  const district = generateDistrict({ customerId, students: options.students ?? 300, seed: options.seed ?? 8 });
  const planted = plantProblems(district);
  await withTestDatabase(async (db) => {
    await withTempDir(async (dir) => {
      await writeDemoExport(join(dir, "export"), district.roster);
      const settingsDir = join(dir, "settings");
      await Deno.mkdir(settingsDir);
      await Deno.writeTextFile(
        join(settingsDir, `${customerId}.json`),
        JSON.stringify({
          customer_id: customerId,
          customer_name: `${customerId} (test)`,
          integration_type: "oneroster-csv",
          oneshelf_environment: "staging",
          source: { kind: "oneroster-csv", path: "../export" },
          ...options.settings,
        }),
      );
      await fn({ customerId, dir, settingsDir, env: { STAGING_DATABASE_URL: db.url }, district, planted, db });
    });
  }, district.platform);
}
