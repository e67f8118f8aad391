/**
 * Reads a OneRoster 1.1 or 1.2 CSV bundle (directory or zip) into the roster
 * model. Rows are streamed, validated with zod, and every oddity is reported
 * with its file and line; only rows that cannot be understood are rejected,
 * and those are counted and named, never dropped silently.
 */
import type { z } from "zod";
import {
  AcademicSession,
  Class,
  Course,
  Enrollment,
  type EntityFile,
  type FileMode,
  Org,
  type RejectedRow,
  type RoleAssignment,
  type Roster,
  User,
} from "../../model/roster.ts";
import { SourceError } from "../errors.ts";
import { IssueCollector } from "../../model/issues.ts";
import { type Bundle, openBundle } from "./bundle.ts";
import type { ReadLimits } from "../limits.ts";
import { type CsvFile, type OneRosterVersion, requiredColumns, specColumns } from "./columns.ts";
import { mapHeader } from "./header.ts";
import { type Manifest, parseManifest } from "./manifest.ts";
import { type CsvOptions, csvRecordBatches, csvRecords, csvRecordsContaining, invalidUtf8Into } from "./records.ts";
import {
  classRow,
  courseRow,
  dated,
  enrollmentRow,
  enrollmentRowWith,
  type Extensions,
  type Get,
  NUMBERED_FILES,
  orgRow,
  rejectRow,
  type RowBuilder,
  RowSink,
  sessionRow,
  userRow,
  warnInto,
} from "./rows.ts";
import { readStatus, ROLES_12, type Warn } from "./values.ts";
import { readRoleAssignment } from "./roles.ts";
import { detach } from "../detach.ts";
import { IdTable } from "../../id-table.ts";
import { UserTable } from "../../model/user-table.ts";
import { EnrollmentTable } from "../../model/enrollment-table.ts";
import type { RowStore } from "../../model/rows.ts";
import { isMainThread } from "node:worker_threads";
import { type EnrollmentsRead, type EnrollmentsThread, readEnrollmentsInWorker } from "./enrollments-thread.ts";

/** Progress while reading: rows read so far in one file. */
export interface ReadProgress {
  file: string;
  rows: number;
  done: boolean;
}

/** Options of {@link readOneRosterCsv}. */
export interface ReadOptions {
  onProgress?: (progress: ReadProgress) => void;
  /** The day roles are judged current on (1.2 `endDate` is exclusive); default today. */
  asOf?: string;
  /**
   * Reads only the rows a predicate keeps, per file (for a focused read such
   * as a person lookup); rows it skips are neither built nor validated.
   * Entity files it omits are read whole. Enrollments are read before classes,
   * so a class filter may use what the enrollment filter saw.
   */
  keep?: Partial<Record<CsvFile, (get: (column: string) => string) => boolean>>;
  /**
   * Parse only the records whose raw text contains one of these strings, per
   * file (the header always); `keep` still decides on the parsed row. Lets a
   * lookup skip most of a large file without parsing it.
   */
  contains?: Partial<Record<CsvFile, readonly string[]>>;
  /**
   * Report a missing required file or column as an issue (the file is then
   * treated as absent) instead of failing: for roster-check, which reports
   * every problem of an export.
   */
  tolerateMissing?: boolean;
  /** Read only these entity files (others are left empty); default all. */
  only?: readonly CsvFile[];
  /**
   * Hands enrollments over as they are read instead of keeping them: called
   * once with the roster read so far (every file but enrollments.csv, the
   * very object the read returns), it returns the function that takes each
   * kept enrollment. `roster.enrollments` then stays empty, and enrollments
   * are read last. For roster-check on a large export, which checks each
   * enrollment once and needs none of them afterwards. When enrollments.csv
   * is read in a worker, each enrollment comes with `user`, the worker's
   * number for its userSourcedId (one number per id throughout the read),
   * and `sent` settles once this thread has handed the worker the file's
   * last byte: from then on this thread may work long without a turn of its
   * event loop and the worker goes on (until then its bytes come from here).
   */
  onEnrollments?: (roster: Roster, sent?: Promise<void>) => (enrollment: Enrollment, user?: number) => void;
  /** Bounds on what is read (zip sizes and ratio, record size); default the environment's, else DEFAULT_LIMITS. */
  limits?: Partial<ReadLimits>;
  /**
   * Read enrollments.csv in a worker, on another core, while this thread
   * reads the other files (enrollments-thread.ts): `auto` (the default) when
   * the file is at least {@link THREAD_FROM_BYTES}, the export is within its
   * limits by its files' sizes, this is the main thread (a server job's
   * worker keeps its memory budget by reading in its own thread) and the
   * process may read the worker's module. `always` skips those conditions
   * (tests). Neither reads in a worker with `keep`, `contains` or `only`.
   */
  enrollmentsThread?: "auto" | "always" | "never";
}

