/**
 * Request authentication for OneRoster REST: OAuth 1.0a one-legged signing
 * (1.1, ClassLink), OAuth 2 client credentials (1.2), and a static bearer
 * token (ClassLink's proxy). No secret ever appears in a message.
 */
import { encodeBase64 } from "../../encoding.ts";
import { type ClientCredentials, CredentialError } from "../../credentials/env.ts";
import { type Authenticator, describeUrl, readBounded } from "../http/client.ts";
import { SourceError } from "../errors.ts";
import { registerSecret } from "../../credentials/redact.ts";

/**
 * RFC 3986 percent-encoding, as OAuth 1.0a requires (`%20`, never `+`).
 *
 * @example
 * percentEncode("role='student' AND x") // "role%3D%27student%27%20AND%20x"
 */
export function percentEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * A URL with a query encoded the RFC 3986 way, so that what is sent is what is signed.
 *
 * @example
 * withQuery("https://x/ims/oneroster/v1p1/users", { limit: "100", filter: "role='student'" })
 */
export function withQuery(base: string | URL, params: Record<string, string | undefined>): URL {
  const url = new URL(base);
  const query = Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]) =>
    `${percentEncode(k)}=${percentEncode(v!)}`
  );
  url.search = query.length ? `?${query.join("&")}` : "";
  return url;
}

/** OAuth 1.0a signature methods servers use. */
export type SignatureMethod = "HMAC-SHA256" | "HMAC-SHA1";

/**
 * The OAuth 1.0a signature base string: method, URL without query, and every
 * query and oauth_* parameter, encoded and sorted.
 *
 * @example
 * signatureBaseString("GET", new URL("https://x/a?b=1"), { oauth_nonce: "n" })
 */
