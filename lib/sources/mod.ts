/** Reads a roster from whatever source a customer's settings name. */
import type { Roster } from "../roster.ts";
import type { SourceSettings } from "../settings/schema.ts";
import { readOneRosterCsv, type ReadProgress } from "./oneroster-csv/read.ts";

/** Options of {@link readSource}. */
export interface SourceReadOptions {
  onProgress?: (progress: ReadProgress) => void;
  /** Resolves a path from the settings (relative to the settings file). */
  resolvePath?: (path: string) => string;
  /** Report missing required files and columns as issues instead of failing (roster-check). */
  tolerateMissing?: boolean;
}

/**
 * Reads the roster a source setting describes.
 *
 * @example
 * const roster = await readSource({ kind: "oneroster-csv", path: "/data/lincoln.zip" });
 */
export async function readSource(source: SourceSettings, options: SourceReadOptions = {}): Promise<Roster> {
  switch (source.kind) {
    case "oneroster-csv":
      return await readOneRosterCsv(options.resolvePath?.(source.path) ?? source.path, {
        onProgress: options.onProgress,
      });
  }
}

export type { ReadProgress };
export { readOneRosterCsv };
