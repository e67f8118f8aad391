/**
 * Reads a roster from a OneRoster REST server (1.1 or 1.2, ClassLink's
 * Roster Server included) into the same model as the CSV reader: JSON
 * records are presented to the same row builders, so values are read with
 * the same leniency. Every collection is fetched completely or not at all:
 * a short read fails loudly instead of reading as mass withdrawals.
 */
import { getHeapStatistics } from "node:v8";
import { EnrollmentTable } from "../../model/enrollment-table.ts";
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
import { type CredentialResolver, envResolver } from "../../credentials/mod.ts";
import { SourceError } from "../errors.ts";
import { IssueCollector } from "../../model/issues.ts";
import {
  type Authenticator,
  DeadlineExceeded,
  DEFAULT_MAX_BODY_BYTES,
  describeUrl,
  HttpClient,
  type HttpOptions,
} from "../http/client.ts";
import {
  classRow,
  courseRow,
  dated,
  enrollmentRow,
  type Get,
  NUMBERED_FILES,
  orgRow,
  type RowBuilder,
  RowSink,
  sessionRow,
  userRow,
  warnInto,
} from "../oneroster-csv/rows.ts";
import type { Warn } from "../oneroster-csv/values.ts";
import { readRoleAssignment } from "../oneroster-csv/roles.ts";
import { oauth1, oauth2ClientCredentials, type SignatureMethod, staticBearer, withQuery } from "./auth.ts";
import { shorten } from "../../text.ts";

/** What the reader needs to know about a REST source (from the settings). */
export interface RestSource {
  kind: "oneroster-rest" | "classlink";
  version: "1.1" | "1.2";
  /** …/ims/oneroster/v1p1 or …/ims/oneroster/rostering/v1p2 */
  baseUrl: string;
  /** OAuth 2 token URL (1.2). */
  tokenUrl?: string;
  /** The credential's name; its secrets come from the environment. */
  credentials: string;
  /** Default: oauth1 for 1.1, oauth2 for 1.2. */
  auth?: "oauth1" | "oauth2" | "bearer";
  signatureMethod?: SignatureMethod;
  clientAuth?: "basic" | "form";
  scope?: string;
  /** Records asked per page; servers may cap it. Default 1000. */
  pageSize?: number;
  /** Pages in flight at once. Default 4. */
  concurrency?: number;
}

/** Progress of a fetch: pages and rows per endpoint. */
export interface FetchProgress {
  endpoint: string;
  pages: number;
  rows: number;
  total?: number;
  done: boolean;
  retry?: string;
}

/** Options of {@link readOneRosterRest}. */
export interface RestReadOptions {
  /** Environment variables for the credential, when no resolver is given. */
  env?: Record<string, string | undefined>;
  resolver?: CredentialResolver;
  onProgress?: (progress: FetchProgress) => void;
  http?: HttpOptions;
  /** Bounds of the read; unset ones come from the environment ({@link restLimits}), then the defaults. */
  limits?: Partial<RestLimits>;
  asOf?: string;
}

/** How much a REST read may take: what a hostile or broken server can make us spend, at most. */
export interface RestLimits {
  /** One request, headers and body together (`CDT_HTTP_TIMEOUT_MS`, default 60 s). */
  timeoutMs: number;
  /** The whole read, every collection and retry (`CDT_REST_DEADLINE_MS`, default 30 min). */
  deadlineMs: number;
  /** One page's body (`CDT_REST_MAX_BODY_BYTES`, default 64 MiB). */
  maxBodyBytes: number;
  /** Records in one collection, announced or read (`CDT_REST_MAX_RECORDS`, default 50 000 000). */
  maxRecords: number;
  /** Pages of one collection (`CDT_REST_MAX_PAGES`, default 200 000). */
  maxPages: number;
}

/** The defaults of {@link RestLimits}: room for a 1M-student district with a server that caps pages at 100. */
export const REST_LIMITS: RestLimits = {
  timeoutMs: 60_000,
  deadlineMs: 30 * 60_000,
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  maxRecords: 50_000_000,
  maxPages: 200_000,
};

const LIMIT_VARIABLES: Record<keyof RestLimits, string> = {
  timeoutMs: "CDT_HTTP_TIMEOUT_MS",
  deadlineMs: "CDT_REST_DEADLINE_MS",
  maxBodyBytes: "CDT_REST_MAX_BODY_BYTES",
  maxRecords: "CDT_REST_MAX_RECORDS",
  maxPages: "CDT_REST_MAX_PAGES",
};