export function signatureBaseString(method: string, url: URL, oauth: Record<string, string>): string {
  const params: Array<[string, string]> = [];
  for (const [k, v] of url.searchParams) params.push([percentEncode(k), percentEncode(v)]);
  for (const [k, v] of Object.entries(oauth)) params.push([percentEncode(k), percentEncode(v)]);
  params.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const normalized = params.map(([k, v]) => `${k}=${v}`).join("&");
  return `${method.toUpperCase()}&${percentEncode(`${url.protocol}//${url.host}${url.pathname}`)}&${
    percentEncode(normalized)
  }`;
}

/**
 * Signs a base string with HMAC (key: `enc(secret)&`, no token secret), base64.
 *
 * @example
 * await hmacSignature("GET&…", "secret", "HMAC-SHA256")
 */
export async function hmacSignature(base: string, secret: string, method: SignatureMethod): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(`${percentEncode(secret)}&`),
    { name: "HMAC", hash: method === "HMAC-SHA1" ? "SHA-1" : "SHA-256" },
    false,
    ["sign"],
  );
  return encodeBase64(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(base))));
}

/** OAuth 1.0a one-legged request signing. */
export function oauth1(credentials: ClientCredentials, method: SignatureMethod = "HMAC-SHA256"): Authenticator {
  return {
    async headers(httpMethod, url) {
      const oauth: Record<string, string> = {
        oauth_consumer_key: credentials.clientId,
        oauth_nonce: crypto.randomUUID().replaceAll("-", ""),
        oauth_signature_method: method,
        oauth_timestamp: String(Math.floor(Date.now() / 1000)),
        oauth_version: "1.0",
      };
      const signature = await hmacSignature(
        signatureBaseString(httpMethod, url, oauth),
        credentials.clientSecret,
        method,
      );
      const fields = { ...oauth, oauth_signature: signature };
      const header = Object.keys(fields).sort().map((k) => `${k}="${percentEncode(fields[k as keyof typeof fields])}"`)
        .join(", ");
      return { authorization: `OAuth ${header}` };
    },
    describe: () => `the client id and secret of credential "${credentials.name}" (OAuth 1.0a, ${method})`,
  };
}

/** OneRoster 1.2's read-only rostering scope. */
export const ROSTER_CORE_READONLY = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly";

/** Options of {@link oauth2ClientCredentials}. */
export interface OAuth2Options {
  tokenUrl: string;
  scope?: string;
  /** Send the client id and secret by HTTP Basic (default) or in the form, as some servers want. */
  clientAuth?: "basic" | "form";
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * OAuth 2 client credentials: a token fetched once, cached until shortly
 * before it expires, and fetched again once after a 401.
 */
export function oauth2ClientCredentials(
  credentials: ClientCredentials,
  options: OAuth2Options,
): Authenticator & { tokenRequests: number } {
  let token: { value: string; expiresAt: number } | undefined;
  const doFetch = options.fetch ?? fetch;
  const where = `POST ${describeUrl(options.tokenUrl)}`;
  const provider = {
    tokenRequests: 0,
    canRefresh: true,
    describe: () =>
      `the client id and secret of credential "${credentials.name}" (OAuth 2 client credentials at ${
        describeUrl(options.tokenUrl)
      })`,
    async headers(_method: string, _url: URL, retry: boolean) {
      if (retry || !token || Date.now() >= token.expiresAt) token = await fetchToken();
      return { authorization: `Bearer ${token.value}` };
    },
  };
  async function fetchToken() {
    provider.tokenRequests++;
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      scope: options.scope ?? ROSTER_CORE_READONLY,
    });
    const headers: Record<string, string> = {
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    };
    if ((options.clientAuth ?? "basic") === "basic") {
      headers.authorization = `Basic ${
        encodeBase64(new TextEncoder().encode(`${credentials.clientId}:${credentials.clientSecret}`))
      }`;
    } else {
      form.set("client_id", credentials.clientId);
      form.set("client_secret", credentials.clientSecret);
    }
    let response: Response;
    let text: string;
    const timeoutMs = options.timeoutMs ?? 30_000;
    try {
      // No redirects: a 307 would resend the form, client secret included, wherever it pointed.
      response = await doFetch(options.tokenUrl, {
        method: "POST",
        headers,
        body: form.toString(),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: "manual",
      });
      text = await readBounded(response, 1024 * 1024, where, {
        advice:
          "A token response is a few kilobytes: check that tokenUrl in the settings is the OAuth 2 token endpoint",
      });
    } catch (e) {
      if (e instanceof SourceError) throw e;
      const err = e as Error;
      const timeout = err.name === "TimeoutError" || err.name === "AbortError";
      throw new SourceError(
        `${where}: the token request failed (${
          timeout ? `no complete answer within ${timeoutMs / 1000} s` : err.message.split("\n")[0]
        })`,
        { cause: e },
      );
    }
    if (response.status >= 300 && response.status < 400) {
      throw new SourceError(
        `${where}: the token endpoint answered ${response.status} (a redirect); not followed, so the client secret ` +
          "goes only to tokenUrl. Set tokenUrl in the settings to the final address",
      );
    }
    if (!response.ok) {
      throw new SourceError(`${where}: ${response.status}: the token was refused; check ${provider.describe()}`);
    }
    let body: { access_token?: string; expires_in?: number };
    try {
      body = JSON.parse(text);
    } catch {
      throw new SourceError(`${where}: the token response is not JSON`);
    }
    if (!body || !body.access_token || typeof body.access_token !== "string") {
      throw new SourceError(`${where}: the token response has no access_token`);
    }
    registerSecret(body.access_token);
    const value = trimHeaderSpace(body.access_token);
    const problem = tokenProblem(value);
    if (problem) {
      // Not retried: the same endpoint would hand out the same kind of token. Never quoted, not even in part.
      throw new SourceError(
        `${where}: the access_token the token endpoint returned ${problem}, so it cannot be sent in an ` +
          `Authorization header; not used. Report it to the vendor (credential "${credentials.name}")`,
      );
    }
    // A lifetime from 10 s to a day, whatever the server says.
    const lifetime = Math.min(86_400, Math.max(10, Number(body.expires_in) || 3600)) * 1000;
    // Renew a minute early (or at half-life for short tokens) so a token never expires mid-request.
    return { value, expiresAt: Date.now() + Math.max(lifetime / 2, lifetime - 60_000) };
  }
  return provider;
}

/**
 * Why a token cannot be a bearer token in an Authorization header, in words
 * that quote none of it; undefined when it can. A token is visible ASCII
 * (RFC 6750's b64token and every real server's tokens are): a line break
 * would start another header, a space or a character past ASCII is no token.
 *
 * @example
 * tokenProblem("eyJhbGciOi.J9.x") // undefined
 * tokenProblem("abc\r\nX-Evil: 1") // "holds a line break"
 */
export function tokenProblem(token: string): string | undefined {
  if (token.length === 0) return "is empty";
  if (/[\r\n]/.test(token)) return "holds a line break";
  // deno-lint-ignore no-control-regex -- finding control characters is the point
  if (/[\x00-\x1f\x7f]/.test(token)) return "holds a control character";
  if (/[^\t\x20-\x7e]/.test(token)) return "holds a character outside ASCII";
  if (/[ ]/.test(token)) return "holds a space";
  return undefined;
}

/** What fetch strips from a header value anyway (a token file's final line break), so a token may end with it. */
const trimHeaderSpace = (s: string) => s.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");

/**
 * A static bearer token (ClassLink's proxy), refused here, before any
 * request, when it cannot be sent as one (see {@link tokenProblem}).
 *
 * @example
 * const auth = staticBearer("lincoln-usd/classlink", Deno.env.get("LINCOLN_USD_CLASSLINK_TOKEN")!);
 */
export function staticBearer(name: string, token: string): Authenticator {
  token = trimHeaderSpace(token);
  registerSecret(token);
  const problem = tokenProblem(token);
  if (problem) {
    throw new CredentialError(
      `credential "${name}": the bearer token ${problem}, so it cannot be sent in an Authorization header; ` +
        "nothing was sent. Set it to the token alone, as the vendor issued it",
    );
  }
  return {
    headers: () => Promise.resolve({ authorization: `Bearer ${token}` }),
    describe: () => `the bearer token of credential "${name}"`,
  };
}
