/**
 * Diagnoses one customer end to end: settings, roster source, platform
 * snapshot (read-only), diagnostics, report. The CLI, the server and the
 * notebooks all call this.
 */
import type { Report, ToolName } from "../model/findings.ts";
import { DEFAULT_TOOLS, runDiagnostics, sourceOnly } from "../diagnostics/run.ts";
import { rosterCheckStream } from "../diagnostics/roster-check.ts";
import { type Environment, explainDatabaseError, type PlatformConnection } from "../platform/connect.ts";
import { openPlatform } from "./open-platform.ts";
import { readSnapshot, type TableProgress } from "../platform/read.ts";
import {
  type LoadedSettings,
  loadSettings,
  requireEmbeddedExport,
  resolveSettingsPath,
  SettingsError,
} from "../settings/load.ts";
import { type FetchProgress, type ReadProgress, readSource } from "../sources/mod.ts";
import { writeOneRosterCsv } from "../sources/oneroster-csv/write.ts";
import type { Roster } from "../model/roster.ts";
import type { PlatformSnapshot } from "../model/snapshot.ts";
import { type Auditor, createAuditor, recordCounts } from "../audit.ts";
import { createResolver, type CredentialResolver } from "../credentials/mod.ts";
import { openDiagnoseWorkspace, type WorkspaceOutcome, type WorkspaceUse } from "../workspace/use.ts";
import { collectGarbage } from "../release.ts";

/** Progress of a diagnosis, for a terminal or a log. */
export type DiagnoseProgress =
  | ({ stage: "source" } & ReadProgress)
  | ({ stage: "fetch" } & FetchProgress)
  | ({ stage: "platform" } & TableProgress)
  | { stage: "tool"; tool: ToolName };

/** Options of {@link diagnoseCustomer}. */
export interface DiagnoseOptions {
  /** Needed unless only source tools (roster-check) run on `sourcePath`. */
  customerId?: string;
  /** The customer's settings, when the caller loaded them already (then `customerId` is theirs). */
  loaded?: LoadedSettings;
  settingsDir: string;
  /** Default: the settings' `oneshelf_environment`. */
  environment?: Environment;
  /** A OneRoster CSV directory or zip that replaces the settings' source. */
  sourcePath?: string;
  /** Default: the four comparisons with the platform. */
  tools?: readonly ToolName[];
  /** Environment variables (database URLs); default none. */
  env?: Record<string, string | undefined>;
  onProgress?: (progress: DiagnoseProgress) => void;
  now?: Date;
  /** Also save the roster as read (a OneRoster 1.1 CSV bundle) here, to re-run offline or attach to a ticket. */
  snapshotDir?: string;
  /** Where the read is recorded; default the process's auditor (createAuditor); null only in pure tests. */
  auditor?: Auditor | null;
  /** The credential resolver; default this machine's. */
  resolver?: CredentialResolver;
  /**
   * Whether a OneRoster CSV export's enrollments.csv may be read on a second thread ("auto", the default) or not
   * ("never": a server job, whose heap budget would not bound the thread's heap).
   */
  enrollmentsThread?: "auto" | "never";
  /** An open platform connection to use (and leave open), e.g. a server's pool; default: open one for this call. */
  connection?: PlatformConnection;
  /** Keep the parsed roster, the platform snapshot and the report in this customer's workspace; `cached` compares with the stored snapshot. */
  workspace?: WorkspaceUse;
  /**
   * roster-check alone on a OneRoster CSV export: check each enrollment as it
   * is read and keep none (the returned roster's `enrollments` is then
   * empty). Ignored with `snapshotDir`, which writes them, and when other tools run.
   */
  streamEnrollments?: boolean;
}

/** A diagnosis, the settings warnings met on the way, and what it read (for charts). */
export interface Diagnosis {
  report: Report;
  settingsWarnings: string[];
  roster: Roster;
  /** Absent when only source tools ran. */
  platform?: PlatformSnapshot;
  /** What the workspace did (roster current or stored, platform stored or cached); absent without one. */
  workspace?: WorkspaceOutcome;
}

/**
 * Reads the roster and the platform side by side, then runs the diagnostics.
 * When only source tools run (roster-check), no database is opened, and no
 * settings are needed if `sourcePath` is given.
 *
 * @example
 * const { report } = await diagnoseCustomer({ customerId: "demo-isd", settingsDir, environment: "embedded" });
 * const check = await diagnoseCustomer({ settingsDir, sourcePath: "export.zip", tools: ["roster-check"] });
 */
