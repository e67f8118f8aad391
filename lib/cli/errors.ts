/** How the command-line shells report errors and choose exit codes. */
import { PlatformError } from "../platform/errors.ts";
import { SettingsError } from "../settings/load.ts";
import { SourceError } from "../sources/errors.ts";
import { CredentialError } from "../credentials/env.ts";
import { VaultError } from "../credentials/vault.ts";
import { redact } from "../credentials/redact.ts";
import { HubSpotError } from "../hubspot/errors.ts";

/** A bad command line. Shells exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Exit codes: 0 success, 1 failure (or --fail-on hit), 2 usage or configuration error. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * The exit code for an error thrown by lib/.
 *
 * @example
 * exitCodeFor(new SettingsError("…")) // 2
 */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError || error instanceof SettingsError) return EXIT.usage;
  if (error instanceof CredentialError || error instanceof VaultError) return EXIT.usage;
  if (error instanceof PlatformError) return error.config ? EXIT.usage : EXIT.failure;
  return EXIT.failure;
}

/**
 * The one-line message a shell prints for an error: known errors as they
 * are, anything else as an internal error (with its stack when CDT_DEBUG is set).
 *
 * @example
 * formatError(new SourceError("users.csv:12: …")) // "error: users.csv:12: …"
 */
export function formatError(error: unknown, debug = false): string {
  const known = error instanceof UsageError || error instanceof SettingsError || error instanceof PlatformError ||
    error instanceof SourceError || error instanceof CredentialError || error instanceof VaultError ||
    error instanceof HubSpotError;
  const e = error instanceof Error ? error : new Error(String(error));
  // Secrets never reach a terminal, whatever an error carries.
  if (known) return redact(`error: ${e.message}`);
  return redact(`internal error: ${e.message}${debug && e.stack ? `\n${e.stack}` : " (set CDT_DEBUG=1 for details)"}`);
}
