/** A generated district with planted problems, its OneRoster export, settings and platform database, for workspace tests. */
import { join } from "node:path";
import { withTestDatabase } from "./database.ts";
import { withTempDir } from "./bundle.ts";
import { generateDistrict } from "../../lib/demo/generate.ts";
import { plantProblems } from "../../lib/demo/plant.ts";
import { writeDemoExport } from "../../lib/demo/export.ts";

/** The customer id of {@link withDistrict}'s settings. */
export const CUSTOMER = "ws-usd";

/** What {@link withDistrict} hands its callback. */
export interface DistrictContext {
  dir: string;
  exportDir: string;
  settingsDir: string;
  env: Record<string, string>;
  district: ReturnType<typeof generateDistrict>;
  planted: ReturnType<typeof plantProblems>;
}

/**
 * Runs `fn` with a generated district (seed 77, problems planted), its export in a temporary folder, settings that
 * read it, and a test platform database as STAGING_DATABASE_URL.
 *
 * @example
 * await withDistrict(200, async ({ settingsDir, env }) => { … });
 */
export async function withDistrict(students: number, fn: (ctx: DistrictContext) => Promise<void>): Promise<void> {
  const district = generateDistrict({ customerId: CUSTOMER, students, seed: 77 });
  const planted = plantProblems(district);
  await withTestDatabase(async (db) => {
    await withTempDir(async (dir) => {
      const exportDir = join(dir, "export");
      await writeDemoExport(exportDir, district.roster);
      const settingsDir = join(dir, "settings");
      await Deno.mkdir(settingsDir);
      await Deno.writeTextFile(
        join(settingsDir, `${CUSTOMER}.json`),
        JSON.stringify({
          customer_id: CUSTOMER,
          customer_name: "Workspace USD",
          integration_type: "oneroster-csv",
          oneshelf_environment: "staging",
          source: { kind: "oneroster-csv", path: "../export" },
        }),
      );
      await fn({ dir, exportDir, settingsDir, env: { STAGING_DATABASE_URL: db.url }, district, planted });
    });
  }, district.platform);
}
