/**
 * Diagnoses one customer end to end: settings, roster source, platform
 * snapshot (read-only), diagnostics, report. The CLI, the server and the
 * notebooks all call this.
 */
import type { Report, ToolName } from "./diagnostics/findings.ts";
import { runDiagnostics } from "./diagnostics/run.ts";
import { type Environment, explainDatabaseError } from "./platform/connect.ts";
import { openPlatform } from "./platform/open.ts";
import { readSnapshot, type TableProgress } from "./platform/read.ts";
import { loadSettings, resolveSettingsPath } from "./settings/load.ts";
import { type ReadProgress, readSource } from "./sources/mod.ts";

/** Progress of a diagnosis, for a terminal or a log. */
export type DiagnoseProgress =
  | ({ stage: "source" } & ReadProgress)
  | ({ stage: "platform" } & TableProgress)
  | { stage: "tool"; tool: ToolName };

/** Options of {@link diagnoseCustomer}. */
export interface DiagnoseOptions {
  customerId: string;
  settingsDir: string;
  /** Default: the settings' `oneshelf_environment`. */
  environment?: Environment;
  /** A OneRoster CSV directory or zip that replaces the settings' source. */
  sourcePath?: string;
  tools?: readonly ToolName[];
  /** Environment variables (database URLs); default none. */
  env?: Record<string, string | undefined>;
  onProgress?: (progress: DiagnoseProgress) => void;
  now?: Date;
}

/** A diagnosis and the settings warnings met on the way. */
export interface Diagnosis {
  report: Report;
  settingsWarnings: string[];
}

/**
 * Reads the roster and the platform side by side, then runs the diagnostics.
 *
 * @example
 * const { report } = await diagnoseCustomer({ customerId: "demo-isd", settingsDir, environment: "embedded" });
 */
export async function diagnoseCustomer(options: DiagnoseOptions): Promise<Diagnosis> {
  const loaded = await loadSettings(options.settingsDir, options.customerId);
  const { settings } = loaded;
  const environment = options.environment ?? settings.oneshelf_environment;
  const progress = options.onProgress;
  const source = options.sourcePath ? { kind: "oneroster-csv" as const, path: options.sourcePath } : settings.source;
  const conn = await openPlatform(environment, { env: options.env, applicationName: "cdt diagnose" });
  try {
    // The source is parsed here while the database server produces rows.
    // allSettled: a failed side must not leave the other running unobserved.
    const [rosterResult, platformResult] = await Promise.allSettled([
      readSource(source, {
        resolvePath: options.sourcePath ? undefined : (p) => resolveSettingsPath(loaded, p),
        onProgress: progress && ((p) => progress({ stage: "source", ...p })),
      }),
      readSnapshot(conn, settings.customer_id, {
        onProgress: progress && ((p) => progress({ stage: "platform", ...p })),
      }),
    ]);
    if (rosterResult.status === "rejected") throw rosterResult.reason;
    if (platformResult.status === "rejected") throw explainDatabaseError(platformResult.reason, conn);
    const roster = rosterResult.value;
    const platform = platformResult.value;
    const report = runDiagnostics({
      customer: settings.customer_id,
      environment,
      roster,
      platform,
      tools: options.tools,
      now: options.now,
      onTool: progress && ((tool) => progress({ stage: "tool", tool })),
    });
    return { report, settingsWarnings: loaded.warnings };
  } finally {
    await conn.close();
  }
}
