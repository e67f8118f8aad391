/**
 * HTTP for live roster sources: a timeout on every request, retries with
 * exponential backoff on 429/502/503/504 and network errors (honouring
 * Retry-After), and errors that name the endpoint and status, with the
 * server's imsx_StatusInfo codes rather than a raw dump.
 */
import { SourceError } from "../errors.ts";

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
  /** Per-request timeout; default 60 s. */
  timeoutMs?: number;
  /** Retries after the first attempt; default 5. */
  retries?: number;
  /** First backoff delay; doubles each retry; default 500 ms. */
  backoffMs?: number;
  /** Longest wait honoured from Retry-After or backoff; default 60 s. */
  maxDelayMs?: number;
  /** Called when a request is retried, for progress output. */
  onRetry?: (info: { url: string; attempt: number; reason: string; delayMs: number }) => void;
  /** Injectable for tests. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

const RETRY_STATUS = new Set([429, 502, 503, 504]);

/** A response body as JSON with the headers that paging needs. */
export interface JsonResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Sends GET requests with the policy above. */
export class HttpClient {
  #options: Required<Omit<HttpOptions, "onRetry">> & Pick<HttpOptions, "onRetry">;
  /** Requests sent, retries included. */
  requests = 0;

  constructor(readonly auth: Authenticator | undefined, options: HttpOptions = {}) {
    this.#options = {
      timeoutMs: options.timeoutMs ?? 60_000,
      retries: options.retries ?? 5,
      backoffMs: options.backoffMs ?? 500,
      maxDelayMs: options.maxDelayMs ?? 60_000,
      onRetry: options.onRetry,
      fetch: options.fetch ?? fetch,
      sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    };
  }

  /**
   * GETs a URL and parses its JSON body.
   *
   * @example
   * const { body, headers } = await client.getJson(new URL("https://sis.example/ims/oneroster/v1p1/orgs?limit=100"));
   */
  async getJson(url: URL): Promise<JsonResponse> {
    const o = this.#options;
    const where = `GET ${url.origin}${url.pathname}${url.search}`;
    let refreshed = false;
    for (let attempt = 0;; attempt++) {
      let reason: string;
      let delay = Math.min(o.maxDelayMs, o.backoffMs * 2 ** attempt);
      try {
        const headers = { accept: "application/json", ...(await this.auth?.headers("GET", url, refreshed) ?? {}) };
        this.requests++;
        const response = await o.fetch(url, { headers, signal: AbortSignal.timeout(o.timeoutMs) });
        if (response.ok) {
          const text = await response.text();
          try {
            return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
          } catch {
            throw new SourceError(`${where}: the server answered ${response.status} with a body that is not JSON`);
          }
        }
        const body = await response.text();
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
        if (e instanceof SourceError) throw e;
        const err = e as Error;
        const timeout = err.name === "TimeoutError" || err.name === "AbortError";
        if (attempt >= o.retries) {
          throw new SourceError(
            `${where}: ${
              timeout ? `no answer within ${o.timeoutMs / 1000} s` : `network error (${err.message})`
            } after ${attempt + 1} attempts`,
            { cause: e },
          );
        }
        reason = timeout ? "timeout" : `network error: ${err.message}`;
      }
      o.onRetry?.({ url: where, attempt: attempt + 1, reason, delayMs: delay });
      await o.sleep(delay);
    }
  }
}

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
    ? ` (imsx ${[imsx.major, imsx.minor].filter(Boolean).join("/")}${imsx.description ? `: ${imsx.description}` : ""})`
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
      return `HTTP ${status}${codes}${!imsx && body ? `: ${body.slice(0, 200).replace(/\s+/g, " ")}` : ""}`;
  }
}

/** The imsx_StatusInfo codes of an error body, wherever the server put them. */
export function imsxCodes(body: string): { major?: string; minor?: string; description?: string } | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const find = (v: unknown): Record<string, unknown> | undefined => {
    if (!v || typeof v !== "object") return undefined;
    const o = v as Record<string, unknown>;
    if ("imsx_codeMajor" in o) return o;
    for (const child of Object.values(o)) {
      const hit = Array.isArray(child) ? child.map(find).find(Boolean) : find(child);
      if (hit) return hit;
    }
    return undefined;
  };
  const info = find(json);
  if (!info) return undefined;
  const minor = info.imsx_CodeMinor as Record<string, unknown> | undefined;
  const field = minor?.imsx_codeMinorField as Array<Record<string, unknown>> | Record<string, unknown> | undefined;
  const first = Array.isArray(field) ? field[0] : field;
  return {
    major: String(info.imsx_codeMajor ?? ""),
    minor: first?.imsx_codeMinorFieldValue ? String(first.imsx_codeMinorFieldValue) : undefined,
    description: info.imsx_description ? String(info.imsx_description) : undefined,
  };
}
