/**
 * Keeps secrets out of logs, errors, reports and notebook output: every
 * secret the resolver hands out is remembered, and text passes through
 * {@link redact} before it leaves the process.
 */
import { databaseUrlSecrets } from "./database-url.ts";
import { printable, safeJson } from "../text.ts";

const known = new Set<string>();
const REDACTED = "[REDACTED]";

/**
 * Every text a secret can take in a message: as it is; with its control
 * characters shown as escapes (`printable`, as the shells print) or turned
 * into spaces (server and network text in HTTP errors); and each of those
 * inside a JSON line (a log, an audit line: `"` as `\"`, a line break as
 * `\n`, C1 and bidi controls as `\u`).
 *
 * @example
 * secretForms("ab\r\ncd-secret") // includes "ab\\r\\ncd-secret" and "ab cd-secret"
 */
export function secretForms(value: string): Set<string> {
  // deno-lint-ignore no-control-regex -- the control characters a message turns into spaces
  const spaced = value.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ");
  const forms = new Set([value, printable(value), spaced, spaced.trim()]);
  for (const form of [...forms]) {
    forms.add(JSON.stringify(form).slice(1, -1));
    forms.add(safeJson(form).slice(1, -1));
  }
  return forms;
}

/** Remembers a secret value, in every form a message may show it (ignored when too short to be one). */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < 6) return;
  for (const form of secretForms(value)) if (form.length >= 6) known.add(form);
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
