/**
 * Keeps secrets out of logs, errors, reports and notebook output: every
 * secret the resolver hands out is remembered, and text passes through
 * {@link redact} before it leaves the process.
 */
import { databaseUrlSecrets } from "./database-url.ts";

const known = new Set<string>();
const REDACTED = "[REDACTED]";

/** Remembers a secret value (ignored when too short to be one). */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < 6) return;
  known.add(value);
  // The same secret inside a JSON line (a log, an audit line) is escaped: `"` as `\"`, a line break as `\n`.
  const inJson = JSON.stringify(value).slice(1, -1);
  if (inJson !== value) known.add(inJson);
}

/**
 * Remembers every secret text of a database URL before anything parses it:
 * the whole value and its password as written, decoded and encoded (see
 * {@link databaseUrlSecrets}), so even a URL no parser accepts is redacted.
 *
 * @example
 * registerDatabaseUrl(Deno.env.get("PRODUCTION_DATABASE_URL"));
 */
export function registerDatabaseUrl(value: string | undefined): void {
  if (!value) return;
  for (const secret of databaseUrlSecrets(value)) registerSecret(secret);
}

/**
 * Replaces every known secret, URL password, bearer token and secret-looking
 * query parameter with [REDACTED].
 *
 * @example
 * redact("postgres://cdt:hunter22@db/platform") // "postgres://cdt:[REDACTED]@db/platform"
 */
export function redact(text: string): string {
  let out = text;
  // Longest first: a URL is redacted whole before its password inside it.
  for (const secret of [...known].sort((a, b) => b.length - a.length)) out = out.split(secret).join(REDACTED);
  return out
    .replace(/(\w+:\/\/[^:/\s@]+:)[^@\s/]+@/g, `$1${REDACTED}@`)
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`)
    .replace(
      /\b(oauth_signature|client_secret|password|access_token|refresh_token)(["']?\s*[=:]\s*["']?)[^"'&\s,}]+/gi,
      `$1$2${REDACTED}`,
    );
}

/** Forgets every registered secret (tests). */
export function forgetSecrets(): void {
  known.clear();
}
