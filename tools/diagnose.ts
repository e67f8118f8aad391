/**
 * `deno task diagnose`: compare one customer's roster with the platform and
 * report findings. Reads only; writes nothing but the report.
 */
import { extname } from "node:path";
import { diagnoseCustomer } from "../lib/app/diagnose.ts";
import { type Report, ToolName } from "../lib/model/findings.ts";
import { AVAILABLE_TOOLS, DEFAULT_TOOLS, sourceOnly } from "../lib/diagnostics/run.ts";
import { renderReport, ReportFormat, wantsColor } from "../lib/report/mod.ts";
import { renderFixScript } from "../lib/report/fix-script.ts";
import { reportAbout } from "../lib/report/person.ts";
import { count, num } from "../lib/report/words.ts";
import { createResolver } from "../lib/credentials/mod.ts";
import { createAuditor } from "../lib/audit.ts";
import { promptSecret } from "../lib/cli/prompt.ts";
import { checkCustomerId, loadSettings, settingsDir } from "../lib/settings/load.ts";
import { EXIT, UsageError } from "../lib/cli/errors.ts";
import { runMain } from "../lib/cli/main.ts";
import { redact } from "../lib/credentials/redact.ts";
import { envFlag, parseCli } from "../lib/cli/args.ts";
import { progressPrinter } from "../lib/cli/progress.ts";
import { requireDirectoryOf, requireNewDirectory } from "../lib/cli/files.ts";
import { describeOutcome, workspaceFromFlags } from "../lib/workspace/use.ts";
import { printable } from "../lib/text.ts";
import { CompareFileError, type CompareWith, historyOfDiagnosis, readEarlierReport } from "../lib/history/run.ts";

const HELP = `Usage: deno task diagnose --customer ID [options]

Compares a customer's roster (its SIS export) with the platform database and
reports what is missing, extra or different. Only reads: production is opened
in read-only transactions and nothing is ever written to it.

Options:
  --customer ID        customer_id of customer-integration-settings/<ID>.json
                       (required, except for roster-check alone on --source)
  --tool NAME          a diagnostic to run; repeatable: ${AVAILABLE_TOOLS.join(", ")}
                       (default: ${DEFAULT_TOOLS.join(", ")}).
                       roster-check validates the export alone: no database
  --env ENV            embedded | staging | production (default: the settings'
                       oneshelf_environment). staging and production need
                       STAGING_DATABASE_URL / PRODUCTION_DATABASE_URL
  --source PATH        a OneRoster CSV export (directory or .zip) to use instead
                       of the one the settings name
  --snapshot DIR       also save the roster as read (e.g. fetched over REST) as a
                       OneRoster CSV bundle, to re-run offline or attach to a ticket
                       (a new or empty folder: nothing is overwritten)
  --ticket N           the HubSpot ticket this investigates: read it first (warns
                       when it belongs to another company), record it as the
                       purpose in the audit log, and post a note with the summary
                       and the report attached afterwards
  --dry-run            with --ticket: print the note instead of posting it
  --settings-dir DIR   where the settings files are (default: CDT_SETTINGS_DIR,
                       else customer-integration-settings/)
  --format FORMAT      table | json | csv | md (default: table on a terminal,
                       else json; with --out, from the file's extension)
  --out FILE           write the report to FILE instead of standard output
  --fail-on LEVEL      error | warning: exit 1 when findings of that severity
                       (or worse) exist
  --person KEY         only the findings about one person or class: a sourcedId,
                       an email or a student number (the fix script follows)
  --compare FILE|last  compare with an earlier JSON report, or with the customer's
                       last recorded run: every finding gets a status (new,
                       still_open, reopened) and the report leads with
                       "3 new, 140 still open, 12 resolved since …"
  --no-history         do not record this run (every run is recorded: in the
                       state database CDT_STATE_DATABASE_URL, else in
                       CDT_HISTORY_DIR, default history/)
  --workspace DIR      keep the parsed roster, the platform snapshot and the report
                       in DIR/<customer>.duckdb, and reuse the roster while the
                       export is unchanged (default: CDT_WORKSPACE_DIR, else
                       workspace/ when it exists)
  --refresh            read the export again even when it is unchanged
  --cached             do not read the platform: compare with the workspace's
                       last snapshot (the report leads with its age)
  --no-workspace       read everything afresh and keep nothing
  --fix-script FILE    also write a reviewable SQL script for the findings with
                       a mechanical fix (relink a parent, soft-delete stale
                       enrollments, move a student's campus); it ends in
                       ROLLBACK and is never run by the tools
  -h, --help           show this help

Exit codes: 0 success, 1 failure or --fail-on hit, 2 usage or configuration error.

Examples:
  deno task diagnose --customer demo-isd --env embedded
  deno task diagnose --customer demo-isd --tool campus-transfer --fix-script fix.sql
  deno task diagnose --tool roster-check --source export.zip
  PRODUCTION_DATABASE_URL=postgres://… deno task diagnose --customer lincoln-usd --env production --format json --out lincoln.json
`;

