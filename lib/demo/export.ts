/** Writes the demo district's OneRoster export, with the dirt real exports carry. */
import { join } from "node:path";
import { writeOneRosterCsv } from "../sources/oneroster-csv/write.ts";
import type { Roster } from "../model/roster.ts";
import { loadSettings, resolveSettingsPath } from "../settings/load.ts";
import { demoDistrict } from "./demo.ts";
import { DEMO_CUSTOMER_ID } from "./generate.ts";

/**
 * Rows appended to users.csv as a real exporter might write them: one with a
 * misspelt role (rejected and reported, not fatal) and one with the legacy
 * status `inactive` (read as tobedeleted, with a warning).
 */
export const DIRTY_USER_ROWS = [
  "stu-typo-01,,,TRUE,sch-001,studnet,typo.kid,,Tia,Typo,,199999,typo.kid@students.demo-isd.org,,,,03,",
  'stu-gone-01,inactive,2026-05-01,false,sch-001,student,gone.kid,,Gus,Gone,,199998,,,,,"04",',
];

/**
 * Writes `roster` as a OneRoster 1.1 bundle in `dir`: BOM, CRLF, blank
 * status for active rows, and {@link DIRTY_USER_ROWS} appended.
 *
 * @example
 * await writeDemoExport("demo-data/demo-isd/oneroster", demoDistrict().roster);
 */
export async function writeDemoExport(dir: string, roster: Roster): Promise<void> {
  await writeOneRosterCsv(dir, roster, { bom: true, crlf: true, blankActiveStatus: true });
  const users = join(dir, "users.csv");
  await Deno.writeTextFile(users, DIRTY_USER_ROWS.map((r) => r + "\r\n").join(""), { append: true });
}

/**
 * Writes the demo district's export when the demo customer is configured and
 * its export is missing (the server and the notebooks need it; `deno task demo`
 * always rewrites it).
 *
 * @example
 * await ensureDemoExport(settingsDir(undefined, Deno.env.toObject()));
 */
export async function ensureDemoExport(settingsDir: string): Promise<void> {
  const loaded = await loadSettings(settingsDir, DEMO_CUSTOMER_ID).catch(() => undefined);
  if (!loaded || loaded.settings.source.kind !== "oneroster-csv") return;
  const path = resolveSettingsPath(loaded, loaded.settings.source.path);
  try {
    await Deno.stat(path);
  } catch {
    await writeDemoExport(path, demoDistrict().roster);
  }
}
