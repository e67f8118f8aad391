/** The fleet's state: one row per customer (and environment) for its latest night. */
import type { JobWithMetadata } from "pg-boss";
import { JobData } from "./queue.ts";
import { JobOutput } from "./job.ts";
import { type FleetSettings, QUEUE, QUEUE_SCHEMA } from "./config.ts";
import type { Fleet } from "./queue.ts";

/** A fleet row, as `deno task fleet status` prints it. */
export interface FleetRow {
  customer: string;
  environment: string | null;
  night: string;
  state: "queued" | "running" | "done" | "failed";
  findings: number | null;
  new: number | null;
  resolved: number | null;
  error: string | null;
  finishedAt: string | null;
}

/** The fields of a pg-boss job the status needs. */
export type JobView = Pick<JobWithMetadata, "id" | "data" | "state" | "output" | "createdOn" | "completedOn">;

const STATES: Record<JobView["state"], FleetRow["state"]> = {
  created: "queued",
  retry: "queued",
  active: "running",
  completed: "done",
  failed: "failed",
  cancelled: "failed",
};

function errorOf(output: unknown): string {
  const o = output as { message?: unknown } | null;
  return typeof o?.message === "string" ? o.message : JSON.stringify(output ?? "failed").slice(0, 500);
}

/**
 * Folds jobs into rows: the latest job of each customer and environment
 * (of `night`, when given), sorted by customer.
 *
 * @example
 * statusRows(await fleet.boss.findJobs(QUEUE)).filter((r) => r.state === "failed")
 */
export function statusRows(jobs: readonly JobView[], night?: string): FleetRow[] {
  const latest = new Map<string, { job: JobView; data: JobData }>();
  for (const job of jobs) {
    const parsed = JobData.safeParse(job.data);
    if (!parsed.success) continue;
    if (night && parsed.data.night !== night) continue;
    const key = `${parsed.data.customer}\u0000${parsed.data.environment ?? ""}`;
    const seen = latest.get(key);
    if (!seen || new Date(seen.job.createdOn) < new Date(job.createdOn)) latest.set(key, { job, data: parsed.data });
  }
  return [...latest.values()]
    .map(({ job, data }): FleetRow => {
      const state = STATES[job.state];
      const output = state === "done" ? JobOutput.safeParse(job.output) : undefined;
      return {
        customer: data.customer,
        environment: output?.success ? output.data.environment : data.environment ?? null,
        night: data.night,
        state,
        findings: output?.success ? output.data.findings : null,
        new: output?.success ? output.data.new : null,
        resolved: output?.success ? output.data.resolved : null,
        error: state === "failed" ? errorOf(job.output) : null,
        finishedAt: (state === "done" || state === "failed") && job.completedOn
          ? new Date(job.completedOn).toISOString().replace(/\.\d{3}Z$/, "Z")
          : null,
      };
    })
    .sort((a, b) => (a.customer < b.customer ? -1 : a.customer > b.customer ? 1 : 0));
}

/** Most jobs read for a status (a week of nightly scans of ~14,000 districts). */
const MAX_JOBS = 100_000;

/**
 * The fleet's rows, read from the queue.
 *
 * @example
 * const rows = await fleetStatus(fleet);
 */
export async function fleetStatus(fleet: Fleet, night?: string): Promise<FleetRow[]> {
  // One night's jobs (the latest night unless one is named), never the oldest MAX_JOBS of the whole queue.
  const latest = night ?? (await queueSql<{ night: string | null }>(
    fleet,
    `select max(data->>'night') as night from ${QUEUE_SCHEMA}.job where name = $1`,
    [QUEUE],
  ))[0]?.night ?? undefined;
  if (!latest) return [];
  return statusRows(await fleet.boss.findJobs(QUEUE, { data: { night: latest }, limit: MAX_JOBS }), latest);
}

/**
 * True when no job is queued, waiting for a retry or running.
 *
 * @example
 * if (await fleetIdle(fleet)) await fleet.stop();
 */
export async function fleetIdle(fleet: Fleet): Promise<boolean> {
  const [{ n }] = await queueSql<{ n: number }>(
    fleet,
    `select count(*)::int as n from ${QUEUE_SCHEMA}.job where name = $1 and state in ('created', 'retry', 'active')`,
    [QUEUE],
  );
  return n === 0;
}

/** A read of pg-boss's own tables through its connection (fixed SQL, values as parameters). */
async function queueSql<T>(fleet: Fleet, text: string, values: unknown[]): Promise<T[]> {
  const { rows } = await fleet.boss.getDb().executeSql(text, values);
  return rows as T[];
}

/**
 * Renders rows as a plain-text table.
 *
 * @example
 * console.log(renderStatus(rows));
 */
export function renderStatus(rows: readonly FleetRow[]): string {
  if (!rows.length) return "No jobs in the queue.\n";
  // deno-lint-ignore no-control-regex -- control characters are what is removed
  const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ");
  const w = Math.max(8, ...rows.map((r) => r.customer.length));
  const out = [
    `${"customer".padEnd(w)}  ${"env".padEnd(10)}  ${"night".padEnd(10)}  ${"state".padEnd(7)}  ${
      "findings".padStart(8)
    }  ${"new".padStart(5)}  ${"resolved".padStart(8)}  ${"finishedAt".padEnd(20)}  error`,
  ];
  const n = (v: number | null) => (v === null ? "–" : String(v));
  for (const r of rows) {
    out.push(
      `${r.customer.padEnd(w)}  ${(r.environment ?? "–").padEnd(10)}  ${r.night}  ${r.state.padEnd(7)}  ${
        n(r.findings).padStart(8)
      }  ${n(r.new).padStart(5)}  ${n(r.resolved).padStart(8)}  ${(r.finishedAt ?? "–").padEnd(20)}  ${
        clean(r.error ?? "")
      }`,
    );
  }
  return out.join("\n") + "\n";
}

export type { FleetSettings };
