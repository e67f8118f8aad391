/**
 * HTTP for live roster sources: a timeout on every request that covers the
 * body as well as the headers, a total deadline for a whole read, bodies
 * read through a size cap, redirects followed only within the same origin,
 * retries with exponential backoff on 429/502/503/504 and network errors
 * (honouring Retry-After), and errors that name the endpoint and status, with
 * the server's imsx_StatusInfo codes rather than a raw dump. A URL in a
 * message never carries a credential from its query.
 */
import { SourceError } from "../errors.ts";
import { shorten } from "../../text.ts";

/** Adds authentication to a request; may be asked again after a 401 (`retry`). */
export interface Authenticator {
  /** Headers for this request (Authorization…). */
  headers(method: string, url: URL, retry: boolean): Promise<Record<string, string>>;
  /** What a 401 means for this credential, for the error message. */
  describe(): string;
  /** Whether a 401 is worth one retry with fresh credentials (an expired token). */
  canRefresh?: boolean;
}

/** Options of {@link HttpClient}. */
export interface HttpOptions {
  /** Per-request timeout, headers and body together; default 60 s. */
  timeoutMs?: number;
  /** Retries after the first attempt; default 5. */
  retries?: number;
  /** First backoff delay; doubles each retry; default 500 ms. */
  backoffMs?: number;
  /** Longest wait honoured from Retry-After or backoff; default 60 s. */
  maxDelayMs?: number;
  /** Largest response body read; default 64 MiB. */
  maxBodyBytes?: number;
  /** Time allowed for everything this client sends, from its creation; default none. */
  deadlineMs?: number;
  /** Called when a request is retried, for progress output. */
  onRetry?: (info: { url: string; attempt: number; reason: string; delayMs: number }) => void;
  /** Injectable for tests. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

/** 64 MiB: a page of 1000 OneRoster users is well under 2 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
const RETRY_STATUS = new Set([429, 502, 503, 504]);
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/** A response body as JSON with the headers that paging needs. */
export interface JsonResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** The client's total deadline passed; the reader adds how far it got. */
export class DeadlineExceeded extends SourceError {
  override name = "DeadlineExceeded";
  constructor(readonly where: string, readonly deadlineMs: number) {
    super(`${where}: the total deadline of ${seconds(deadlineMs)} passed`);
  }
}

/** Sends GET requests with the policy above. */
export class HttpClient {
  #options: Required<Omit<HttpOptions, "onRetry" | "deadlineMs">> & Pick<HttpOptions, "onRetry" | "deadlineMs">;
  #deadline: number;
  /** Requests sent, retries included. */
  requests = 0;

  constructor(readonly auth: Authenticator | undefined, options: HttpOptions = {}) {
    this.#options = {
      timeoutMs: options.timeoutMs ?? 60_000,
      retries: options.retries ?? 5,
      backoffMs: options.backoffMs ?? 500,
      maxDelayMs: options.maxDelayMs ?? 60_000,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      deadlineMs: options.deadlineMs,
      onRetry: options.onRetry,
      fetch: options.fetch ?? fetch,
      sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    };
    this.#deadline = options.deadlineMs === undefined ? Infinity : Date.now() + options.deadlineMs;
  }

  /** Milliseconds left before the total deadline (Infinity without one). */
  get remainingMs(): number {
    return this.#deadline - Date.now();
  }

  /**
   * GETs a URL and parses its JSON body. A redirect is followed only to the
   * same origin (scheme, host and port), where the credentials were meant to go.
   *
   * @example
   * const { body, headers } = await client.getJson(new URL("https://sis.example/ims/oneroster/v1p1/orgs?limit=100"));
   */
  async getJson(url: URL): Promise<JsonResponse> {
    const o = this.#options;
    let where = `GET ${describeUrl(url)}`;
    let refreshed = false;
    let redirects = 0;
    for (let attempt = 0;; attempt++) {
      let reason: string;
      let delay = Math.min(o.maxDelayMs, o.backoffMs * 2 ** attempt);
      if (this.remainingMs <= 0) throw new DeadlineExceeded(where, o.deadlineMs!);
      // Outside the retried block: credentials that cannot be sent stay unsendable, and a token request has its own
      // timeout and errors. Only what the server does is retried.
      const headers = { accept: "application/json", ...(await this.auth?.headers("GET", url, refreshed) ?? {}) };
      checkHeaders(where, headers, this.auth);
      const deadline = AbortSignal.timeout(Math.max(0, Math.min(this.remainingMs, 2 ** 31 - 1)));
      try {
        this.requests++;
        const signal = AbortSignal.any([AbortSignal.timeout(o.timeoutMs), deadline]);
        const response = await o.fetch(url, { headers, signal, redirect: "manual" });
        if (REDIRECT_STATUS.has(response.status)) {
          await response.body?.cancel();
          url = sameOriginRedirect(where, url, response.headers.get("location"), ++redirects);
          where = `GET ${describeUrl(url)}`;
          attempt--;
          continue;
        }
        if (response.ok) {
          const text = await readBounded(response, o.maxBodyBytes, where);
          try {
            return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
          } catch {
            throw new SourceError(`${where}: the server answered ${response.status} with a body that is not JSON`);
          }
        }
        const body = await readBounded(response, 64 * 1024, where, { truncate: true });
        if (response.status === 401 && this.auth?.canRefresh && !refreshed) {
          refreshed = true;
          attempt--;
          continue;
        }
        if (!RETRY_STATUS.has(response.status) || attempt >= o.retries) {
          throw new SourceError(`${where}: ${statusText(response.status, body, this.auth)}`);
        }
        reason = `HTTP ${response.status}`;
        const after = retryAfterMs(response.headers.get("retry-after"));
        if (after !== undefined) delay = Math.min(o.maxDelayMs, after);
      } catch (e) {
        if (deadline.aborted) throw new DeadlineExceeded(where, o.deadlineMs!);
        if (e instanceof SourceError) throw e;
        const err = e as Error;
        const timeout = err.name === "TimeoutError" || err.name === "AbortError";
        if (attempt >= o.retries) {
          throw new SourceError(
            `${where}: ${
              timeout ? `no complete answer within ${seconds(o.timeoutMs)}` : `network error (${oneLine(err.message)})`
            } after ${attempt + 1} attempts`,
            { cause: e },
          );
        }
        reason = timeout ? "timeout" : `network error: ${oneLine(err.message)}`;
      }
      if (delay >= this.remainingMs) throw new DeadlineExceeded(where, o.deadlineMs!);
      o.onRetry?.({ url: where, attempt: attempt + 1, reason, delayMs: delay });
      await o.sleep(delay);
    }
  }
}