/**
 * The limits of a REST read: the given ones, else the environment's, else the defaults.
 *
 * @example
 * restLimits({ CDT_REST_DEADLINE_MS: "600000" }).deadlineMs // 600000
 */
export function restLimits(
  env: Record<string, string | undefined> = {},
  given: Partial<RestLimits> = {},
): RestLimits {
  const out = { ...REST_LIMITS };
  for (const key of Object.keys(LIMIT_VARIABLES) as Array<keyof RestLimits>) {
    const name = LIMIT_VARIABLES[key];
    const raw = env[name]?.trim();
    if (given[key] !== undefined) out[key] = given[key]!;
    else if (raw) {
      if (!/^\d+$/.test(raw) || Number(raw) < 1) {
        throw new SourceError(`${name} must be a positive whole number, not ${JSON.stringify(raw.slice(0, 40))}`);
      }
      out[key] = Number(raw);
    }
  }
  return out;
}

/** A REST roster and what fetching it cost. */
export interface RestRoster extends Roster {
  fetch: { requests: number; tokenRequests: number };
}

const COLLECTIONS: Array<{ name: EntityFile; optional: boolean }> = [
  { name: "orgs", optional: false },
  { name: "users", optional: false },
  { name: "classes", optional: false },
  { name: "enrollments", optional: false },
  { name: "courses", optional: true },
  { name: "academicSessions", optional: true },
];

/**
 * Builds the authenticator a source's settings call for.
 *
 * @example
 * const auth = await restAuthenticator(source, envResolver(Deno.env.toObject()));
 */
export async function restAuthenticator(
  source: RestSource,
  resolver: CredentialResolver,
  timeoutMs?: number,
): Promise<Authenticator & { tokenRequests?: number }> {
  const auth = source.auth ?? (source.version === "1.2" ? "oauth2" : "oauth1");
  if (auth === "bearer") return staticBearer(source.credentials, await resolver.bearerToken(source.credentials));
  const credentials = await resolver.clientCredentials(source.credentials);
  if (auth === "oauth1") return oauth1(credentials, source.signatureMethod ?? "HMAC-SHA256");
  if (!source.tokenUrl) {
    throw new SourceError(`the ${source.kind} source of version ${source.version} needs a tokenUrl for OAuth 2`);
  }
  return oauth2ClientCredentials(credentials, {
    tokenUrl: source.tokenUrl,
    clientAuth: source.clientAuth,
    scope: source.scope,
    timeoutMs,
  });
}

/**
 * Fetches every collection and reads it into a roster.
 *
 * @example
 * const roster = await readOneRosterRest({ kind: "classlink", version: "1.1",
 *   baseUrl: "https://lincoln-ca-v2.oneroster.com/ims/oneroster/v1p1", credentials: "lincoln-usd/classlink" },
 *   { env: Deno.env.toObject() });
 */
