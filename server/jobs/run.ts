/** Inside a job process: one diagnosis or lookup over its own platform connection. */
import { diagnoseCustomer } from "../../lib/app/diagnose.ts";
import { lookupPerson } from "../../lib/app/lookup.ts";
import { connectUrl } from "../../lib/platform/connect.ts";
import { CredentialResolver, type Resolved } from "../../lib/credentials/resolver.ts";
import { registerDatabaseUrl, registerSecret } from "../../lib/credentials/redact.ts";
import { findingsByCodeChart, rosterSyncsChart, studentsPerCampusChart } from "../../lib/charts.ts";
import { buildSearchIndex } from "../../lib/search.ts";
import { redact } from "../../lib/credentials/redact.ts";
import type { DiagnoseResult, Job, JobResult } from "./protocol.ts";
import { recordServerRun } from "./history.ts";

/** The credentials the server resolved, and nothing else: a job never reads a vault or AWS itself. */
class ResolvedCredentials extends CredentialResolver {
  constructor(readonly resolved: Record<string, Resolved>) {
    super({ env: {} });
  }
  override find(name: string): Promise<Resolved | undefined> {
    return Promise.resolve(this.resolved[name]);
  }
}

/**
 * Runs a job and returns its plain result.
 *
 * @example
 * const { report } = await runJob({ kind: "diagnose", … }) as DiagnoseResult;
 */
export async function runJob(job: Job): Promise<JobResult> {
  // This isolate has its own registry of secrets: fill it before anything can print one.
  registerDatabaseUrl(job.platform.url);
  if (job.kind === "diagnose" && job.history?.CDT_STATE_DATABASE_URL) {
    registerDatabaseUrl(job.history.CDT_STATE_DATABASE_URL);
  }
  const resolver = new ResolvedCredentials(job.credentials);
  for (const { fields } of Object.values(job.credentials)) {
    for (const [k, v] of Object.entries(fields)) if (/secret|password|token|key|url/i.test(k)) registerSecret(v);
  }
  const conn = connectUrl(job.platform.url, {
    environment: job.platform.environment,
    applicationName: "cdt server",
    statementTimeoutMs: job.platform.statementTimeoutMs,
    max: 1,
  });
  const connection = { ...conn, server: job.platform.server };
  try {
    if (job.kind === "lookup") {
      const result = await lookupPerson({
        customerId: job.customerId,
        settingsDir: job.settingsDir,
        loaded: job.loaded,
        environment: job.platform.environment,
        query: job.query,
        connection,
        auditor: null,
      });
      return { kind: "lookup", result };
    }
    const d = await diagnoseCustomer({
      customerId: job.customerId,
      settingsDir: job.settingsDir,
      loaded: job.loaded,
      environment: job.platform.environment,
      tools: job.tools,
      connection,
      resolver,
      // One thread: the job's heap budget (--max-old-space-size) would not bound a second one's.
      enrollmentsThread: "never",
      auditor: null,
    });
    const width = { width: job.chartWidth };
    const charts = [findingsByCodeChart(d.report, width)];
    if (d.platform) {
      charts.push(studentsPerCampusChart(d.roster, d.platform, width), rosterSyncsChart(d.platform, width));
    }
    const result: DiagnoseResult = {
      kind: "diagnose",
      report: d.report,
      charts: charts.map((c) => c.value),
      index: buildSearchIndex(d.roster, d.platform),
    };
    if (job.history) {
      try {
        const run = await recordServerRun(d, job.history);
        result.report = run.report;
        result.history = { recorded: run.recorded, where: run.where };
      } catch (e) {
        // The history must not cost the page its report: say so on it instead.
        result.history = { recorded: false, where: "", error: redact((e as Error).message) };
      }
    }
    return result;
  } finally {
    await conn.close();
  }
}
