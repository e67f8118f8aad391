/** How the command-line shells report errors and choose exit codes. */
import { ERROR_CODES, type ErrorCode, errorCode } from "../errors.ts";
import { redact } from "../credentials/redact.ts";
import { printableLines } from "../text.ts";

/** A bad command line. Shells exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
  readonly code: ErrorCode = "usage";
}

/** Exit codes: 0 success, 1 failure (or --fail-on hit), 2 usage or configuration error. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * The exit code for an error thrown by lib/: the one its stable code maps to (lib/errors.ts).
 *
 * @example
 * exitCodeFor(new SettingsError("…")) // 2
 */
export function exitCodeFor(error: unknown): number {
  return ERROR_CODES[errorCode(error)].exit;
}

/**
 * The one-line message a shell prints for an error: errors with a code as they
 * are, anything else as an internal error (with its stack when CDT_DEBUG is set).
 *
 * @example
 * formatError(new SourceError("users.csv:12: …")) // "error: users.csv:12: …"
 */
export function formatError(error: unknown, debug = false): string {
  const e = error instanceof Error ? error : new Error(String(error));
  // Secrets never reach a terminal, whatever an error carries; nor does a district's escape sequence that a
  // message quotes (each line made printable, so a message's own lines stay lines).
  const text = errorCode(error) !== "internal"
    ? `error: ${e.message}`
    : `internal error: ${e.message}${debug && e.stack ? `\n${e.stack}` : " (set CDT_DEBUG=1 for details)"}`;
  return printableLines(redact(text).split("\n")).join("\n");
}
