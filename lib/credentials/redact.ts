/**
 * Keeps secrets out of logs, errors, reports and notebook output: every
 * secret the resolver hands out is remembered, and text passes through
 * {@link redact} before it leaves the process.
 */

const known = new Set<string>();
const REDACTED = "[REDACTED]";

/** Remembers a secret value (ignored when too short to be one). */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) known.add(value);
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
  for (const secret of known) out = out.split(secret).join(REDACTED);
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