export async function readOneRosterRest(source: RestSource, options: RestReadOptions = {}): Promise<RestRoster> {
  const limits = restLimits(options.env, {
    ...options.limits,
    ...(options.http?.timeoutMs !== undefined ? { timeoutMs: options.http.timeoutMs } : {}),
    ...(options.http?.maxBodyBytes !== undefined ? { maxBodyBytes: options.http.maxBodyBytes } : {}),
    ...(options.http?.deadlineMs !== undefined ? { deadlineMs: options.http.deadlineMs } : {}),
  });
  const auth = await restAuthenticator(
    source,
    options.resolver ?? envResolver(options.env ?? {}),
    Math.min(limits.timeoutMs, 30_000),
  );
  const client = new HttpClient(auth, {
    ...options.http,
    timeoutMs: limits.timeoutMs,
    maxBodyBytes: limits.maxBodyBytes,
    deadlineMs: limits.deadlineMs,
    onRetry: (info) => {
      options.http?.onRetry?.(info);
      options.onProgress?.({
        endpoint: info.url,
        pages: 0,
        rows: 0,
        done: false,
        retry: `${info.reason}, retry ${info.attempt} in ${info.delayMs} ms`,
      });
    },
  });
  const issues = new IssueCollector();
  const rejected: RejectedRow[] = [];
  const base = source.baseUrl.replace(/\/+$/, "");
  const version = source.version;
  const fileModes: Partial<Record<EntityFile, FileMode>> = {};
  const today = options.asOf ?? new Date().toISOString().slice(0, 10);
  const roles = new Map<string, RoleAssignment[]>();
  const builders: Record<EntityFile, { schema: z.ZodType<{ sourcedId: string }>; build: RowBuilder }> = {
    orgs: { schema: Org, build: dated(orgRow) },
    users: { schema: User, build: dated(userRow(version, roles, today, "rest")) },
    classes: { schema: Class, build: dated(classRow()) },
    enrollments: { schema: Enrollment, build: dated(enrollmentRow, [["beginDate", "date"], ["endDate", "date"]]) },
    courses: { schema: Course, build: dated(courseRow) },
    academicSessions: {
      schema: AcademicSession,
      build: dated(sessionRow, [["startDate", "date"], ["endDate", "date"]]),
    },
  };
  const out: Record<Exclude<EntityFile, "enrollments">, Array<{ sourcedId: string }>> = {
    orgs: [],
    users: [],
    classes: [],
    courses: [],
    academicSessions: [],
  };
  // Ten a student, as from a CSV export: kept as columns, not as an object each.
  let enrollments = new EnrollmentTable();

  for (const { name, optional } of COLLECTIONS) {
    const endpoint = `GET /${name}`;
    const { schema, build } = builders[name];
    const sink = name === "enrollments"
      ? new RowSink(
        endpoint,
        Enrollment,
        build,
        { issues, rejected },
        "record",
        false,
        undefined,
        new EnrollmentTable(),
      )
      : new RowSink(endpoint, schema, build, { issues, rejected }, "record", false);
    let index = 0;
    try {
      const pages = fetchCollection(client, `${base}/${name}`, name, source, options.onProgress, undefined, limits);
      for await (const page of pages) {
        for (const record of page) {
          index++;
          const line = index;
          if (!record || typeof record !== "object" || Array.isArray(record)) {
            sink.reject(line, "", `the record is ${Array.isArray(record) ? "an array" : "not a JSON object"}`);
            continue;
          }
          const rec = record as Record<string, unknown>;
          const get = jsonGet(rec);
          const warn: Warn = warnInto(issues, endpoint, () => line);
          try {
            if (name === "users" && version === "1.2") {
              const id = get("sourcedId").trim();
              roles.set(
                id,
                restRoles(rec.roles, today, warn, (reason, column) => {
                  // As a refused roles.csv row: an error naming the user, who is then never called absent.
                  issues.add("error", endpoint, line, "bad_row", `user "${id}": roles: ${reason}; role skipped`, {
                    line: String(line),
                    column,
                    sourcedId: id,
                  });
                  if (id) rejected.push({ file: endpoint, line, sourcedId: id });
                }),
              );
            }
            sink.add(get, warn, line, () => undefined);
          } catch (e) {
            // A field that is no text refuses its record, as a bad CSV cell refuses its row.
            if (!(e instanceof NotText)) throw e;
            sink.reject(line, recordId(rec), e.message, e.column);
          }
        }
      }
      // A user's agents name other users: the same strings, not copies (see RowSink.shareIds).
      if (name === "users") (sink as unknown as RowSink<User>).shareIds("agentSourcedIds");
      if (sink.rows instanceof EnrollmentTable) enrollments = sink.rows;
      else {
        out[name as Exclude<EntityFile, "enrollments">] = (NUMBERED_FILES.has(name) ? sink.done() : sink.rows) as Array<
          { sourcedId: string }
        >;
      }
      fileModes[name] = "bulk";
    } catch (e) {
      if (optional && e instanceof SourceError && /: 404 Not Found/.test(e.message)) {
        issues.add("info", endpoint, 0, "missing_file", `${endpoint} is not served (404); read without ${name}`, {
          file: name,
        });
        fileModes[name] = "absent";
        continue;
      }
      throw e;
    }
  }

  return {
    source: { kind: source.kind, version, location: base },
    fileModes,
    orgs: out.orgs as Org[],
    users: out.users as User[],
    classes: out.classes as Class[],
    enrollments,
    courses: out.courses as Course[],
    academicSessions: out.academicSessions as AcademicSession[],
    issues: issues.list(),
    rejected,
    fetch: { requests: client.requests, tokenRequests: auth.tokenRequests ?? 0 },
  };
}

