/**
 * `deno task demo`: the main job on the embedded demo district. Writes the
 * district's OneRoster export (with known problems planted), builds its
 * platform database in memory, and runs the diagnosis on them.
 */
import { detailsOf } from "../lib/model/details.ts";
import { demoDistrict } from "../lib/demo/demo.ts";
import { writeDemoExport } from "../lib/demo/export.ts";
import { diagnoseCustomer } from "../lib/app/diagnose.ts";
import { renderReport, ReportFormat, wantsColor } from "../lib/report/mod.ts";
import { loadSettings, resolveSettingsPath, settingsDir } from "../lib/settings/load.ts";
import { EXIT, UsageError } from "../lib/cli/errors.ts";
import { runMain } from "../lib/cli/main.ts";
import { parseCli } from "../lib/cli/args.ts";
import { progressPrinter } from "../lib/cli/progress.ts";
import { DEMO_CUSTOMER_ID } from "../lib/demo/generate.ts";
import { plantedCheck } from "../lib/demo/check.ts";
import type { Finding } from "../lib/model/findings.ts";

const HELP = `Usage: deno task demo [--format table|json|csv|md]

Runs the diagnosis on the demo district "${DEMO_CUSTOMER_ID}" (about 1,200 students
over 3 campuses), which needs no database server and no credentials:

  1. writes its OneRoster 1.1 CSV export to demo-data/${DEMO_CUSTOMER_ID}/oneroster/,
     with known problems planted in it;
  2. builds its platform database in memory (PGlite), read through the same
     read-only connector as staging and production;
  3. runs every diagnostic and prints the report, then checks that every
     planted problem was found.

The same data every run. To re-run the diagnosis alone afterwards:
  deno task diagnose --customer ${DEMO_CUSTOMER_ID} --env embedded
`;

const encoder = new TextEncoder();
const stderr = (text: string) => Deno.stderr.writeSync(encoder.encode(text));

async function main(args: string[]): Promise<number> {
  const parsed = parseCli(args, { format: { type: "string" } }, HELP);
  if (!parsed) return EXIT.ok;
  const { values } = parsed;
  const format = ReportFormat.safeParse(values.format ?? "table");
  if (!format.success) throw new UsageError(`--format must be one of ${ReportFormat.options.join(", ")}`);

  const env = Deno.env.toObject();
  const dir = settingsDir(undefined, env);
  const loaded = await loadSettings(dir, DEMO_CUSTOMER_ID);
  const source = loaded.settings.source;
  if (source.kind !== "oneroster-csv") {
    throw new UsageError(`${loaded.file}: the demo customer's source must be oneroster-csv`);
  }
  const exportDir = resolveSettingsPath(loaded, source.path);
  const district = demoDistrict();
  await writeDemoExport(exportDir, district.roster);
  stderr(`wrote the demo export to ${exportDir}\n`);

  const { report } = await diagnoseCustomer({
    customerId: DEMO_CUSTOMER_ID,
    settingsDir: dir,
    environment: "embedded",
    env,
    onProgress: progressPrinter(Deno.stderr.isTerminal(), stderr),
  });
  await Deno.stdout.write(encoder.encode(renderReport(report, format.data, { color: wantsColor(Deno.stdout) })));
  const check = plantedCheck(district.planted, report.findings);
  stderr(`\n${check.message}\n`);
  if (check.ok) stderr(nextSteps(report.findings));
  return check.ok ? EXIT.ok : EXIT.failure;
}

/** What to try after the demo, with a real parent of the demo district who cannot see her child. */
function nextSteps(findings: readonly Finding[]): string {
  const parent = findings.find((f) => f.code === "parent_link.mismatch" && detailsOf(f, f.code).missing.length);
  const c = `--customer ${DEMO_CUSTOMER_ID}`;
  const steps: Array<[string, string]> = [
    ...(parent
      ? [[`deno task lookup ${c} --parent ${parent.entity.email}`, "why this parent cannot see her child"]] as Array<
        [string, string]
      >
      : []),
    [`deno task diagnose ${c} --format md --out report.md`, "a report to paste into a ticket"],
    [`deno task diagnose ${c} --fix-script fix.sql`, "proposed fixes, reviewed, never executed"],
    ["deno task serve", "the same in a browser (README: The support server)"],
  ];
  const width = Math.max(...steps.map(([cmd]) => cmd.length));
  return `\nNext, try:\n${steps.map(([cmd, why]) => `  ${cmd.padEnd(width)}   # ${why}\n`).join("")}`;
}

if (import.meta.main) await runMain("demo", main);
