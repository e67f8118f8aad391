/** Reads a roster from whatever source a customer's settings name. */
import type { Roster } from "../model/roster.ts";
import type { SourceSettings } from "../settings/schema.ts";
import { readOneRosterCsv, type ReadProgress } from "./oneroster-csv/read.ts";
import { type FetchProgress, readOneRosterRest } from "./oneroster-rest/read.ts";
import { readCustomCsv } from "./custom-csv/read.ts";
import type { HttpOptions } from "./http/client.ts";

/** Options of {@link readSource}. */
export interface SourceReadOptions {
  onProgress?: (progress: ReadProgress) => void;
  /** Pages and rows fetched per endpoint, retries included (REST sources). */
  onFetch?: (progress: FetchProgress) => void;
  /** Resolves a path from the settings (relative to the settings file). */
  resolvePath?: (path: string) => string;
  /** Report missing required files and columns as issues instead of failing (roster-check). */
  tolerateMissing?: boolean;
  /** OneRoster CSV: hand enrollments over as they are read instead of keeping them (see ReadOptions.onEnrollments). */
  onEnrollments?: import("./oneroster-csv/read.ts").ReadOptions["onEnrollments"];
  /** OneRoster CSV: whether enrollments.csv may be read on a second thread (see ReadOptions.enrollmentsThread). */
  enrollmentsThread?: import("./oneroster-csv/read.ts").ReadOptions["enrollmentsThread"];
  /** Environment variables, for the credentials REST sources name. */
  env?: Record<string, string | undefined>;
  resolver?: import("../credentials/mod.ts").CredentialResolver;
  http?: HttpOptions;
}

/**
 * Reads the roster a source setting describes.
 *
 * @example
 * const roster = await readSource({ kind: "oneroster-csv", path: "/data/lincoln.zip" });
 */
export async function readSource(source: SourceSettings, options: SourceReadOptions = {}): Promise<Roster> {
  const resolve = (p: string) => options.resolvePath?.(p) ?? p;
  switch (source.kind) {
    case "oneroster-csv":
      return await readOneRosterCsv(resolve(source.path), {
        onProgress: options.onProgress,
        tolerateMissing: options.tolerateMissing,
        onEnrollments: options.onEnrollments,
        enrollmentsThread: options.enrollmentsThread,
      });
    case "custom-csv":
      return await readCustomCsv(source, resolve(source.path), { onProgress: options.onProgress });
    case "oneroster-rest":
    case "classlink":
      return await readOneRosterRest(source, {
        env: options.env,
        resolver: options.resolver,
        onProgress: options.onFetch,
        http: options.http,
      });
  }
}

export type { FetchProgress, ReadProgress };
export { readOneRosterCsv };