/** Bounds of {@link fetchCollection}. */
export type PageLimits = Pick<RestLimits, "maxRecords" | "maxPages">;

/**
 * Yields the pages of a collection in order. With X-Total-Count known, pages
 * after the first are fetched a few at a time by offset (stepping by what
 * the server really returned, since servers cap `limit`); otherwise `Link:
 * rel="next"` or offsets are followed until an empty page. The count fetched
 * must equal X-Total-Count. What the server says is bounded, never trusted:
 * the announced count must be sane, pages and records are capped, a next
 * link must stay on the collection's origin and never repeat, and the
 * client's deadline ends the read with how far it got.
 */
export async function* fetchCollection(
  client: HttpClient,
  url: string,
  name: string,
  source: Pick<RestSource, "pageSize" | "concurrency">,
  onProgress?: (p: FetchProgress) => void,
  filter?: string,
  limits: PageLimits = REST_LIMITS,
): AsyncGenerator<unknown[]> {
  const limit = source.pageSize ?? 1000;
  const concurrency = Math.max(1, source.concurrency ?? 4);
  const endpoint = `GET /${name}`;
  const origin = new URL(url).origin;
  const page = (offset: number) => withQuery(url, { limit: String(limit), offset: String(offset), filter });
  let rows = 0;
  let pages = 0;
  let total: number | undefined;
  const report = (done: boolean, total?: number) => onProgress?.({ endpoint, pages, rows, total, done });
  const count = (records: unknown[]) => {
    pages++;
    rows += records.length;
    if (rows > limits.maxRecords) {
      throw new SourceError(
        `${endpoint}: more than ${limits.maxRecords} records (CDT_REST_MAX_RECORDS) after ${pages} pages; ` +
          "refusing to read further. Raise CDT_REST_MAX_RECORDS if the district really is this large",
      );
    }
    if (pages > limits.maxPages) {
      throw new SourceError(
        `${endpoint}: more than ${limits.maxPages} pages (CDT_REST_MAX_PAGES) with ${rows} records read; ` +
          "refusing to read further. Raise pageSize or CDT_REST_MAX_PAGES",
      );
    }
    checkHeap(endpoint, pages, rows);
  };

  try {
    const first = await client.getJson(page(0));
    const firstRecords = envelope(first.body, name, endpoint);
    total = totalCount(first.headers, endpoint, limits);
    count(firstRecords);
    report(false, total);
    yield firstRecords;

    if (total !== undefined) {
      const step = firstRecords.length;
      if (step === 0 && total > 0) throw incomplete(endpoint, 0, total);
      const needed = step === 0 ? 1 : Math.ceil(total / step);
      if (needed > limits.maxPages) {
        throw new SourceError(
          `${endpoint}: X-Total-Count: ${total} at ${step} records a page would take ${needed} pages, more than ` +
            `${limits.maxPages} (CDT_REST_MAX_PAGES); refusing to read. Raise pageSize or CDT_REST_MAX_PAGES`,
        );
      }
      // Offsets are made as pages are launched, never all up front.
      const inFlight: Array<Promise<{ offset: number; records: unknown[] }>> = [];
      let nextOffset = step;
      let lastFirstId = firstId(firstRecords);
      const launch = () => {
        const offset = nextOffset;
        nextOffset += step;
        inFlight.push(
          client.getJson(page(offset)).then((r) => ({ offset, records: envelope(r.body, name, endpoint) })),
        );
      };
      try {
        while (nextOffset < total && inFlight.length < concurrency) launch();
        while (inFlight.length) {
          const { offset, records } = await inFlight.shift()!;
          if (records.length === 0 && rows < total) throw incomplete(endpoint, rows, total);
          // A server that ignores offset would fill X-Total-Count with copies of its first page.
          lastFirstId = checkProgress(endpoint, offset, records, lastFirstId);
          if (nextOffset < total) launch();
          count(records);
          report(false, total);
          yield records;
        }
      } finally {
        // Requests still in flight when the loop ends early must not reject unobserved.
        await Promise.allSettled(inFlight);
      }
      if (rows !== total) throw incomplete(endpoint, rows, total);
      report(true, total);
      return;
    }

    // No total: follow Link rel="next", else offsets, until an empty or short page.
    let current = page(0);
    let link = nextLink(first.headers);
    let offset = firstRecords.length;
    let last = firstRecords.length;
    let lastFirstId = firstId(firstRecords);
    const seen = new Set<string>([current.href]);
    while (last > 0 && (link || last >= limit)) {
      const target = link ? sameOriginLink(endpoint, link, current, origin) : page(offset);
      if (seen.has(target.href)) {
        throw new SourceError(
          `${endpoint}: the server's next page ${describeUrl(target)} was already read after ${pages} pages; ` +
            "refusing to loop. The server's paging is broken: report it to the vendor",
        );
      }
      seen.add(target.href);
      current = target;
      const response = await client.getJson(target);
      const records = envelope(response.body, name, endpoint);
      lastFirstId = checkProgress(endpoint, link ? undefined : offset, records, lastFirstId);
      count(records);
      offset += records.length;
      last = records.length;
      link = nextLink(response.headers);
      report(false);
      if (records.length) yield records;
    }
    report(true, rows);
  } catch (e) {
    if (e instanceof DeadlineExceeded) {
      throw new SourceError(
        `${endpoint}: the read ran past its total deadline of ${minutes(e.deadlineMs)} (CDT_REST_DEADLINE_MS) ` +
          `after ${pages} pages and ${rows}${total !== undefined ? ` of ${total}` : ""} records; ` +
          `the last request was ${e.where}. Try again, or raise CDT_REST_DEADLINE_MS`,
        { cause: e },
      );
    }
    throw e;
  }
}