export async function diagnoseCustomer(options: DiagnoseOptions): Promise<Diagnosis> {
  const tools = options.tools?.length ? options.tools : DEFAULT_TOOLS;
  const onlySource = sourceOnly(tools);
  if (!options.customerId && !(onlySource && options.sourcePath)) {
    throw new SettingsError("a customer is needed, unless roster-check runs alone on an export given with --source");
  }
  // Settings are read once per command or request: a shell that loaded them already passes them in.
  const loaded = options.loaded ??
    (options.customerId ? await loadSettings(options.settingsDir, options.customerId) : undefined);
  const progress = options.onProgress;
  const source = options.sourcePath
    ? { kind: "oneroster-csv" as const, path: options.sourcePath }
    : loaded!.settings.source;
  const auditor = options.auditor === undefined ? await createAuditor(options.env ?? {}) : options.auditor;
  const resolver = options.resolver ?? await createResolver(options.env ?? {});
  // Opened only for a comparison with the platform (below); roster-check alone reads the export as it is.
  let ws: Awaited<ReturnType<typeof openDiagnoseWorkspace>> | undefined = undefined;
  const rosterCheck = onlySource && options.streamEnrollments && !options.snapshotDir ? rosterCheckStream() : undefined;
  const readRoster = async (): Promise<Roster> => {
    if (loaded && !options.sourcePath) await requireEmbeddedExport(loaded);
    const read = () =>
      readSource(source, {
        resolvePath: options.sourcePath || !loaded ? undefined : (p) => resolveSettingsPath(loaded, p),
        onProgress: progress && ((p) => progress({ stage: "source", ...p })),
        onFetch: progress && ((p) => progress({ stage: "fetch", ...p })),
        tolerateMissing: tools.includes("roster-check"),
        onEnrollments: rosterCheck?.start,
        enrollmentsThread: options.enrollmentsThread,
        env: options.env,
        resolver,
      });
    const roster = ws ? await ws.roster(read) : await read();
    if (options.snapshotDir) await writeOneRosterCsv(options.snapshotDir, roster);
    return roster;
  };
  const customer = loaded?.settings.customer_id ?? "(none)";
  const settingsWarnings = loaded?.warnings ?? [];
  const onTool = progress && ((tool: ToolName) => progress({ stage: "tool", tool }));

  if (onlySource) {
    // A read that fails leaves nothing running: roster-check's checks run ahead of the enrollments stop.
    const roster = await readRoster().catch((e) => {
      rosterCheck?.cancel();
      throw e;
    });
    const report = runDiagnostics({
      customer,
      environment: "none",
      roster,
      tools,
      now: options.now,
      onTool,
      rosterCheck,
    });
    const records = recordCounts(roster, undefined, report.findings.length);
    if (rosterCheck) records.sourceRecords += rosterCheck.streamed;
    await auditor?.write({ customer, environment: "none", operation: "roster-check", records });
    return { report, settingsWarnings, roster };
  }

  const environment = options.environment ?? loaded!.settings.oneshelf_environment;
  ws = options.workspace && loaded
    ? await openDiagnoseWorkspace(options.workspace, loaded, source, options.sourcePath, tools.includes("roster-check"))
    : undefined;
  let conn: PlatformConnection | undefined;
  try {
    // --cached: the stored snapshot stands in for the platform, which is not opened at all.
    const cached = ws?.use.cached ? await ws.cachedPlatform(environment, options.now ?? new Date()) : undefined;
    conn = cached ? undefined : options.connection ??
      await openPlatform(environment, { env: options.env, resolver, applicationName: "cdt diagnose" });
    const readAt = new Date();
    // The source is parsed here while the database server produces rows.
    // allSettled: a failed side must not leave the other running unobserved.
    const [rosterResult, platformResult] = await Promise.allSettled([
      readRoster(),
      cached ? cached.snapshot : readSnapshot(conn!, customer, {
        onProgress: progress && ((p) => progress({ stage: "platform", ...p })),
      }),
    ]);
    if (rosterResult.status === "rejected") throw rosterResult.reason;
    if (platformResult.status === "rejected") {
      throw conn ? explainDatabaseError(platformResult.reason, conn) : platformResult.reason;
    }
    // What the two reads left behind (the rows as the CSV parser and the database driver produced them) goes before
    // the diagnostics build their indexes: at 200,000 students the peak went from 1.5–1.8 GiB to about 1.35 GiB.
    collectGarbage();
    const report = runDiagnostics({
      customer,
      environment,
      roster: rosterResult.value,
      platform: platformResult.value,
      tools,
      now: options.now,
      onTool,
    });
    if (cached) report.warnings.unshift(cached.notice);
    await ws?.finish(report, cached ? undefined : { snapshot: platformResult.value, environment, readAt });
    await auditor?.write({
      customer,
      environment,
      operation: `diagnose ${tools.join(",")}${cached ? " (cached platform)" : ""}`,
      records: recordCounts(rosterResult.value, platformResult.value, report.findings.length),
    });
    return {
      report,
      settingsWarnings,
      roster: rosterResult.value,
      platform: platformResult.value,
      workspace: ws?.outcome,
    };
  } finally {
    ws?.close();
    if (conn && !options.connection) await conn.close();
  }
}
