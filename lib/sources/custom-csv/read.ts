/**
 * Reads a district's own CSV export, whose columns the settings map onto
 * OneRoster's, into the roster model. Rows go through the same builders,
 * validation and file:line errors as a OneRoster export.
 */
import { EnrollmentTable } from "../../model/enrollment-table.ts";
import { isAbsolute, join } from "node:path";
import { Readable } from "node:stream";
import type { z } from "zod";
import {
  Class,
  Enrollment,
  type EntityFile,
  type FileMode,
  Org,
  type RejectedRow,
  type Roster,
  User,
} from "../../model/roster.ts";
import type { CustomCsvSource, CustomFile } from "../../settings/schema.ts";
import { SourceError } from "../errors.ts";
import { IssueCollector } from "../../model/issues.ts";
import { csvRecords, invalidUtf8Into } from "../oneroster-csv/records.ts";
import { formatBytes, LIMIT_ENV, LimitError, resolveLimits } from "../limits.ts";
import {
  classRow,
  dated,
  enrollmentRow,
  type Get,
  orgRow,
  type RowBuilder,
  RowSink,
  userRow,
  warnInto,
} from "../oneroster-csv/rows.ts";
import type { Warn } from "../oneroster-csv/values.ts";
import type { ReadProgress } from "../oneroster-csv/read.ts";

/** Options of {@link readCustomCsv}. */
export interface CustomReadOptions {
  onProgress?: (progress: ReadProgress) => void;
}

const FILES: Array<
  {
    stem: EntityFile & ("orgs" | "users" | "classes" | "enrollments");
    schema: z.ZodType<{ sourcedId: string }>;
    build: RowBuilder;
  }
> = [
  { stem: "orgs", schema: Org, build: dated(orgRow) },
  { stem: "users", schema: User, build: dated(userRow("1.1", undefined)) },
  { stem: "classes", schema: Class, build: dated(classRow()) },
  {
    stem: "enrollments",
    schema: Enrollment,
    build: dated(enrollmentRow, [["beginDate", "date"], ["endDate", "date"]]),
  },
];

/**
 * Reads the files a custom-csv source names from `dir`.
 *
 * @example
 * const roster = await readCustomCsv(settings.source, "/data/adams-usd");
 */
export async function readCustomCsv(
  source: CustomCsvSource,
  dir: string,
  options: CustomReadOptions = {},
): Promise<Roster> {
  const issues = new IssueCollector();
  const rejected: RejectedRow[] = [];
  const fileModes: Partial<Record<EntityFile, FileMode>> = { courses: "absent", academicSessions: "absent" };
  const out: Record<string, Array<{ sourcedId: string }>> = { orgs: [], users: [], classes: [], enrollments: [] };
  for (const { stem, schema, build } of FILES) {
    const entry = source.files[stem];
    if (!entry) {
      fileModes[stem] = "absent";
      continue;
    }
    fileModes[stem] = "bulk";
    for (const file of Array.isArray(entry) ? entry : [entry]) {
      const sink = new RowSink(file.file, schema, build, { issues, rejected });
      await readMapped(
        dir,
        file,
        (get, warn, line) => sink.add(get, warn, line, () => undefined),
        issues,
        options,
      );
      // Several files of one kind (students.csv, teachers.csv…) add up; a sourcedId is kept once across them.
      const seen = new Set(out[stem].map((r) => r.sourcedId));
      for (const row of sink.rows) {
        if (seen.has(row.sourcedId)) {
          issues.add(
            "warning",
            file.file,
            0,
            "duplicate_id",
            `sourcedId "${row.sourcedId}" is in more than one ${stem} file; the first is kept`,
            {
              sourcedId: row.sourcedId,
            },
          );
        } else {
          out[stem].push(row);
        }
      }
    }
  }
  return {
    source: { kind: "custom-csv", version: "custom", location: dir },
    fileModes,
    orgs: out.orgs as Org[],
    users: out.users as User[],
    classes: out.classes as Class[],
    // As every reader keeps them: columns, not an object each.
    enrollments: EnrollmentTable.from(out.enrollments as Enrollment[]),
    courses: [],
    academicSessions: [],
    issues: issues.list(),
    rejected,
  };
}