/** Of the heap this process may use, the share past which a read stops: records of a few bytes each fill it first. */
const HEAP_SHARE = 0.9;
/** The same, where garbage cannot be collected first to tell it from what is kept. */
const NO_GC_SHARE = 0.97;
/**
 * What V8's heap_size_limit counts beyond the old generation (`--max-old-space-size`): the young generation's
 * reserve, 96 MiB with Deno 2.9's defaults (measured: a limit of 192 MiB at 96, of 2,144 MiB at 2,048).
 */
const YOUNG_RESERVE = 96 * 2 ** 20;

/**
 * Stops a read whose records fill the heap (a server sending millions of
 * tiny records, or paging without end) with an error, where V8 would end the
 * whole process at its limit with a fatal error; the record and page caps are
 * far above what some heaps hold.
 */
function checkHeap(endpoint: string, pages: number, rows: number): void {
  const { used_heap_size: before, heap_size_limit: total } = getHeapStatistics();
  const limit = Math.max(total - YOUNG_RESERVE, total / 2);
  if (before < HEAP_SHARE * limit) return;
  // Used counts garbage not yet collected (a page's text of megabytes stays until a full collection): collect, where
  // the process may (diagnose and server jobs run with --expose-gc), and measure again; else only a fuller heap stops.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const used = gc ? getHeapStatistics().used_heap_size : before;
  if (used < (gc ? HEAP_SHARE : NO_GC_SHARE) * limit) return;
  throw new SourceError(
    `${endpoint}: after ${pages} pages and ${rows} records, the read fills ${Math.round(used / 2 ** 20)} MiB of ` +
      `the ${Math.round(limit / 2 ** 20)} MiB this process may use; refusing to read further (a district's ` +
      `REST read needs a few hundred bytes a record: check the server's paging, or run with a larger heap)`,
  );
}

/**
 * The first id of a page, checked against the page before's: a page that
 * starts with the record the previous one started with makes no progress (the
 * server ignores offset, or its next link leads back), and reading on would
 * count copies as the rest of the collection. `offset` is unset for a page
 * reached by a next link.
 */
function checkProgress(
  endpoint: string,
  offset: number | undefined,
  records: unknown[],
  previousFirstId: string | undefined,
): string | undefined {
  const id = firstId(records);
  if (records.length && id !== undefined && id === previousFirstId) {
    throw new SourceError(
      `${endpoint}: the page ${
        offset === undefined ? "the server's next link leads to" : `at offset ${offset}`
      } starts with the same record as the one before (sourcedId ${quoted(shorten(id, 80))}): ` +
        `the server ${
          offset === undefined ? "pages in a loop" : "ignores offset"
        }, so reading on would count the same records again; refusing to read further. Report it to the vendor`,
    );
  }
  return id;
}