/**
 * Whether a string can be sent as an HTTP header value as it is: visible
 * ASCII, with spaces and tabs only between visible characters. A line break
 * would start another header; a character past Latin-1 cannot be sent at all.
 *
 * @example
 * isHeaderValue("Bearer abc.def") // true
 * isHeaderValue("Bearer abc\r\nX-Evil: 1") // false
 */
export function isHeaderValue(value: string): boolean {
  return /^[\x21-\x7e]([\x20\x21-\x7e\t]*[\x21-\x7e])?$/.test(value);
}

/** Refuses, before anything is sent, a header an authenticator made that fetch would refuse (naming it, not its value). */
function checkHeaders(where: string, headers: Record<string, string>, auth: Authenticator | undefined): void {
  for (const [name, value] of Object.entries(headers)) {
    if (isHeaderValue(value)) continue;
    throw new SourceError(
      `${where}: the ${name} header holds a line break, a control character or a character outside ASCII, so it ` +
        `cannot be sent and was not.${auth ? ` Check ${auth.describe()}` : ""}`,
    );
  }
}

/** The next URL of a redirect, when it stays on the origin the request went to. */
function sameOriginRedirect(where: string, from: URL, location: string | null, hops: number): URL {
  if (!location) throw new SourceError(`${where}: the server redirected without a Location`);
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    throw new SourceError(`${where}: the server redirected to ${quoted(location)}, which is not a URL`);
  }
  if (to.origin !== from.origin) {
    throw new SourceError(
      `${where}: the server redirected to ${describeUrl(to)}, another origin than ${from.origin}; ` +
        "not followed, so the credentials stay with the configured server. Check baseUrl in the settings",
    );
  }
  if (hops > MAX_REDIRECTS) throw new SourceError(`${where}: more than ${MAX_REDIRECTS} redirects`);
  return to;
}

/** Query parameters whose values are credentials, in any server's spelling. */
const SECRET_PARAM = /(token|secret|signature|password|passwd|pwd|key|auth|session|sig|code|credential)/i;

/**
 * A URL as messages show it: no user or password, and the value of every
 * query parameter that looks like a credential replaced.
 *
 * @example
 * describeUrl(new URL("https://u:p@sis.example/users?limit=5&access_token=abc"))
 * // "https://sis.example/users?limit=5&access_token=[REDACTED]"
 */
export function describeUrl(url: URL | string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "(not a URL)";
  }
  const query = [...u.searchParams].map(([k, v]) =>
    `${encodeURIComponent(k)}=${SECRET_PARAM.test(k) ? "[REDACTED]" : encodeURIComponent(v)}`
  );
  // Keep the server's own encoding when nothing was hidden, so the URL reads as it was sent.
  const search = query.some((q) => q.endsWith("=[REDACTED]")) ? `?${query.join("&")}` : u.search;
  return `${u.protocol}//${u.host}${u.pathname}${search}`;
}

/**
 * Reads a response body as text through a size cap, streaming, so an endless
 * or enormous body never lands in memory. With `truncate`, the first
 * `maxBytes` are returned instead of an error (error bodies, for messages);
 * `setting` names the variable that raises the cap, for the message, and
 * `advice` replaces the message's advice (pages and that variable) where it
 * does not fit (a token response).
 *
 * @example
 * const text = await readBounded(response, 64 * 1024 * 1024, "GET https://sis.example/users");
 */
