/**
 * How much of a district's export the readers accept: the bounds that keep a
 * hostile or broken file (a zip bomb, one endless field, a forged zip) from
 * exhausting the process. One module, so the CLI and the server read with the
 * same limits. Defaults fit a 1M-student district (≈10M enrollments, a
 * ≈1 GB enrollments.csv) with room to spare; each is settable by an
 * environment variable or per read.
 */
import { z } from "zod";
import { SettingsError } from "../settings/load.ts";
import { SourceError } from "./errors.ts";
import type { ErrorCode } from "../errors.ts";
import { shorten } from "../text.ts";

/** The bounds one read of an export runs under. */
export const ReadLimits = z.object({
  /** Uncompressed bytes of all the CSV files read from one export (zip or directory). */
  maxExportBytes: z.number().int().positive(),
  /** Uncompressed bytes of one CSV file. */
  maxFileBytes: z.number().int().positive(),
  /** Uncompressed:compressed ratio of one zip entry larger than {@link RATIO_FLOOR_BYTES}. */
  maxZipRatio: z.number().positive(),
  /** Entries in one zip (all of them, CSV or not). */
  maxZipEntries: z.number().int().positive(),
  /** Bytes of one CSV record (a row, all its fields). */
  maxRecordBytes: z.number().int().positive(),
});
/** The bounds one read of an export runs under. */
export type ReadLimits = z.infer<typeof ReadLimits>;

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/**
 * The defaults. A 1M-student district exports about 1 GB of enrollments.csv
 * and 0.5 GB of users.csv; real roster CSVs deflate 5–20:1.
 */
export const DEFAULT_LIMITS: Readonly<ReadLimits> = Object.freeze({
  maxExportBytes: 4 * GiB,
  maxFileBytes: 2 * GiB,
  maxZipRatio: 100,
  maxZipEntries: 1000,
  maxRecordBytes: 1 * MiB,
});

/** A zip entry smaller than this is never judged by its ratio (a tiny file of commas may deflate 1000:1). */
export const RATIO_FLOOR_BYTES = 1 * MiB;

/** The environment variable that sets each limit. */
export const LIMIT_ENV: Readonly<Record<keyof ReadLimits, string>> = Object.freeze({
  maxExportBytes: "CDT_MAX_EXPORT_BYTES",
  maxFileBytes: "CDT_MAX_FILE_BYTES",
  maxZipRatio: "CDT_MAX_ZIP_RATIO",
  maxZipEntries: "CDT_MAX_ZIP_ENTRIES",
  maxRecordBytes: "CDT_MAX_RECORD_BYTES",
});

/** A read stopped by one of the {@link ReadLimits}: a SourceError that names the limit it hit. */
export class LimitError extends SourceError {
  override name = "LimitError";
  override readonly code: ErrorCode = "limit.exceeded";
  /**
   * @param limit the limit that was exceeded
   * @param message what, where, the limit and how to raise it
   */
  constructor(readonly limit: keyof ReadLimits, message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

const UNITS: Record<string, number> = { "": 1, k: 1024, kib: 1024, m: MiB, mib: MiB, g: GiB, gib: GiB };

/**
 * Parses a byte count as people write it: `1048576`, `512MiB`, `4G`.
 *
 * @example
 * parseBytes("4GiB") // 4294967296
 */
export function parseBytes(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = UNITS[m[2].toLowerCase()];
  if (unit === undefined) return undefined;
  const n = Math.floor(Number(m[1]) * unit);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/**
 * Bytes for a message: `600 MiB`, `1.5 GiB`, `812 bytes`.
 *
 * @example
 * formatBytes(2 * 1024 ** 3) // "2 GiB"
 */
export function formatBytes(n: number): string {
  const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
  if (n >= GiB) return `${fmt(Math.round((n / GiB) * 10) / 10)} GiB`;
  if (n >= MiB) return `${fmt(Math.round((n / MiB) * 10) / 10)} MiB`;
  if (n >= 1024) return `${fmt(Math.round((n / 1024) * 10) / 10)} KiB`;
  return `${n} bytes`;
}

/**
 * The limits the environment sets (unset variables keep the defaults); a
 * value that is not a positive number is a configuration error.
 *
 * @example
 * limitsFromEnv({ CDT_MAX_RECORD_BYTES: "4MiB" }).maxRecordBytes // 4194304
 */
export function limitsFromEnv(env: Record<string, string | undefined>): ReadLimits {
  const out: ReadLimits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(LIMIT_ENV) as Array<keyof ReadLimits>) {
    const name = LIMIT_ENV[key];
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") continue;
    const value = key === "maxZipRatio" || key === "maxZipEntries"
      ? (/^\s*\d+\s*$/.test(raw) && Number(raw) > 0 ? Number(raw) : undefined)
      : parseBytes(raw);
    if (value === undefined) {
      throw new SettingsError(
        `${name} is ${JSON.stringify(raw.slice(0, 40))}; expected a positive ${
          key === "maxZipRatio" || key === "maxZipEntries" ? "whole number" : "number of bytes such as 1048576 or 4GiB"
        }`,
      );
    }
    out[key] = value;
  }
  return out;
}

/** The process environment, or nothing when reading it is not permitted. */
function processEnv(): Record<string, string> {
  try {
    return Deno.env.toObject();
  } catch {
    return {};
  }
}

/**
 * The limits a read runs under: the defaults, then the environment, then
 * what the caller gives.
 *
 * @example
 * const limits = resolveLimits({ maxRecordBytes: 64 * 1024 });
 */
export function resolveLimits(given: Partial<ReadLimits> = {}, env?: Record<string, string | undefined>): ReadLimits {
  const merged = { ...limitsFromEnv(env ?? processEnv()) };
  for (const [k, v] of Object.entries(given)) if (v !== undefined) (merged as Record<string, number>)[k] = v;
  return ReadLimits.parse(merged);
}

/**
 * Counts the bytes read from one export against the export-wide limit; one
 * per bundle, shared by every file read from it.
 */
export class ByteBudget {
  #used = 0;
  constructor(readonly limits: ReadLimits, readonly location: string) {}

  /** Bytes read so far. */
  get used(): number {
    return this.#used;
  }

  /** Adds `n` bytes of `file`; throws a LimitError past the file or export limit. */
  take(file: string, n: number, fileSoFar: number): void {
    this.#used += n;
    if (fileSoFar > this.limits.maxFileBytes) {
      throw new LimitError(
        "maxFileBytes",
        `${this.location}: ${file} is larger than ${
          formatBytes(this.limits.maxFileBytes)
        }, the limit per file (${LIMIT_ENV.maxFileBytes}); not read`,
      );
    }
    if (this.#used > this.limits.maxExportBytes) {
      throw new LimitError(
        "maxExportBytes",
        `${this.location}: the export's files add up to more than ${
          formatBytes(this.limits.maxExportBytes)
        }, the limit per export (${LIMIT_ENV.maxExportBytes}); stopped at ${file}`,
      );
    }
  }
}

/**
 * Escapes a name taken from a file (a zip entry) for a message: control
 * characters become `\u{…}` so a name cannot steer a terminal.
 *
 * @example
 * printableName("users\u001b[2J.csv") // "users\\u{1b}[2J.csv"
 */
export function printableName(name: string, max = 200): string {
  // deno-lint-ignore no-control-regex
  const safe = name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
  return shorten(safe, max);
}