/** A next-page link, resolved, when it stays on the collection's origin; our credentials go nowhere else. */
function sameOriginLink(endpoint: string, link: string, current: URL, origin: string): URL {
  let next: URL;
  try {
    next = new URL(link, current);
  } catch {
    throw new SourceError(`${endpoint}: the server's Link rel="next" ${quoted(link)} is not a URL`);
  }
  if (next.origin !== origin) {
    throw new SourceError(
      `${endpoint}: the server's Link rel="next" points to ${describeUrl(next)}, another origin than ${origin}; ` +
        "not followed, so the credentials stay with the configured server",
    );
  }
  return next;
}

/** The first record's sourcedId when it is a string or number (never String() of a district's array: it recurses). */
const firstId = (records: unknown[]): string | undefined => {
  const r = records[0];
  if (!r || typeof r !== "object") return undefined;
  const id = (r as { sourcedId?: unknown }).sourcedId;
  return typeof id === "string" ? id : typeof id === "number" ? String(id) : undefined;
};
const quoted = (s: string) => JSON.stringify(shorten(s, 200));
const minutes = (ms: number) => (ms >= 120_000 ? `${+(ms / 60_000).toFixed(1)} min` : `${+(ms / 1000).toFixed(1)} s`);

function incomplete(endpoint: string, got: number, total: number): SourceError {
  return new SourceError(
    `${endpoint}: the fetch is incomplete: ${got} of the ${total} records the server announced (X-Total-Count); ` +
      "refusing to diagnose from a partial read, which would report the rest as withdrawn. Try again",
  );
}

/** The records of a page, under the collection's key or whichever array the server used (`students`, `orgs`…). */
function envelope(body: unknown, name: string, endpoint: string): unknown[] {
  if (Array.isArray(body)) return body;
  if (body && typeof body === "object") {
    const o = body as Record<string, unknown>;
    if (Array.isArray(o[name])) return o[name] as unknown[];
    const arrays = Object.values(o).filter(Array.isArray);
    if (arrays.length === 1) return arrays[0] as unknown[];
  }
  throw new SourceError(`${endpoint}: the answer has no "${name}" array`);
}

/** X-Total-Count when the server sent one: a whole number no larger than the limit, or an error naming it. */
function totalCount(headers: Headers, endpoint: string, limits: PageLimits): number | undefined {
  const v = headers.get("x-total-count")?.trim();
  if (!v) return undefined;
  if (!/^\d+$/.test(v)) {
    throw new SourceError(
      `${endpoint}: the server sent X-Total-Count: ${quoted(v)}, which is not a record count; refusing to page by it`,
    );
  }
  const n = Number(v);
  if (n > limits.maxRecords) {
    throw new SourceError(
      `${endpoint}: the server sent X-Total-Count: ${shorten(v, 30)}, more than ` +
        `${limits.maxRecords} records (CDT_REST_MAX_RECORDS); refusing to page by it. ` +
        "Raise CDT_REST_MAX_RECORDS if the district really is this large",
    );
  }
  return n;
}

