/**
 * Database URLs as people type them: checked before anything parses them, and
 * their secrets known before anything could quote them. A URL is judged by
 * its shape alone, and what is wrong is said without quoting any of it, since
 * a malformed URL is exactly the one whose password a parser cannot find.
 */

const SCHEME = /^postgres(?:ql)?:\/\//i;
const PERCENT_ADVICE =
  "the user and password must be percent-encoded (/ as %2F, @ as %40, % as %25, # as %23, ? as %3F, space as %20)";

/**
 * What is wrong with a postgres:// URL, or undefined when postgres.js and
 * libpq read it the same way. The answer never contains any of the URL.
 *
 * @example
 * checkDatabaseUrl("postgres://cdt:a/b@db:5432/platform") // "the user and password must be percent-encoded (…)"
 * checkDatabaseUrl("postgres://cdt:a%2Fb@db:5432/platform") // undefined
 */
export function checkDatabaseUrl(value: string): string | undefined {
  const url = value.trim();
  // deno-lint-ignore no-control-regex -- a control character is what is being looked for
  if (/[\s\x00-\x1f\x7f-\x9f]/.test(url)) {
    return `it contains a space or control character; ${PERCENT_ADVICE}`;
  }
  if (!SCHEME.test(url)) return "it does not start with postgres:// or postgresql://";
  const rest = url.replace(SCHEME, "");
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const after = end < 0 ? "" : rest.slice(end);
  // An "@" past the authority means a password's "/", "?" or "#" ended it early.
  if (after.includes("@") || authority.split("@").length > 2) return PERCENT_ADVICE;
  const at = authority.lastIndexOf("@");
  const userinfo = at < 0 ? "" : authority.slice(0, at);
  if (!decodes(userinfo)) return PERCENT_ADVICE;
  const hosts = authority.slice(at + 1);
  if (!hosts) {
    // libpq's Unix-socket form: postgres:///db?host=/var/run/postgresql
    if (/[?&]host=[^&]/.test(after)) return undefined;
    return 'it names no host (nothing after "@")';
  }
  for (const host of hosts.split(",")) {
    const m = /^(\[[0-9A-Fa-f:.]+\]|[^:\[\]]*)(?::(.*))?$/.exec(host);
    if (!m || !m[1]) return "it names no host (a host is empty or malformed)";
    if (!/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%-]+)$/.test(m[1]) || !decodes(m[1])) {
      return "its host is not a host name or IP address";
    }
    if (m[2] !== undefined && !(/^\d{1,5}$/.test(m[2]) && +m[2] >= 1 && +m[2] <= 65535)) {
      return "its port is not a number from 1 to 65535";
    }
  }
  if (!decodes(after.split("#")[0])) return 'its database name or parameters have a "%" not followed by two hex digits';
  try {
    // What postgres.js does with it: the first host stands in for all of them.
    new URL(url.replace(hosts, hosts.split(",")[0]));
  } catch {
    return "it cannot be read as a URL";
  }
  return undefined;
}

/**
 * Every text of a database URL that is a secret, found without parsing it:
 * the whole value, and the password as written, percent-decoded and
 * percent-encoded. The password runs from the first ":" after the scheme to
 * the last "@", so a raw "/", "@" or "#" in it is still covered.
 *
 * @example
 * databaseUrlSecrets("postgres://cdt:a%2Fb@db/platform") // ["postgres://cdt:a%2Fb@db/platform", "a%2Fb", "a/b"]
 */
export function databaseUrlSecrets(value: string): string[] {
  const out = new Set<string>([value, value.trim()]);
  const rest = value.trim().replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//, "");
  const at = rest.lastIndexOf("@");
  if (at > 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(":");
    if (colon >= 0) {
      const password = userinfo.slice(colon + 1);
      out.add(password);
      out.add(lenientDecode(password));
      out.add(encodeURIComponent(password));
      out.add(encodeURIComponent(lenientDecode(password)));
    }
  }
  return [...out].filter((s) => s.length > 0);
}

/** Decodes every well-formed %XX run and leaves anything else as written. */
function lenientDecode(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

function decodes(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}