export async function readBounded(
  response: Response,
  maxBytes: number,
  where: string,
  { truncate = false, setting = "CDT_REST_MAX_BODY_BYTES", advice }: {
    truncate?: boolean;
    setting?: string;
    advice?: string;
  } = {},
): Promise<string> {
  if (!response.body) return "";
  const declared = Number(response.headers.get("content-length"));
  const what = advice ?? `Ask for smaller pages (pageSize) or raise ${setting}`;
  if (!truncate && Number.isFinite(declared) && declared > maxBytes) {
    await response.body.cancel();
    throw tooLarge(where, maxBytes, what, declared);
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.length > maxBytes) {
        if (!truncate) throw tooLarge(where, maxBytes, what);
        chunks.push(value.subarray(0, maxBytes - size));
        size = maxBytes;
        break;
      }
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all);
}

function tooLarge(where: string, maxBytes: number, advice: string, declared?: number): SourceError {
  return new SourceError(
    `${where}: the answer is larger than ${mib(maxBytes)}${
      declared !== undefined ? ` (Content-Length ${declared})` : ""
    }; refusing to read it. ${advice}`,
  );
}

const mib = (bytes: number) => bytes >= 1024 * 1024 ? `${+(bytes / 1024 / 1024).toFixed(1)} MiB` : `${bytes} bytes`;
const seconds = (ms: number) => (ms >= 120_000 ? `${+(ms / 60_000).toFixed(1)} min` : `${+(ms / 1000).toFixed(1)} s`);
/** Server text in our messages: control characters (ESC, CR, LF…) become spaces. */
// deno-lint-ignore no-control-regex
const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim();
const quoted = (s: string) => JSON.stringify(shorten(s, 200));

/**
 * Milliseconds to wait from a Retry-After header (seconds or an HTTP date).
 *
 * @example
 * retryAfterMs("2") // 2000
 */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** "401 Unauthorized (imsx unauthorisedrequest): check the client id and secret of …". */
function statusText(status: number, body: string, auth: Authenticator | undefined): string {
  const imsx = imsxCodes(body);
  const codes = imsx
    ? ` (imsx ${oneLine([imsx.major, imsx.minor].filter(Boolean).join("/"))}${
      imsx.description ? `: ${oneLine(imsx.description.slice(0, 200))}` : ""
    })`
    : "";
  switch (status) {
    case 401:
      return `401 Unauthorized${codes}: ${auth ? `check ${auth.describe()}` : "the server wants credentials"}`;
    case 403:
      return `403 Forbidden${codes}: the credentials work but may not read this collection; ask the vendor to grant roster-core read access`;
    case 404:
      return `404 Not Found${codes}: check the base URL in the settings (…/ims/oneroster/v1p1 or …/rostering/v1p2)`;
    case 429:
      return `429 Too Many Requests${codes}: the server kept refusing after every retry; try again later`;
    default:
      return `HTTP ${status}${codes}${!imsx && body ? `: ${oneLine(body.slice(0, 200)).replace(/\s+/g, " ")}` : ""}`;
  }
}

/** How far {@link imsxCodes} looks into an error body: servers put imsx_StatusInfo a level or two down. */
const IMSX_MAX_DEPTH = 16;
const IMSX_MAX_NODES = 10_000;

/**
 * The imsx_StatusInfo codes of an error body, wherever the server put them
 * (the shallowest first), looking at most {@link IMSX_MAX_DEPTH} levels and
 * {@link IMSX_MAX_NODES} values deep, without recursion: the body is the
 * server's, and so is its depth.
 *
 * @example
 * imsxCodes('{"imsx_statusInfo":{"imsx_codeMajor":"failure","imsx_description":"bad credentials"}}')
 * // { major: "failure", minor: undefined, description: "bad credentials" }
 */
export function imsxCodes(body: string): { major?: string; minor?: string; description?: string } | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  let info: Record<string, unknown> | undefined;
  // Breadth first, by a queue read from an index: no call stack grows with the body.
  const queue: Array<[unknown, number]> = [[json, 0]];
  for (let at = 0; at < queue.length && at < IMSX_MAX_NODES; at++) {
    const [v, depth] = queue[at];
    if (!v || typeof v !== "object") continue;
    if (!Array.isArray(v) && "imsx_codeMajor" in v) {
      info = v as Record<string, unknown>;
      break;
    }
    if (depth >= IMSX_MAX_DEPTH) continue;
    for (const child of Object.values(v)) {
      if (child && typeof child === "object") queue.push([child, depth + 1]);
      if (queue.length >= IMSX_MAX_NODES) break;
    }
  }
  if (!info) return undefined;
  const minor = info.imsx_CodeMinor;
  const field = minor && typeof minor === "object" ? (minor as Record<string, unknown>).imsx_codeMinorField : undefined;
  const first = Array.isArray(field) ? field[0] : field;
  const minorValue = first && typeof first === "object"
    ? scalarText((first as Record<string, unknown>).imsx_codeMinorFieldValue)
    : undefined;
  return {
    major: scalarText(info.imsx_codeMajor) ?? "",
    minor: minorValue || undefined,
    description: scalarText(info.imsx_description) || undefined,
  };
}

/** A JSON string, number or boolean as text; undefined for anything else (String() of an array recurses). */
function scalarText(v: unknown): string | undefined {
  return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;
}