function nextLink(headers: Headers): string | undefined {
  const link = headers.get("link");
  if (!link) return undefined;
  for (const part of link.split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * A field of a REST record that holds no text where text is expected (an
 * array inside an array, an object that is no GUIDRef, a GUIDRef whose
 * sourcedId is not a string): the record is refused, never read as it comes.
 */
class NotText extends Error {
  override name = "NotText";
  constructor(readonly field: string, readonly column: string, value: unknown) {
    super(`field "${field}" is ${Array.isArray(value) ? "an array" : "an object"} where text is expected`);
  }
}

// The readers below look one level into a value and no further: a record is the district's, and so is its depth.

/** A JSON scalar as text, or undefined for anything else (an array or object is never turned into text here). */
function scalar(v: unknown): string | undefined {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

/** A GUIDRef's sourcedId: `{href, sourcedId, type}` or a bare id. */
function ref(v: unknown, field: string, column: string): string {
  if (typeof v === "string") return v.trim();
  if (Array.isArray(v)) throw new NotText(field, column, v);
  if (v && typeof v === "object" && "sourcedId" in v) {
    const id = (v as { sourcedId: unknown }).sourcedId;
    const s = scalar(id);
    if (s === undefined) throw new NotText(`${field}.sourcedId`, column, id);
    return s.trim();
  }
  return "";
}

function refs(v: unknown, field: string, column: string): string[] {
  if (Array.isArray(v)) {
    const out: string[] = [];
    for (let i = 0; i < v.length; i++) {
      const id = ref(v[i], `${field}[${i}]`, column);
      if (id) out.push(id);
    }
    return out;
  }
  if (typeof v === "string") return v.split(",").map((s) => s.trim()).filter(Boolean);
  const one = ref(v, field, column);
  return one ? [one] : [];
}

/** Text: a scalar, a GUIDRef's id, or a list of those joined by commas (as a CSV cell holds it). */
function text(v: unknown, field: string, column = field): string {
  const s = scalar(v);
  if (s !== undefined) return s;
  if (Array.isArray(v)) {
    const parts: string[] = [];
    for (let i = 0; i < v.length; i++) {
      const item = v[i];
      const one = scalar(item);
      if (one !== undefined) parts.push(one);
      else if (item && typeof item === "object" && !Array.isArray(item) && "sourcedId" in item) {
        parts.push(ref(item, `${field}[${i}]`, column));
      } else throw new NotText(`${field}[${i}]`, column, item);
    }
    return parts.join(",");
  }
  if (typeof v === "object" && "sourcedId" in v!) return ref(v, field, column);
  throw new NotText(field, column, v);
}

/** The record's sourcedId when it is text, for a refusal; "" otherwise. */
function recordId(rec: Record<string, unknown>): string {
  const id = rec.sourcedId;
  return typeof id === "string" ? id.trim() : typeof id === "number" ? String(id) : "";
}

/** Presents a JSON record as a CSV row addressed by OneRoster column names; a field that is no text throws NotText. */
function jsonGet(rec: Record<string, unknown>): Get {
  return (column) => {
    switch (column) {
      case "orgSourcedIds":
        return refs(rec.orgs, "orgs", column).join(",");
      case "agentSourcedIds":
        return refs(rec.agents, "agents", column).join(",");
      case "termSourcedIds":
        return refs(rec.terms, "terms", column).join(",");
      case "schoolSourcedId":
        return ref(rec.school, "school", column);
      case "courseSourcedId":
        return ref(rec.course, "course", column);
      case "classSourcedId":
        return ref(rec.class, "class", column);
      case "userSourcedId":
        return ref(rec.user, "user", column);
      case "parentSourcedId":
        return ref(rec.parent, "parent", column);
      case "orgSourcedId":
        return ref(rec.org, "org", column);
      case "schoolYearSourcedId":
        return ref(rec.schoolYear, "schoolYear", column);
      case "primaryOrgSourcedId":
        return ref(rec.primaryOrg, "primaryOrg", column);
      default:
        return text(rec[column], column);
    }
  };
}

/**
 * A 1.2 user's `roles`, current on `today` (endDate is exclusive), each read
 * as a `roles.csv` row is (readRoleAssignment): an unknown role or role type
 * is refused, never taken as it comes.
 */
function restRoles(
  v: unknown,
  today: string,
  warn: Warn,
  reject: (reason: string, column: string) => void,
): RoleAssignment[] {
  if (!Array.isArray(v)) return [];
  const out: RoleAssignment[] = [];
  for (let i = 0; i < v.length; i++) {
    const r = v[i];
    if (!r || typeof r !== "object") continue;
    const o = r as Record<string, unknown>;
    const at = `roles[${i}]`;
    let fields;
    try {
      fields = {
        role: text(o.role, `${at}.role`, "role"),
        roleType: text(o.roleType, `${at}.roleType`, "roleType"),
        orgSourcedId: ref(o.org, `${at}.org`, "orgSourcedId"),
        beginDate: text(o.beginDate, `${at}.beginDate`, "beginDate"),
        endDate: text(o.endDate, `${at}.endDate`, "endDate"),
      };
    } catch (e) {
      if (!(e instanceof NotText)) throw e;
      reject(e.message, e.column);
      continue;
    }
    const read = readRoleAssignment(fields, warn);
    if (!read.ok) {
      reject(read.reason, read.column);
      continue;
    }
    const endDate = read.assignment.endDate;
    if (endDate && endDate <= today) continue;
    out.push(read.assignment);
  }
  return out;
}
