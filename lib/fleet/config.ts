/**
 * The fleet scan's settings, from the environment: the state database that
 * holds the queue and the history, and the limits every job runs under.
 */
import type { ErrorCode } from "../errors.ts";
import { stateDatabaseUrl } from "../history/store.ts";
import { z } from "zod";

/** The pg-boss queue of nightly diagnoses. */
export const QUEUE = "cdt-diagnose";
/** The schema pg-boss keeps its tables in, inside the state database. */
export const QUEUE_SCHEMA = "cdt_fleet";

const seconds = (fallback: number, min = 1) => z.coerce.number().int().min(min).max(86_400).default(fallback);

/** Fleet settings (every field but the URL has a default). */
export const FleetSettings = z.object({
  /** CDT_STATE_DATABASE_URL: the team's own PostgreSQL, never the platform database. */
  stateUrl: z.string().regex(/^postgres(ql)?:\/\//, "CDT_STATE_DATABASE_URL must be a postgres:// URL"),
  /** CDT_FLEET_DEADLINE_SECONDS: a diagnosis running longer is stopped and the attempt fails. */
  deadlineSeconds: seconds(25 * 60),
  /** CDT_FLEET_EXPIRE_SECONDS: an active job not finished by then (its worker died) is retried elsewhere. */
  expireSeconds: seconds(30 * 60),
  /** CDT_FLEET_MEMORY_MB: the V8 heap of each job's process. */
  memoryMb: z.coerce.number().int().min(64).max(65_536).default(2048),
  /** CDT_FLEET_RETRY_LIMIT: attempts after the first. */
  retryLimit: z.coerce.number().int().min(0).max(20).default(2),
  /** CDT_FLEET_RETRY_DELAY_SECONDS: the first retry's delay; later ones back off exponentially. */
  retryDelaySeconds: seconds(60),
  /** CDT_FLEET_SUPERVISE_SECONDS: how often a worker looks for expired jobs. */
  superviseSeconds: seconds(60),
});
export type FleetSettings = z.infer<typeof FleetSettings>;

/** Thrown when the fleet is not configured; shells exit 2. */
export class FleetConfigError extends Error {
  override name = "FleetConfigError";
  /** A configuration problem: shells exit 2 (lib/errors.ts). */
  readonly code: ErrorCode = "settings.invalid";
}

/**
 * Reads the fleet settings from environment variables.
 *
 * @example
 * const settings = fleetSettings(Deno.env.toObject());
 */
export function fleetSettings(env: Record<string, string | undefined>): FleetSettings {
  const url = stateDatabaseUrl(env);
  if (!url) {
    throw new FleetConfigError(
      "CDT_STATE_DATABASE_URL is not set; set it to the team's state database (postgres://user:password@host:5432/cdt_state), never the platform database",
    );
  }
  const parsed = FleetSettings.safeParse({
    stateUrl: url,
    deadlineSeconds: env.CDT_FLEET_DEADLINE_SECONDS || undefined,
    expireSeconds: env.CDT_FLEET_EXPIRE_SECONDS || undefined,
    memoryMb: env.CDT_FLEET_MEMORY_MB || undefined,
    retryLimit: env.CDT_FLEET_RETRY_LIMIT || undefined,
    retryDelaySeconds: env.CDT_FLEET_RETRY_DELAY_SECONDS || undefined,
    superviseSeconds: env.CDT_FLEET_SUPERVISE_SECONDS || undefined,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const names: Record<string, string> = {
      stateUrl: "CDT_STATE_DATABASE_URL",
      deadlineSeconds: "CDT_FLEET_DEADLINE_SECONDS",
      expireSeconds: "CDT_FLEET_EXPIRE_SECONDS",
      memoryMb: "CDT_FLEET_MEMORY_MB",
      retryLimit: "CDT_FLEET_RETRY_LIMIT",
      retryDelaySeconds: "CDT_FLEET_RETRY_DELAY_SECONDS",
      superviseSeconds: "CDT_FLEET_SUPERVISE_SECONDS",
    };
    throw new FleetConfigError(`${names[String(issue.path[0])] ?? issue.path.join(".")}: ${issue.message}`);
  }
  if (parsed.data.expireSeconds <= parsed.data.deadlineSeconds) {
    throw new FleetConfigError(
      "CDT_FLEET_EXPIRE_SECONDS must exceed CDT_FLEET_DEADLINE_SECONDS, or live jobs would be taken from their workers",
    );
  }
  return parsed.data;
}
