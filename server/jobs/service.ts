/**
 * Diagnoses and lookups as the routes ask for them: a diagnosis reused for a
 * minute (concurrent requests share one run), each run a job in its own
 * process, through the bounded queue. The server resolves where the platform is
 * and the source's credentials; the job only reads.
 */
import { join } from "node:path";
import { ExpiringCache } from "./cache.ts";
import type { ToolName } from "../../lib/model/findings.ts";
import { DEFAULT_TOOLS } from "../../lib/diagnostics/run.ts";
import type { LookupQuery, LookupResult } from "../../lib/app/lookup.ts";
import type { Environment } from "../../lib/platform/connect.ts";
import type { PlatformPool } from "../../lib/platform/pool.ts";
import type { CredentialResolver, Resolved } from "../../lib/credentials/resolver.ts";
import type { Settings } from "../../lib/settings/schema.ts";
import { redactUrl } from "../../lib/platform/connect.ts";
import type { DiagnoseResult, Job, PlatformTarget } from "./protocol.ts";
import { JobQueue } from "./queue.ts";
import { type JobLimits, runJobProcess } from "./runner.ts";
import type { WorkspaceLookups } from "./workspace-lookups.ts";
import { type NoWorkspaceReason, WorkspaceCannotAnswer } from "../../lib/workspace/cannot-answer.ts";
import { appLog } from "../../lib/log.ts";
import { CodedError } from "../../lib/errors.ts";

/** What the service needs. */
export interface JobServiceOptions {
  settingsDir: string;
  pool: PlatformPool;
  resolver: CredentialResolver;
  cacheSeconds: number;
  queue: JobQueue;
  limits: JobLimits;
  statementTimeoutMs?: number;
  /** Record full diagnoses in the history these variables name (CDT_STATE_DATABASE_URL, CDT_HISTORY_DIR). */
  history?: Record<string, string>;
  /** Width of the charts in CSS pixels. */
  chartWidth?: number;
  /**
   * Lookups from the customers' workspaces (CDT_WORKSPACE_DIR), in the server's process, while a workspace holds the
   * export as it is now; without it, or when the workspace cannot answer, a job process reads the export.
   */
  workspaces?: WorkspaceLookups;
}

/** Why a lookup did not come from the workspace, in the server's words (the raw reason goes to the server log). */
const NO_WORKSPACE: Record<NoWorkspaceReason, string> = {
  none: "no workspace holds this customer's roster",
  empty: "the workspace holds no roster yet",
  settings: "the workspace's roster was read with other settings",
  changed: "the export changed since the workspace was built",
  unavailable: "the workspace could not be opened or read (the server log says why)",
  large: "the lookup reaches more rows than the server reads in its own process",
};

/** Diagnoses kept at most: each holds a whole report, its charts and a search index. */
export const CACHE_ENTRIES = 64;

/** Runs the server's diagnoses and lookups. */
export class JobService {
  /** Lookups taken by the workspace's sessions and not yet answered (see {@link lookup}). */
  #lookupsWaiting = 0;
  #cache = new ExpiringCache<string, Promise<DiagnoseResult>>(CACHE_ENTRIES);

  constructor(readonly options: JobServiceOptions) {}