const encoder = new TextEncoder();
const stderr = (text: string) => Deno.stderr.writeSync(encoder.encode(text));

async function main(args: string[]): Promise<number> {
  const parsed = parseCli(args, {
    customer: { type: "string" },
    tool: { type: "string", multiple: true },
    env: { type: "string" },
    source: { type: "string" },
    "settings-dir": { type: "string" },
    format: { type: "string" },
    out: { type: "string" },
    "fail-on": { type: "string" },
    "fix-script": { type: "string" },
    snapshot: { type: "string" },
    ticket: { type: "string" },
    "dry-run": { type: "boolean" },
    compare: { type: "string" },
    "no-history": { type: "boolean" },
    workspace: { type: "string" },
    "no-workspace": { type: "boolean" },
    refresh: { type: "boolean" },
    cached: { type: "boolean" },
    person: { type: "string" },
  }, HELP);
  if (!parsed) return EXIT.ok;
  const { values } = parsed;
  const tools = (values.tool ?? []).map((t) => {
    const parsed = ToolName.safeParse(t);
    if (!parsed.success) {
      throw new UsageError(`--tool "${t}" is not a tool; expected one of ${ToolName.options.join(", ")}`);
    }
    if (!AVAILABLE_TOOLS.includes(parsed.data)) {
      throw new UsageError(`--tool ${t} is not available in this release; available: ${AVAILABLE_TOOLS.join(", ")}`);
    }
    return parsed.data;
  });
  if (!values.customer && !(sourceOnly(tools) && values.source)) {
    throw new UsageError(`--customer is required (unless --tool roster-check runs alone on --source)\n\n${HELP}`);
  }
  const customerId = values.customer === undefined ? undefined : checkCustomerId(values.customer);
  const env = Deno.env.toObject();
  const environment = envFlag(values.env);
  const format = chooseFormat(values.format, values.out);
  const failOn = values["fail-on"];
  if (failOn !== undefined && failOn !== "error" && failOn !== "warning") {
    throw new UsageError(`--fail-on "${failOn}" must be error or warning`);
  }
  // Where the report and fix script go is checked now: a run must not end in an unwritable path.
  for (const [flag, file] of [["--out", values.out], ["--fix-script", values["fix-script"]]] as const) {
    if (file !== undefined) await requireDirectoryOf(flag, file);
  }
  if (values.snapshot !== undefined) await requireNewDirectory("--snapshot", values.snapshot);

  if (values.ticket !== undefined && !/^\d+$/.test(values.ticket)) {
    throw new UsageError(`--ticket "${values.ticket}" must be a HubSpot ticket number`);
  }
  if (values["dry-run"] && !values.ticket) throw new UsageError("--dry-run goes with --ticket");
  if (values.ticket && !customerId) throw new UsageError("--ticket needs --customer");
  // A bad --compare file fails before anything is read.
  const compare: CompareWith | undefined = values.compare === undefined || values.compare === "last"
    ? values.compare
    : { file: values.compare, earlier: await readEarlierReport(values.compare).catch(asUsageError) };
  if (compare && sourceOnly(tools)) throw new UsageError("--compare needs a diagnosis against the platform");
  // The customer's settings, read once for the whole command (the ticket check and the diagnosis).
  const loaded = customerId === undefined
    ? undefined
    : await loadSettings(settingsDir(values["settings-dir"], env), customerId);
  const resolver = await createResolver(env, { prompt: () => promptSecret("Vault passphrase: ") });
  // Loaded only for a ticket: the HubSpot client is a large module.
  const hs = values.ticket ? await import("../lib/hubspot/mod.ts") : undefined;
  const hubspot = hs && !values["dry-run"] ? await hs.connectHubSpot(resolver, env) : undefined;
  if (hubspot && loaded) {
    const { settings } = loaded;
    try {
      const ticket = await hubspot.ticket(values.ticket!);
      stderr(`ticket ${ticket.id}: ${printable(ticket.subject)} (stage ${printable(ticket.status)})\n`);
      const warning = hs!.ticketCompanyWarning(ticket, settings);
      if (warning) stderr(`warning: ${warning}\n`);
    } catch (e) {
      // HubSpot being down must not stop the diagnosis; the note is tried again after it.
      stderr(`warning: ${(e as Error).message}; diagnosing anyway\n`);
    }
  }
  const diagnosis = await diagnoseCustomer({
    customerId,
    loaded,
    settingsDir: settingsDir(values["settings-dir"], env),
    environment,
    sourcePath: values.source,
    tools,
    env,
    onProgress: progressPrinter(Deno.stderr.isTerminal(), stderr),
    snapshotDir: values.snapshot,
    resolver,
    auditor: await createAuditor(env, values.ticket ? { purpose: `hubspot-ticket:${values.ticket}` } : {}),
    workspace: await workspaceFromFlags(values, env),
    // roster-check alone keeps no enrollment: ten million of them are checked as they are read.
    streamEnrollments: true,
  });
  if (diagnosis.workspace) stderr(`${describeOutcome(diagnosis.workspace)}\n`);
  if (values.snapshot) {
    stderr(`saved the roster as read to ${values.snapshot} (re-run offline with --source ${values.snapshot})\n`);
  }
  const { settingsWarnings } = diagnosis;
  for (const w of settingsWarnings) stderr(`warning: ${w}\n`);
  let report = diagnosis.report;
  if (report.environment !== "none" && (compare || !values["no-history"])) {
    try {
      const recorded = await historyOfDiagnosis(diagnosis, { env, compare, record: !values["no-history"] });
      report = recorded.report;
      if (compare === "last" && !recorded.previous) {
        stderr(
          `warning: no earlier run of ${report.customer} (${report.environment}) in ${recorded.where}; nothing to compare\n`,
        );
      }
    } catch (e) {
      // Comparing was asked for: without the history it cannot be done. Recording alone must not cost the report.
      if (compare) throw e;
      stderr(`warning: this run was not recorded in the history: ${redact((e as Error).message)}\n`);
    }
  }

  // The whole run is recorded above; the report (and its fix script) can be narrowed to one person or class.
  if (values.person !== undefined) {
    report = reportAbout(report, values.person);
    if (report.findings.length === 0) stderr(`no finding names "${printable(values.person)}"\n`);
  }
  const text = renderReport(report, format, { color: !values.out && wantsColor(Deno.stdout) });
  if (values.out) {
    await Deno.writeTextFile(values.out, text);
    stderr(`wrote ${values.out}: ${summaryLine(report)}\n`);
  } else {
    await Deno.stdout.write(encoder.encode(text));
  }
  if (values.ticket) {
    // The report is already out (stdout or --out): a HubSpot failure cannot lose it.
    const command = ["deno task diagnose", ...Deno.args.filter((a) => a !== "--dry-run")].join(" ");
    const note = hs!.noteBody(report, command);
    if (!hubspot) {
      stderr(`--dry-run: the note for ticket ${values.ticket} would be:\n${note}\n`);
    } else {
      const fileId = await hubspot.upload(
        `cdt-${report.customer}-${report.generatedAt.replace(/[:]/g, "")}.json`,
        renderReport(report, "json"),
      );
      const noteId = await hubspot.note(values.ticket, note, [fileId]);
      stderr(`posted note ${noteId} on ticket ${values.ticket} with the report attached\n`);
    }
  }
  if (values["fix-script"]) {
    const script = renderFixScript(report);
    await Deno.writeTextFile(values["fix-script"], script.sql);
    stderr(
      `wrote ${values["fix-script"]}: fixes for ${script.fixed.length} finding(s)` +
        (script.skipped.length ? `, ${script.skipped.length} need another fix first` : "") +
        "; it ends in ROLLBACK: review it, then change that to COMMIT to apply\n",
    );
  }
  if (failOn === "error" && report.summary.error > 0) return EXIT.failure;
  if (failOn === "warning" && report.summary.error + report.summary.warning > 0) return EXIT.failure;
  return EXIT.ok;
}

function asUsageError(e: unknown): never {
  throw e instanceof CompareFileError ? new UsageError(e.message) : e;
}

/** The report format: --format, else the --out file's extension, else table on a terminal and JSON elsewhere. */
function chooseFormat(flag: string | undefined, out: string | undefined): ReportFormat {
  if (flag !== undefined) {
    const parsed = ReportFormat.safeParse(flag);
    if (!parsed.success) throw new UsageError(`--format "${flag}" must be one of ${ReportFormat.options.join(", ")}`);
    return parsed.data;
  }
  if (out) {
    const ext = extname(out).toLowerCase();
    return ext === ".json" ? "json" : ext === ".csv" ? "csv" : ext === ".md" ? "md" : "table";
  }
  return Deno.stdout.isTerminal() ? "table" : "json";
}

function summaryLine(report: Report): string {
  return `${count(report.summary.error, "error")}, ${count(report.summary.warning, "warning")}, ${
    num(report.summary.info)
  } info`;
}

if (import.meta.main) await runMain("diagnose", main);