/**
 * Whether this process may load the worker's module (a process allowed to
 * read only the export may not: it reads on its own thread).
 */
function mayStartWorker(): boolean {
  const url = new URL("./enrollments-worker.ts", import.meta.url);
  if (url.protocol !== "file:") return true;
  return Deno.permissions.querySync({ name: "read", path: url }).state === "granted";
}

/** Records one at a time, as batches of one (a focused read's records are few). */
async function* oneByOne<T>(records: AsyncIterable<T>): AsyncGenerator<T[]> {
  for await (const record of records) yield [record];
}

/** The size of enrollments.csv from which `auto` reads it in a worker: below it, starting one costs more than it saves. */
export const THREAD_FROM_BYTES = 16 * 1024 * 1024;

/**
 * The chunks the main thread reads enrollments.csv in for the worker: 1 MiB, not 64 KiB. Each chunk costs the busy
 * main thread a turn of its event loop; at 64 KiB the worker waited 8.6 of 26 s for bytes at 1,000,000 students.
 * A multiple of the bundle's own reads (64 KiB), which the worker cuts it back into.
 */
const PUMP_CHUNK_BYTES = 1 << 20;
/**
 * With enrollments streamed (roster-check), 8 MiB chunks up to 128 MiB ahead. Each chunk costs this thread a turn,
 * and with 1 MiB chunks the lead never grew beyond what the worker took (about 25 MB/s each way at 1,000,000
 * students). So the worker has the whole file soon after this thread has read the others, and roster-check's own
 * work here (rosterCheckStream) does not starve it.
 */
const STREAMED_PUMP_CHUNK_BYTES = 8 << 20;
const STREAMED_AHEAD_BYTES = 128 << 20;
const PROGRESS_EVERY = 25_000;

/** One string per distinct id (detached from the file's text), for the duration of one read. */
function interner(): (id: string) => string {
  const ids = new IdTable();
  return (id) => ids.at(ids.add(id, detach));
}
const REQUIRED_FILES: readonly CsvFile[] = ["orgs", "users", "classes", "enrollments"];

/**
 * Reads a OneRoster CSV export.
 *
 * @example
 * const roster = await readOneRosterCsv("exports/lincoln.zip");
 * roster.users.length // 14210
 */
export async function readOneRosterCsv(path: string, options: ReadOptions = {}): Promise<Roster> {
  const bundle = await openBundle(path, options.limits);
  const issues = new IssueCollector();
  for (const w of bundle.warnings) issues.add("warning", "(bundle)", 0, "layout", w);
  const reader = new BundleReader(bundle, issues, options);
  return await reader.read();
}

/**
 * Reads enrollments.csv alone, every kept row through `take`: what the
 * worker of enrollments-thread.ts runs. Returns what the read met besides
 * its rows, for the main thread's reader to add to its own.
 *
 * The rows' ids are not interned: they are cut from the file's text, and
 * `take` detaches whatever it keeps (the worker's packer keeps each user id
 * once). At 1,000,000 students, interning cost the worker 4.3 s on its own
 * critical path, and the packer then looked each user up again.
 *
 * @example
 * const users = new Set<string>();
 * const keep = (e: Enrollment) => users.add(detach(e.userSourcedId));
 * const read = await readEnrollmentsAlone(bundle, "enrollments.csv", "1.1", {}, keep);
 * read.issues.length // 0
 */
