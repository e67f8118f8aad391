/**
 * Credentials named in settings, resolved from environment variables. A
 * credential named `lincoln-usd/classlink` is read from
 * `LINCOLN_USD_CLASSLINK_CLIENT_ID` and `LINCOLN_USD_CLASSLINK_CLIENT_SECRET`
 * (or `…_TOKEN` for a static bearer token). Secrets never reach a message.
 */
import type { ErrorCode } from "../errors.ts";

/** A credential that cannot be resolved: shells exit 2. */
export class CredentialError extends Error {
  override name = "CredentialError";
  readonly code: ErrorCode = "credentials.missing";
}

/** An OAuth client id and secret. */
export interface ClientCredentials {
  name: string;
  clientId: string;
  clientSecret: string;
}

/**
 * The variable prefix of a credential name: upper-cased, every character
 * other than A–Z and 0–9 replaced by `_`.
 *
 * @example
 * credentialVariable("lincoln-usd/classlink") // "LINCOLN_USD_CLASSLINK"
 */
export function credentialVariable(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/**
 * Reads a client id and secret from `<N>_CLIENT_ID` and `<N>_CLIENT_SECRET`.
 *
 * @example
 * clientCredentials("lincoln-usd/classlink", Deno.env.toObject())
 */
export function clientCredentials(name: string, env: Record<string, string | undefined>): ClientCredentials {
  const prefix = credentialVariable(name);
  const clientId = env[`${prefix}_CLIENT_ID`]?.trim();
  const clientSecret = env[`${prefix}_CLIENT_SECRET`]?.trim();
  const missing = [!clientId && `${prefix}_CLIENT_ID`, !clientSecret && `${prefix}_CLIENT_SECRET`].filter(Boolean);
  if (missing.length) {
    throw new CredentialError(`credential "${name}" is not configured: set ${missing.join(" and ")}`);
  }
  return { name, clientId: clientId!, clientSecret: clientSecret! };
}

/**
 * Reads a static bearer token from `<N>_TOKEN`.
 *
 * @example
 * bearerToken("lincoln-usd/classlink-proxy", Deno.env.toObject())
 */
export function bearerToken(name: string, env: Record<string, string | undefined>): string {
  const variable = `${credentialVariable(name)}_TOKEN`;
  const token = env[variable]?.trim();
  if (!token) throw new CredentialError(`credential "${name}" is not configured: set ${variable}`);
  return token;
}