/** Streams one custom file, presenting each row by OneRoster column name through the mapping. */
async function readMapped(
  dir: string,
  mapping: CustomFile,
  each: (get: Get, warn: Warn, line: number) => void,
  issues: IssueCollector,
  options: CustomReadOptions,
): Promise<void> {
  const path = join(dir, mapping.file);
  const file = await openInside(dir, mapping.file);
  const name = mapping.file;
  const limits = resolveLimits();
  const { size } = await file.stat();
  if (size > limits.maxFileBytes) {
    file.close();
    throw new LimitError(
      "maxFileBytes",
      `${path} is ${formatBytes(size)}, more than ${
        formatBytes(limits.maxFileBytes)
      }, the limit per file (${LIMIT_ENV.maxFileBytes}); not read`,
    );
  }
  const index: Record<string, number> = Object.create(null);
  let header: string[] | undefined;
  let fields: string[] = [];
  let line = 0;
  let rows = 0;
  const defaults = mapping.defaults ?? {};
  const get: Get = (column) => {
    const i = index[column];
    return i === undefined ? defaults[column] ?? "" : fields[i] ?? "";
  };
  const warn: Warn = warnInto(issues, name, () => line);
  for await (
    const record of csvRecords(
      name,
      Readable.fromWeb(file.readable as import("node:stream/web").ReadableStream),
      { maxRecordBytes: limits.maxRecordBytes, onInvalidUtf8: invalidUtf8Into(issues, name) },
    )
  ) {
    if (!header) {
      header = record.fields.map((h) => h.trim());
      const missing: string[] = [];
      for (const [column, headerName] of Object.entries(mapping.columns)) {
        let at = header.indexOf(headerName);
        if (at === -1) {
          at = header.findIndex((h) => h.toLowerCase() === headerName.toLowerCase());
          if (at !== -1) {
            issues.add(
              "warning",
              name,
              record.line,
              "header",
              `column "${header[at]}" read as "${headerName}" (mapped to ${column})`,
              { column: headerName },
            );
          }
        }
        if (at === -1) missing.push(`"${headerName}" (mapped to ${column})`);
        else index[column] = at;
      }
      if (missing.length) {
        throw new SourceError(
          `${name}:${record.line}: column${missing.length > 1 ? "s" : ""} ${
            missing.join(", ")
          } not in the header; the header has ${header.join(", ")}`,
        );
      }
      continue;
    }
    fields = record.fields;
    line = record.line;
    each(get, warn, line);
    rows++;
  }
  if (!header) {
    throw new SourceError(`${path} is empty (no header row); the custom-csv settings name it: write it out again`);
  }
  options.onProgress?.({ file: name, rows, done: true });
}

/**
 * Opens `name` of the export folder `dir` if it is a regular file inside it, as a OneRoster export's files are: a
 * FIFO or a device would block the read forever (so the file's type is checked before it is opened), and a symbolic
 * link, or a folder on the way that is one, could lead anywhere on this machine.
 */
async function openInside(dir: string, name: string): Promise<Deno.FsFile> {
  const path = join(dir, name);
  const refuse = (what: string) =>
    new SourceError(
      `${path} ${what}; only regular files inside the export folder are read: put the file itself in ${dir}`,
    );
  let file: Deno.FsFile | undefined;
  try {
    const info = await Deno.lstat(path);
    if (info.isSymlink) throw refuse("is a symbolic link");
    if (info.isDirectory) throw refuse("is a folder");
    if (!info.isFile) throw refuse("is not a regular file (a pipe, socket or device)");
    // Inside the folder by its own name: no ".." and no folder on the way that is a link (the folder itself may be
    // one: the settings name it). Checked without resolving where links lead, which a server job may not read.
    const parts = name.split(/[\\/]+/).filter((p) => p !== "" && p !== ".");
    if (isAbsolute(name) || parts.includes("..")) throw refuse("is outside the export folder");
    for (let k = 1; k < parts.length; k++) {
      if (!(await Deno.lstat(join(dir, ...parts.slice(0, k)))).isDirectory) {
        throw refuse("is outside the export folder (a folder on the way is a link)");
      }
    }
    file = await Deno.open(path);
    // Replaced between the check and the opening: what was checked is not what is open.
    const opened = await file.stat();
    if (!opened.isFile || opened.ino !== info.ino || opened.dev !== info.dev) {
      throw refuse("was replaced while it was opened");
    }
    return file;
  } catch (e) {
    file?.close();
    if (e instanceof SourceError) throw e;
    throw new SourceError(
      `${path}: cannot be opened (${(e as Error).message}); check "files" in the custom-csv settings`,
    );
  }
}
