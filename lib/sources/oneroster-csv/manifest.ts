/** `manifest.csv`: which OneRoster version the bundle is and how each file is declared. */
import type { FileMode } from "../../model/roster.ts";
import type { IssueCollector } from "../../model/issues.ts";
import type { CsvRecord } from "./records.ts";

/** What a manifest declares. */
export interface Manifest {
  version?: string;
  manifestVersion?: string;
  /** By file stem (`users`), as declared by `file.users`. */
  files: Map<string, FileMode>;
  systemName?: string;
}

/**
 * Reads the `propertyName,value` rows of a manifest, warning about values it
 * had to guess.
 *
 * @example
 * const manifest = await parseManifest(csvRecords("manifest.csv", stream), issues);
 * manifest.files.get("users") // "bulk"
 */
export async function parseManifest(records: AsyncIterable<CsvRecord>, issues: IssueCollector): Promise<Manifest> {
  const file = "manifest.csv";
  const manifest: Manifest = { files: new Map() };
  let first = true;
  for await (const { line, fields } of records) {
    const [rawName = "", rawValue = ""] = fields;
    const name = rawName.trim();
    const value = rawValue.trim();
    if (first) {
      first = false;
      if (name.toLowerCase() === "propertyname") continue;
      issues.add(
        "warning",
        file,
        line,
        "manifest_header",
        'manifest.csv has no "propertyName,value" header; read every row as a property',
      );
    }
    const lower = name.toLowerCase();
    if (lower === "oneroster.version") manifest.version = value;
    else if (lower === "manifest.version") manifest.manifestVersion = value;
    else if (lower === "source.systemname") manifest.systemName = value;
    else if (lower.startsWith("file.")) {
      const stem = name.slice(5).replace(/\.csv$/i, "");
      const mode = value.toLowerCase();
      if (mode === "bulk" || mode === "delta" || mode === "absent") {
        if (mode !== value) {
          issues.add("warning", file, line, "lenient_value", `"${name}" has "${value}"; read as ${mode}`);
        }
        manifest.files.set(stem, mode);
      } else {
        issues.add(
          "error",
          file,
          line,
          "bad_manifest_value",
          `"${name}" has "${value}"; expected bulk, delta or absent (read as bulk)`,
        );
        manifest.files.set(stem, "bulk");
      }
    }
  }
  return manifest;
}
