/**
 * The fleet's job queue: pg-boss on the state database. One job per
 * customer, environment and night; enqueuing twice does not duplicate.
 */
import { PgBoss } from "pg-boss";
import { z } from "zod";
import { Environment, redactUrl } from "../platform/connect.ts";
import { type FleetSettings, QUEUE, QUEUE_SCHEMA } from "./config.ts";

/** What a job asks for. */
export const JobData = z.object({
  customer: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  /** Default: the customer's `oneshelf_environment`. */
  environment: Environment.optional(),
  /** The night (UTC date) the job belongs to. */
  night: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
});
export type JobData = z.infer<typeof JobData>;

/**
 * The singleton key of a job: one per customer, environment and night.
 *
 * @example
 * jobKey({ customer: "demo-isd", environment: "embedded", night: "2026-11-26" }) // "demo-isd:embedded:2026-11-26"
 */
export function jobKey(data: JobData): string {
  return `${data.customer}:${data.environment ?? "default"}:${data.night}`;
}

/**
 * A UUID derived from a job's key (SHA-256, laid out as a version-5-style UUID), the same on every machine.
 *
 * @example
 * await jobIdOf("demo-isd:embedded:2026-11-26") // "3f0c…-…"
 */
export async function jobIdOf(key: string): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`cdt-fleet:${key}`)));
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = [...hash.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The UTC date of `now`, the night a scan belongs to.
 *
 * @example
 * nightOf(new Date("2026-11-26T02:00:00Z")) // "2026-11-26"
 */
export function nightOf(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** An open queue. */
export interface Fleet {
  boss: PgBoss;
  settings: FleetSettings;
  /** The state database, without its password. */
  server: string;
  stop(options?: { graceful?: boolean; timeoutMs?: number }): Promise<void>;
}

/** Options of {@link openFleet}. */
export interface OpenFleetOptions {
  /** Run pg-boss's supervision (expiring jobs of dead workers); workers do, the enqueue and status commands need not. */
  supervise?: boolean;
  onError?: (e: Error) => void;
}

/**
 * Starts pg-boss on the state database (creating its schema and the queue
 * when missing). The queue's `exclusive` policy allows one queued-or-running
 * job per singleton key; `singletonSeconds` of a day keeps a finished job's
 * key taken until the day is over — the default policy dedupes neither.
 *
 * @example
 * const fleet = await openFleet(fleetSettings(Deno.env.toObject()));
 * try { … } finally { await fleet.stop(); }
 */
export async function openFleet(settings: FleetSettings, options: OpenFleetOptions = {}): Promise<Fleet> {
  const boss = new PgBoss({
    connectionString: settings.stateUrl,
    schema: QUEUE_SCHEMA,
    application_name: "cdt fleet",
    max: 4,
    connectionTimeoutMillis: 15_000,
    supervise: options.supervise ?? false,
    superviseIntervalSeconds: settings.superviseSeconds,
    monitorIntervalSeconds: settings.superviseSeconds,
    schedule: false,
  });
  boss.on("error", (e: Error) => options.onError?.(e));
  try {
    await boss.start();
    await boss.createQueue(QUEUE, {
      policy: "exclusive",
      expireInSeconds: settings.expireSeconds,
      retryLimit: settings.retryLimit,
      retryDelay: settings.retryDelaySeconds,
      retryBackoff: true,
      retryDelayMax: 3600,
    });
  } catch (e) {
    await boss.stop({ graceful: false }).catch(() => {});
    throw new Error(
      `cannot open the job queue in the state database (${redactUrl(settings.stateUrl)}): ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
  return {
    boss,
    settings,
    server: redactUrl(settings.stateUrl),
    stop: (o = {}) => boss.stop({ graceful: o.graceful ?? true, timeout: o.timeoutMs ?? 30_000 }),
  };
}

/** What {@link enqueue} did for one customer. */
export interface Enqueued {
  customer: string;
  key: string;
  /** The new job's id; null when that customer's job for the night already exists. */
  jobId: string | null;
}

/**
 * Sends one job per customer for a night. A customer whose job for that
 * night exists (queued, running or finished) gets none.
 *
 * @example
 * await enqueue(fleet, ["demo-isd", "lincoln-usd"], { night: nightOf(new Date()) });
 */
export async function enqueue(
  fleet: Fleet,
  customers: readonly string[],
  options: { environment?: Environment; night: string },
): Promise<Enqueued[]> {
  const out: Enqueued[] = [];
  for (const customer of customers) {
    const data = JobData.parse({ customer, environment: options.environment, night: options.night });
    const key = jobKey(data);
    const jobId = await fleet.boss.send(QUEUE, data, {
      // The job's id is the night's key itself: a second send for that night, on any later day and after the
      // first finished, is a conflict pg-boss ignores (singletonSeconds alone dedupes only within one UTC day).
      id: await jobIdOf(key),
      singletonKey: key,
      singletonSeconds: 86_400,
      expireInSeconds: fleet.settings.expireSeconds,
      retryLimit: fleet.settings.retryLimit,
      retryDelay: fleet.settings.retryDelaySeconds,
      retryBackoff: true,
    });
    out.push({ customer, key, jobId });
  }
  return out;
}
