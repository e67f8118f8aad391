/**
 * Stable error codes: every error the tools raise on purpose carries one, and
 * this table maps it once to an HTTP status (the server) and to an exit code
 * (the command-line shells). Clients and scripts branch on the code, never on
 * a message or a class.
 */

/** What each code means to an HTTP client and to a shell. */
interface CodeEntry {
  /** The HTTP status the server answers with. */
  status: 400 | 401 | 403 | 404 | 405 | 413 | 429 | 500 | 502 | 503 | 504;
  /** The exit code of a command-line tool: 1 failure, 2 usage or configuration. */
  exit: 1 | 2;
  /** Whether the error's own message may reach an HTTP client (else `summary`). */
  expose: boolean;
  /** What a client is told when the message stays in the server's log. */
  summary: string;
}

/** The codes, their HTTP status and exit code. */
export const ERROR_CODES = {
  usage: { status: 400, exit: 2, expose: true, summary: "the request or command line is not valid" },
  "auth.required": { status: 401, exit: 2, expose: true, summary: "authentication required" },
  "access.denied": { status: 403, exit: 2, expose: true, summary: "not allowed" },
  "customer.unknown": { status: 404, exit: 2, expose: true, summary: "no such customer" },
  not_found: { status: 404, exit: 2, expose: true, summary: "not found" },
  "method.not_allowed": { status: 405, exit: 2, expose: true, summary: "this server only reads" },
  "request.too_large": { status: 413, exit: 2, expose: true, summary: "request body too large" },
  "rate.limited": { status: 429, exit: 1, expose: true, summary: "too many requests" },
  "settings.invalid": { status: 500, exit: 2, expose: false, summary: "the customer's settings are not valid" },
  "credentials.missing": { status: 503, exit: 2, expose: false, summary: "a credential is not configured" },
  "credentials.unavailable": { status: 503, exit: 2, expose: false, summary: "the credential store cannot be read" },
  "platform.unconfigured": { status: 503, exit: 2, expose: false, summary: "the platform database is not configured" },
  "platform.unreachable": {
    status: 502,
    exit: 1,
    expose: false,
    summary: "the platform database cannot be reached or read; see the server log",
  },
  "source.unreadable": { status: 502, exit: 1, expose: true, summary: "the roster source cannot be read" },
  "hubspot.failed": { status: 502, exit: 1, expose: false, summary: "HubSpot refused or failed" },
  "limit.exceeded": { status: 500, exit: 1, expose: true, summary: "a limit was exceeded" },
  "request.timeout": { status: 504, exit: 1, expose: true, summary: "the request took too long" },
  "server.busy": { status: 503, exit: 1, expose: true, summary: "too many diagnoses at once; try again shortly" },
  internal: { status: 500, exit: 1, expose: false, summary: "internal error" },
} as const satisfies Record<string, CodeEntry>;

/** A stable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** An error raised with a code and nothing else to say about its class. */
export class CodedError extends Error {
  override name = "CodedError";
  /**
   * @param code the stable code
   * @param message what went wrong and what to do; never a secret
   * @param options `retryAfter` (seconds) for `server.busy` and `rate.limited`
   */
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions & { retryAfter?: number },
  ) {
    super(message, options);
    this.retryAfter = options?.retryAfter;
  }
  /** Seconds a client should wait before trying again, where that helps. */
  readonly retryAfter?: number;
}

/**
 * The code an error carries, `internal` for anything that carries none we know
 * (a driver's `ECONNREFUSED` or `28P01` is not one of ours).
 *
 * @example
 * errorCode(new SourceError("users.csv:3: …")) // "source.unreadable"
 * errorCode(new TypeError("x is undefined"))   // "internal"
 */
export function errorCode(error: unknown): ErrorCode {
  if (!(error instanceof Error)) return "internal";
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && Object.hasOwn(ERROR_CODES, code) ? code as ErrorCode : "internal";
}

/**
 * Whether a string is one of the codes (for errors rebuilt from a message, e.g. a worker's).
 *
 * @example
 * isErrorCode("usage") // true
 */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_CODES, value);
}