export async function readEnrollmentsAlone(
  bundle: Bundle,
  name: string,
  version: OneRosterVersion,
  options: ReadOptions,
  take: (e: Enrollment) => void,
): Promise<EnrollmentsRead> {
  const issues = new IssueCollector();
  const reader = new BundleReader(bundle, issues, { ...options, enrollmentsThread: "never" });
  await reader.enrollments(name, version, take, false);
  // The refused rows are copied by postMessage: the reader's own array will do.
  return { issues: issues.entries(), rejected: reader.rejected, unreadable: reader.unreadable("enrollments") };
}

class BundleReader {
  #rejected: RejectedRow[] = [];
  #names = new Map<string, string>();
  /** Files skipped for a missing required column (only with tolerateMissing). */
  #unreadable = new Set<CsvFile>();
  /** roles.csv rows, to name those whose user is not in users.csv. */
  #roleRows: Array<{ sourcedId: string; userSourcedId: string; line: number }> = [];

  /** The CSV reader's options for one file: record limits from the bundle's; bytes that are not UTF-8 warned of. */
  #csv(name: string): CsvOptions {
    return { maxRecordBytes: this.bundle.limits.maxRecordBytes, onInvalidUtf8: invalidUtf8Into(this.issues, name) };
  }

  constructor(readonly bundle: Bundle, readonly issues: IssueCollector, readonly options: ReadOptions) {
    for (const name of bundle.files) this.#names.set(name.toLowerCase(), name);
  }

  /** The bundle's name for `<stem>.csv`, accepting another letter case with a warning. */
  #fileName(stem: string): string | undefined {
    const wanted = `${stem}.csv`;
    if (this.bundle.files.includes(wanted)) return wanted;
    const other = this.#names.get(wanted.toLowerCase());
    if (other) {
      this.issues.add("warning", other, 0, "file_name", `file "${other}" read as ${wanted} (names are case-sensitive)`);
    }
    return other;
  }

  async read(): Promise<Roster> {
    const manifest = await this.#manifest();
    const version = this.#version(manifest);
    const fileModes: Partial<Record<EntityFile, FileMode>> = {};
    const present = new Map<CsvFile, string>();
    const stems: CsvFile[] = ["orgs", "users", "classes", "enrollments", "courses", "academicSessions"];
    if (version === "1.2") stems.push("roles");
    for (const stem of stems) {
      const name = this.#fileName(stem);
      const declared = manifest?.files.get(stem);
      if (declared === "absent") {
        if (name) {
          this.issues.add(
            "warning",
            name,
            0,
            "declared_absent",
            `${name} is present but manifest.csv declares it absent; not read`,
            { file: name },
          );
        }
        if (stem !== "roles") fileModes[stem] = "absent";
        continue;
      }
      if (!name) {
        const required = REQUIRED_FILES.includes(stem) ||
          (stem === "roles" && manifest?.files.get("users") !== "absent");
        if (declared || required) {
          // There, but not read (a link, a pipe): said as it is, not as missing.
          const notRead = this.bundle.notRead?.get(`${stem}.csv`);
          const missing = notRead
            ? `is ${notRead}, which is not read (only the export's regular files are)`
            : "is missing";
          if (required && this.options.tolerateMissing) {
            this.issues.add(
              "error",
              `${stem}.csv`,
              0,
              "missing_file",
              `${stem}.csv ${missing}${
                declared ? ` but manifest.csv declares it ${declared}` : ""
              }; a OneRoster ${version} export needs it`,
              { file: `${stem}.csv` },
            );
          } else if (required) {
            throw new SourceError(
              `${this.bundle.location}: ${stem}.csv ${missing}${
                declared ? ` but manifest.csv declares it ${declared}` : ""
              }; ` +
                `a OneRoster ${version} export needs it (declare it "absent" in manifest.csv if it is left out on purpose)`,
            );
          }
          if (!required) {
            this.issues.add(
              "warning",
              `${stem}.csv`,
              0,
              "missing_file",
              `${stem}.csv is declared ${declared} in manifest.csv but is not in the export`,
              { file: `${stem}.csv` },
            );
          }
        }
        if (stem !== "roles") fileModes[stem] = "absent";
        continue;
      }
      present.set(stem, name);
      if (stem !== "roles") fileModes[stem] = declared ?? "bulk";
    }

    if (manifest) {
      for (const file of this.bundle.files) {
        const stem = file.replace(/\.csv$/i, "");
        if (stem.toLowerCase() === "manifest") continue;
        if (![...manifest.files.keys()].some((k) => k.toLowerCase() === stem.toLowerCase())) {
          this.issues.add(
            "warning",
            file,
            0,
            "undeclared_file",
            `${file} is in the export but manifest.csv does not declare it`,
            {
              file,
            },
          );
        }
      }
    }

    const roster: Roster = {
      source: { kind: "oneroster-csv", version, location: this.bundle.location, systemName: manifest?.systemName },
      fileModes,
      orgs: [],
      users: [],
      classes: [],
      enrollments: [],
      courses: [],
      academicSessions: [],
      issues: [],
      rejected: this.#rejected,
    };
    const only = this.options.only;
    const name = (stem: CsvFile) => (!only || only.includes(stem) || stem === "roles" ? present.get(stem) : undefined);
    const thread = await this.#thread(name("enrollments"), version);
    try {
      return await this.#readFiles(roster, version, name, thread);
    } finally {
      thread?.close();
    }
  }

  /** Reads the entity files into `roster` (enrollments.csv in `thread`, when given). */
  async #readFiles(
    roster: Roster,
    version: OneRosterVersion,
    name: (stem: CsvFile) => string | undefined,
    thread: EnrollmentsThread | undefined,
  ): Promise<Roster> {
    const fileModes = roster.fileModes;
    const streamed = this.options.onEnrollments;
    if (thread && !streamed) {
      // Taken as they come, while this thread reads the other files: batches kept waiting would only cost memory.
      const table = new EnrollmentTable();
      // The worker numbered the users as the table would: the table need not hash them again, nor make the rows.
      thread.take(table);
      roster.enrollments = table;
    }
    if (name("orgs")) {
      roster.orgs = await this.#table(name("orgs")!, version, "orgs", Org, dated(orgRow));
    }
    const roles = name("roles") ? await this.#roles(name("roles")!, version) : undefined;
    if (name("users")) {
      roster.users = await this.#table(
        name("users")!,
        version,
        "users",
        User,
        dated(userRow(version, roles, this.options.asOf)),
        // As columns: the users are most of what a roster holds in the heap but its enrollments (user-table.ts).
        { rows: new UserTable() },
      );
    }
    const readEnrollments = async (forward?: (e: Enrollment) => void) => {
      if (!name("enrollments")) return;
      const rows = await this.enrollments(name("enrollments")!, version, forward);
      if (!forward) roster.enrollments = rows;
    };
    // Where enrollments.csv's refused rows go among the others when a worker reads it: where this thread would.
    const rejectedBefore = this.#rejected.length;
    if (!thread && !streamed) await readEnrollments();
    try {
      if (name("classes")) {
        roster.classes = await this.#table(name("classes")!, version, "classes", Class, dated(classRow()));
      }
      if (name("courses")) {
        roster.courses = await this.#table(name("courses")!, version, "courses", Course, dated(courseRow));
      }
      if (name("academicSessions")) {
        roster.academicSessions = await this.#table(
          name("academicSessions")!,
          version,
          "academicSessions",
          AcademicSession,
          dated(sessionRow, [["startDate", "date"], ["endDate", "date"]]),
        );
      }
    } catch (e) {
      // enrollments.csv comes before these files: its failure, when it has one, is the one this thread would meet.
      if (thread && !streamed) await thread.done;
      throw e;
    }
    const unreadable = () => {
      for (const stem of this.#unreadable) if (stem !== "roles") fileModes[stem as EntityFile] = "absent";
    };
    // Streamed enrollments come last: whoever takes them may look at every other file, as it will be returned.
    if (streamed) {
      unreadable();
      if (thread) thread.take(streamed(roster, thread.sent));
      else await readEnrollments(streamed(roster));
    }
    if (thread) {
      const read = await thread.done;
      this.issues.merge(read.issues);
      // In place (the roster holds this array), and without spreading: a hostile file may refuse millions of rows.
      const after = this.#rejected.splice(streamed ? this.#rejected.length : rejectedBefore);
      for (const r of read.rejected) this.#rejected.push(r);
      for (const r of after) this.#rejected.push(r);
      if (read.unreadable) this.#unreadable.add("enrollments");
    }
    unreadable();
    this.#checkRoleUsers(roster);
    roster.issues = this.issues.list();
    return roster;
  }

  async #manifest(): Promise<Manifest | undefined> {
    const name = this.#fileName("manifest");
    if (!name) {
      this.issues.add(
        "warning",
        "manifest.csv",
        0,
        "missing_manifest",
        "manifest.csv is missing; the OneRoster version is inferred from the files",
      );
      return undefined;
    }
    return await parseManifest(csvRecords(name, await this.bundle.open(name), this.#csv(name)), this.issues);
  }

  #version(manifest: Manifest | undefined): OneRosterVersion {
    const declared = manifest?.version;
    if (declared === "1.1" || declared === "1.2") return declared;
    if (declared === "1.0") {
      this.issues.add("info", "manifest.csv", 0, "version", "oneroster.version is 1.0; read with the 1.1 columns");
      return "1.1";
    }
    const inferred: OneRosterVersion = this.#fileName("roles") ? "1.2" : "1.1";
    if (manifest) {
      this.issues.add(
        "warning",
        "manifest.csv",
        0,
        "version",
        declared
          ? `oneroster.version is "${declared}"; read as ${inferred}`
          : `manifest.csv has no oneroster.version; read as ${inferred}`,
      );
    }
    return inferred;
  }

  async #roles(name: string, version: OneRosterVersion): Promise<Map<string, RoleAssignment[]>> {
    const byUser = new Map<string, Array<RoleAssignment & { deleted?: boolean }>>();
    await this.#rows(name, version, "roles", (get, warn, line) => {
      const userSourcedId = get("userSourcedId").trim();
      if (!userSourcedId) {
        return this.#reject(
          name,
          line,
          "",
          'column "userSourcedId" is empty; expected a non-empty id',
          "userSourcedId",
        );
      }
      const status = readStatus(get("status"), warn);
      if (status === "tobedeleted") {
        // Kept aside: a deleted user's role says what it was, never what it is (see userRow).
        const role = get("role").trim();
        if ((ROLES_12 as readonly string[]).includes(role)) {
          const list = byUser.get(userSourcedId) ?? [];
          list.push({ role: role as RoleAssignment["role"], roleType: "secondary", deleted: true });
          byUser.set(userSourcedId, list);
        }
        return;
      }
      const read = readRoleAssignment({
        role: get("role"),
        roleType: get("roleType"),
        orgSourcedId: get("orgSourcedId"),
        beginDate: get("beginDate"),
        endDate: get("endDate"),
      }, warn);
      if (!read.ok) return this.#reject(name, line, userSourcedId, read.reason, read.column);
      this.#roleRows.push({ sourcedId: get("sourcedId").trim(), userSourcedId, line });
      const list = byUser.get(userSourcedId) ?? [];
      list.push(read.assignment);
      byUser.set(userSourcedId, list);
    });
    return byUser;
  }

  /**
   * Reads enrollments.csv into a table, or through `forward` (which then takes every kept row). Without `intern`,
   * the forwarded rows' ids are cut from the file's text: `forward` detaches what it keeps.
   */
  async enrollments(
    name: string,
    version: OneRosterVersion,
    forward?: (e: Enrollment) => void,
    intern = true,
  ): Promise<EnrollmentTable> {
    return await this.#table(
      name,
      version,
      "enrollments",
      Enrollment,
      dated(intern ? enrollmentRowWith(interner()) : enrollmentRow, [["beginDate", "date"], ["endDate", "date"]]),
      // Ten rows a student: kept as columns, not as an object each.
      { forward, rows: new EnrollmentTable() },
    );
  }

  /** Rows this read refused so far. */
  get rejected(): readonly RejectedRow[] {
    return this.#rejected;
  }

  /** Whether a file was found unreadable (a required column missing, with tolerateMissing). */
  unreadable(stem: CsvFile): boolean {
    return this.#unreadable.has(stem);
  }

  /** A worker reading enrollments.csv, when it should (see ReadOptions.enrollmentsThread). */
  async #thread(name: string | undefined, version: OneRosterVersion): Promise<EnrollmentsThread | undefined> {
    const { enrollmentsThread = "auto", keep, contains, only } = this.options;
    // A focused read's predicates are functions, which cannot be sent to a worker: it reads here.
    if (!name || enrollmentsThread === "never" || keep || contains || only) return undefined;
    if (enrollmentsThread === "auto") {
      if (!isMainThread || !this.bundle.sizeOf || !mayStartWorker()) return undefined;
      const size = await this.bundle.sizeOf(name);
      if (size === undefined || size < THREAD_FROM_BYTES) return undefined;
      // Within its limits by its sizes, the export cannot meet one sooner or in another file for being read in
      // two threads at once.
      const { maxFileBytes, maxExportBytes } = this.bundle.limits;
      let total = 0;
      for (const file of this.bundle.files) {
        const bytes = await this.bundle.sizeOf(file);
        if (bytes === undefined || bytes > maxFileBytes) return undefined;
        total += bytes;
      }
      if (total > maxExportBytes) return undefined;
    }
    const progress = this.options.onProgress;
    // Read in large chunks only where the bundle says what its own reads are, so the worker can cut them back.
    const pieceBytes = this.bundle.readBytes;
    // Streamed enrollments are taken last, when this thread has little left to read and whoever takes them works
    // long between turns: the worker should have the file's bytes by then, for it needs this thread's turns for them.
    const streamed = !!this.options.onEnrollments;
    const chunkBytes = streamed ? STREAMED_PUMP_CHUNK_BYTES : PUMP_CHUNK_BYTES;
    const open = () => this.bundle.open(name, pieceBytes ? { chunkBytes } : undefined);
    return readEnrollmentsInWorker(name, open, {
      pieceBytes,
      aheadBytes: streamed ? STREAMED_AHEAD_BYTES : undefined,
      location: this.bundle.location,
      version,
      limits: this.bundle.limits,
      tolerateMissing: this.options.tolerateMissing ?? false,
      onProgress: progress && ((rows, done) => progress({ file: name, rows, done })),
    });
  }

  /**
   * Reads one entity file into validated records (see {@link RowSink}); the rows of {@link NUMBERED_FILES} keep the
   * table of their ids (see `RowSink.done`). `afterRead` sees the sink once the file is read.
   */
  async #table<T extends { sourcedId: string }, S extends RowStore<T> = T[]>(
    name: string,
    version: OneRosterVersion,
    stem: CsvFile,
    schema: z.ZodType<T>,
    build: RowBuilder,
    more: {
      forward?: (row: T) => void;
      rows?: S;
      afterRead?: (sink: RowSink<T, S>) => void;
    } = {},
  ): Promise<S> {
    const sink = new RowSink(
      name,
      schema,
      build,
      { issues: this.issues, rejected: this.#rejected },
      "row",
      true,
      more.forward,
      more.rows ?? [] as unknown as S,
    );
    await this.#rows(name, version, stem, (get, warn, line, extensions) => sink.add(get, warn, line, extensions));
    more.afterRead?.(sink);
    return NUMBERED_FILES.has(stem) ? sink.done() : sink.rows;
  }

  /** roles.csv rows whose user is not in users.csv. */
  #checkRoleUsers(roster: Roster): void {
    if (this.#roleRows.length === 0) return;
    const users = new Set(roster.users.map((u) => u.sourcedId));
    const rejected = new Set(this.#rejected.map((r) => r.sourcedId));
    for (const r of this.#roleRows) {
      if (users.has(r.userSourcedId) || rejected.has(r.userSourcedId)) continue;
      this.issues.add(
        "error",
        "roles.csv",
        r.line,
        "unresolved_reference",
        `role "${r.sourcedId}" names user "${r.userSourcedId}", who is not in users.csv`,
        { sourcedId: r.sourcedId, column: "userSourcedId", target: r.userSourcedId },
      );
    }
  }

  /**
   * A file without even a header: for a file the export needs, an error
   * (a failed or cut-short export), else a warning.
   */
  #empty(name: string, version: OneRosterVersion, stem: CsvFile): void {
    const required = REQUIRED_FILES.includes(stem) || stem === "roles";
    if (!required) {
      this.issues.add("warning", name, 0, "empty_file", `${name} is empty (no header row)`);
      return;
    }
    const message =
      `${name} is empty (no header row); a OneRoster ${version} export needs it: download the export again`;
    if (this.options.tolerateMissing) {
      this.issues.add("error", name, 0, "empty_file", message);
      this.#unreadable.add(stem);
      return;
    }
    throw new SourceError(`${this.bundle.location}: ${message}`);
  }

  #reject(file: string, line: number, sourcedId: string, message: string, column?: string): void {
    rejectRow({ issues: this.issues, rejected: this.#rejected }, file, line, sourcedId, message, column);
  }

  /** Streams a file's rows through `each`, mapping columns by header name. */
  async #rows(
    name: string,
    version: OneRosterVersion,
    stem: CsvFile,
    each: (get: Get, warn: Warn, line: number, extensions: Extensions) => void,
  ): Promise<void> {
    const spec = specColumns(version, stem);
    const known = version === "1.2" && stem === "users" ? [...spec, "role", "orgSourcedIds"] : spec;
    const needles = this.options.contains?.[stem];
    const input = await this.bundle.open(name);
    // A batch of records per piece of the file: one promise per piece, not per row (see csvRecordBatches).
    const batches = needles
      ? oneByOne(csvRecordsContaining(name, input, needles, this.#csv(name)))
      : csvRecordBatches(name, input, this.#csv(name));
    const keep = this.options.keep?.[stem];
    let header: ReturnType<typeof mapHeader> | undefined;
    let width = 0;
    let fields: string[] = [];
    let line = 0;
    let rows = 0;
    // A null-prototype object: property reads are faster than Map lookups on this hot path.
    const index: Record<string, number> = Object.create(null);
    const get: Get = (column) => {
      const i = index[column];
      return i === undefined ? "" : fields[i] ?? "";
    };
    const warn: Warn = warnInto(this.issues, name, () => line);
    const extensions: Extensions = () => {
      let out: Record<string, string> | undefined;
      for (const ext of header!.extensions) {
        const v = fields[ext.index];
        if (v) (out ??= {})[ext.name] = v;
      }
      return out;
    };
    for await (const batch of batches) {
      for (const record of batch) {
        if (!header) {
          header = mapHeader(record.fields, known);
          width = record.fields.length;
          for (const w of header.warnings) {
            this.issues.add("warning", name, record.line, w.kind, w.message, {
              column: w.column,
              ...(w.intended ? { intended: w.intended } : {}),
            });
          }
          for (const i of header.infos) {
            this.issues.add("info", name, record.line, i.kind, i.message, { column: i.column });
          }
          const missing = requiredColumns(version, stem).filter((c) => !header!.index.has(c));
          if (missing.length && this.options.tolerateMissing) {
            for (const column of missing) {
              this.issues.add(
                "error",
                name,
                record.line,
                "required_column",
                `required column "${column}" is missing; ${name} cannot be read`,
                {
                  column,
                },
              );
            }
            this.#unreadable.add(stem);
            return;
          }
          if (missing.length) {
            throw new SourceError(
              `${name}:${record.line}: required column${missing.length > 1 ? "s" : ""} ${
                missing.map((c) => `"${c}"`).join(", ")
              } missing; ` +
                `a OneRoster ${version} ${name} needs ${requiredColumns(version, stem).join(", ")}`,
            );
          }
          const order = spec.filter((c) => header!.index.has(c)).map((c) => header!.index.get(c)!);
          if (order.some((at, i) => i > 0 && at < order[i - 1])) {
            this.issues.add(
              "warning",
              name,
              record.line,
              "column_order",
              `the columns of ${name} are not in the order of the OneRoster ${version} spec`,
              {
                file: name,
              },
            );
          }
          for (const column of spec.filter((c) => !header!.index.has(c))) {
            this.issues.add("info", name, record.line, "missing_column", `optional column "${column}" is not present`, {
              column,
            });
          }
          for (const [k, v] of header.index) index[k] = v;
          continue;
        }
        fields = record.fields;
        line = record.line;
        if (keep && !keep(get)) continue;
        if (fields.length !== width) {
          const runOn = swallowedLines(fields, index.sourcedId, width);
          if (runOn) {
            // A quote opened in a value and closed lines later (or at the end): the lines between are one record.
            // Read by position it would be nonsense, and the rows it swallowed would be reported absent.
            const last = line + runOn.breaks;
            this.#reject(
              name,
              line,
              (fields[index.sourcedId] ?? "").trim(),
              `a quote opened on line ${line} runs on to line ${last}: lines ${line}–${last} read as one row of ` +
                `${fields.length} fields (the header has ${width}); look for a stray " on line ${line}`,
            );
            for (const { offset, id } of runOn.rows) {
              this.#reject(name, line + offset, id, `this row is inside a quote opened on an earlier line`);
            }
            continue;
          }
          this.issues.add(
            "warning",
            name,
            line,
            "field_count",
            `row has ${fields.length} fields, the header has ${width}; read by position`,
          );
        }
        each(get, warn, line, extensions);
        rows++;
        if (rows % PROGRESS_EVERY === 0) this.options.onProgress?.({ file: name, rows, done: false });
      }
    }
    if (!header) this.#empty(name, version, stem);
    this.options.onProgress?.({ file: name, rows, done: true });
  }
}

/**
 * The rows a stray quote swallowed into one record of `width` columns: for a
 * record that spans several lines of which at least one reads as a row (half
 * the header's commas or more: a value of several lines, an address, holds
 * none), how many line breaks it holds and, for each line after its first that
 * reads as a row, the line's offset and the id in its `idColumn`-th field;
 * undefined for any other record.
 *
 * @example
 * swallowedLines(["stu-1", 'Ana,Ruiz\nstu-2,Bo,Li\nstu-3,Cy,Do'], 0, 3)
 * // { breaks: 2, rows: [{ offset: 1, id: "stu-2" }, { offset: 2, id: "stu-3" }] }
 */
export function swallowedLines(
  fields: readonly string[],
  idColumn: number | undefined,
  width: number,
): { breaks: number; rows: Array<{ offset: number; id: string }> } | undefined {
  let breaks = 0;
  let rowLike = false;
  const rows: Array<{ offset: number; id: string }> = [];
  for (const field of fields) {
    if (field.indexOf("\n") === -1 && field.indexOf("\r") === -1) continue;
    const lines = field.split(/\r\n|\n|\r/);
    for (let k = 1; k < lines.length; k++) {
      breaks++;
      const cells = lines[k].split(",");
      if (cells.length - 1 < (width - 1) / 2) continue;
      rowLike = true;
      const id = idColumn === undefined ? undefined : cells[idColumn]?.replace(/^\s*"?|"?\s*$/g, "");
      if (id) rows.push({ offset: breaks, id });
    }
  }
  return rowLike ? { breaks, rows } : undefined;
}