  /**
   * A diagnosis, reused for `cacheSeconds` unless `fresh`; concurrent requests share one run.
   *
   * @example
   * const { report, charts } = await jobs.diagnose(settings, "staging", DEFAULT_TOOLS, false);
   */
  diagnose(settings: Settings, env: Environment, tools: readonly ToolName[], fresh: boolean): Promise<DiagnoseResult> {
    const key = `${settings.customer_id}\u0000${env}\u0000${[...new Set(tools)].sort().join(",")}`;
    const hit = this.#cache.get(key);
    if (hit && !fresh) return hit;
    // Only a full diagnosis is a run of the history: a part of one would call the rest resolved or new.
    const full = tools.length === DEFAULT_TOOLS.length && DEFAULT_TOOLS.every((t) => tools.includes(t));
    const value = this.#run(settings, env, {
      kind: "diagnose",
      tools,
      history: full ? this.options.history : undefined,
      chartWidth: this.options.chartWidth,
    }) as Promise<DiagnoseResult>;
    value.catch(() => this.#cache.deleteIf(key, value));
    this.#cache.set(key, value, this.options.cacheSeconds * 1000);
    return value;
  }

  /**
   * One person or class, never cached: from the customer's workspace when it holds the export as it is now, else
   * from a job process that reads the export (its `rosterFrom.note` says why the workspace did not answer).
   *
   * @example
   * const result = await jobs.lookup(settings, "staging", { kind: "student", key: "stu-1" });
   */
  async lookup(settings: Settings, env: Environment, query: LookupQuery): Promise<LookupResult> {
    // One deadline for the request, from when it is asked: a job after the workspace gets what is left of it.
    const asked = performance.now();
    let note: string | undefined;
    const { workspaces, queue } = this.options;
    if (workspaces) {
      // A customer's lookups wait their turn in its session before they reach the queue: counted here, so that past
      // the queue's room they are refused as any work is (60 lookups at once were all taken and kept waiting).
      if (this.#lookupsWaiting >= queue.limits.concurrency + queue.limits.queue) throw queue.busy();
      this.#lookupsWaiting++;
      try {
        // The job slot is taken when the lookup's turn comes, and kept until its queries end.
        return await workspaces.lookup(settings, env, query, (run) => queue.run(run));
      } catch (e) {
        if (!(e instanceof WorkspaceCannotAnswer)) throw e;
        note = NO_WORKSPACE[e.reason];
        if (e.reason === "unavailable") {
          await appLog("warn", "a workspace could not be opened or read; the lookup reads the export", {
            customer: settings.customer_id,
            error: e.message,
          });
        }
      } finally {
        this.#lookupsWaiting--;
      }
    }
    const { result } = await this.#run(settings, env, { kind: "lookup", query }, asked) as { result: LookupResult };
    if (note) result.rosterFrom = { kind: "export", note };
    return result;
  }

  #run(
    settings: Settings,
    env: Environment,
    what:
      | { kind: "diagnose"; tools: readonly ToolName[]; history?: Record<string, string>; chartWidth?: number }
      | { kind: "lookup"; query: LookupQuery },
    asked?: number,
  ) {
    const { limits } = this.options;
    const late = () =>
      new CodedError(
        "limit.exceeded",
        `the lookup of ${settings.customer_id} went past its deadline (${
          limits.deadlineMs / 1000
        } s) before a job process could start (CDT_SERVER_JOB_SECONDS sets it)`,
      );
    // A request with a deadline of its own (a lookup the workspace declined) leaves the queue when it passes.
    const controller = new AbortController();
    const timer = asked === undefined ? undefined : setTimeout(
      () => controller.abort(late()),
      Math.max(0, limits.deadlineMs - (performance.now() - asked)),
    );
    return this.options.queue.run(async () => {
      const job = {
        ...what,
        customerId: settings.customer_id,
        settingsDir: this.options.settingsDir,
        // Checked and loaded once, by authorize(): the job does not read the file again.
        loaded: { settings, file: join(this.options.settingsDir, `${settings.customer_id}.json`), warnings: [] },
        platform: await this.#platform(env),
        credentials: await this.#credentials(settings),
      } as Job;
      // Measured last: resolving the platform and the credentials (a secrets store, say) counts too.
      const spentMs = asked === undefined ? 0 : performance.now() - asked;
      if (spentMs >= limits.deadlineMs) throw late();
      return runJobProcess(job, { ...limits, spentMs });
    }, controller.signal).finally(() => clearTimeout(timer));
  }

  /** Where a job reads `env`: the embedded demo's loopback socket, or the URL the resolver finds. */
  async #platform(env: Environment): Promise<PlatformTarget> {
    const statementTimeoutMs = this.options.statementTimeoutMs;
    if (env !== "embedded") {
      const { url } = await this.options.resolver.databaseUrl(env);
      return { environment: env, url, server: redactUrl(url), statementTimeoutMs };
    }
    // The demo database lives in this process (PGlite behind a socket on 127.0.0.1): job processes connect to it.
    const conn = await this.options.pool.get("embedded");
    const o = conn.sql.options;
    const auth = `${encodeURIComponent(o.user)}${o.pass ? `:${encodeURIComponent(String(o.pass))}` : ""}`;
    return {
      environment: env,
      url: `postgres://${auth}@${o.host[0]}:${o.port[0]}/${encodeURIComponent(o.database)}`,
      server: conn.server,
      statementTimeoutMs,
    };
  }

  /** The credentials the settings' source names, resolved here so the job needs no vault or AWS access. */
  async #credentials(settings: Settings): Promise<Record<string, Resolved>> {
    const name = (settings.source as { credentials?: string }).credentials;
    if (!name) return {};
    const found = await this.options.resolver.find(name);
    return found ? { [name]: found } : {};
  }
}
