/**
 * A fake OneRoster REST server (1.1 or 1.2, optionally with ClassLink's
 * quirks) on 127.0.0.1:0, serving a roster. It checks OAuth 1.0a signatures
 * (HMAC-SHA256 or SHA1, five minutes of clock skew) or OAuth 2 bearer tokens
 * for real, pages with limit/offset (capping limit), and injects 429s,
 * 503s, slow answers and short reads on request. As a hostile server it can
 * revoke tokens, send any X-Total-Count, rewrite its next links (to another
 * origin, or in a loop) and redirect.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { Roster } from "../../lib/model/roster.ts";
import { hmacSignature, signatureBaseString } from "../../lib/sources/oneroster-rest/auth.ts";

/** Options of {@link startFakeOneRoster}. */
export interface FakeOptions {
  roster: Roster;
  version: "1.1" | "1.2";
  clientId: string;
  clientSecret: string;
  auth: "oauth1" | "oauth2" | "bearer";
  /** The most records one page returns, whatever limit asks. */
  maxLimit?: number;
  /** ClassLink: booleans as "true"/"false" strings and "" for missing values. */
  classlinkQuirks?: boolean;
  /** Leave out X-Total-Count and send Link rel="next" instead. */
  linkPaging?: boolean;
  /** Request numbers (1-based, data requests only) answered 429 with Retry-After: 1. */
  fail429?: number[];
  /** Request numbers answered 503. */
  fail503?: number[];
  /** Request numbers answered after `slowMs`. */
  slow?: number[];
  slowMs?: number;
  /** Announce more records than are served (a server losing rows mid-read). */
  lieAboutTotal?: number;
  /** Seconds an OAuth 2 token lives. */
  tokenLifetime?: number;
  /** Collections answered 404. */
  notServed?: string[];
  /** Revoke every OAuth 2 token issued so far when this data request (1-based) arrives. */
  revokeTokensAt?: number;
  /** The X-Total-Count value sent, whatever the collection holds. */
  totalCountHeader?: string;
  /** Rewrites the Link rel="next" target (with `linkPaging`): another origin, a loop… */
  rewriteNextLink?: (link: string, collection: string) => string;
  /** Answer data requests with this status and Location instead (a redirect). */
  redirect?: { status: number; location: string };
  /** Ignore `offset`: every page is the first one (with `linkPaging` off and no X-Total-Count). */
  ignoreOffset?: boolean;
}

/** A running fake. */
export interface FakeServer {
  baseUrl: string;
  tokenUrl: string;
  stop(): Promise<void>;
  /** Data requests answered (faults included). */
  requests: number;
  tokensIssued: number;
  unauthorized: number;
}

const imsx = (minor: string, description: string) => ({
  imsx_codeMajor: "failure",
  imsx_severity: "error",
  imsx_description: description,
  imsx_CodeMinor: {
    imsx_codeMinorField: [{ imsx_codeMinorFieldName: "TargetEndSystem", imsx_codeMinorFieldValue: minor }],
  },
});

/** Starts a fake server; stop it when done. */
export function startFakeOneRoster(o: FakeOptions): Promise<FakeServer> {
  const base = o.version === "1.2" ? "/ims/oneroster/rostering/v1p2" : "/ims/oneroster/v1p1";
  const collections = toJson(o.roster, o.version, !!o.classlinkQuirks);
  const tokens = new Map<string, number>();
  const state: FakeServer = {
    baseUrl: "",
    tokenUrl: "",
    stop: () => Promise.resolve(),
    requests: 0,
    tokensIssued: 0,
    unauthorized: 0,
  };
  const app = new Hono();

  app.post("/oauth/token", async (c) => {
    const basic = (c.req.header("authorization") ?? "").replace(/^Basic\s+/i, "");
    const [id, secret] = atob(basic || "Og==").split(":");
    const form = new URLSearchParams(await c.req.text());
    if (form.get("grant_type") !== "client_credentials") return c.json({ error: "unsupported_grant_type" }, 400);
    if (id !== o.clientId || secret !== o.clientSecret) return c.json({ error: "invalid_client" }, 401);
    const token = `tok-${crypto.randomUUID()}`;
    tokens.set(token, Date.now() + (o.tokenLifetime ?? 3600) * 1000);
    state.tokensIssued++;
    return c.json({
      access_token: token,
      token_type: "bearer",
      expires_in: o.tokenLifetime ?? 3600,
      scope: form.get("scope"),
    });
  });

  app.get(`${base}/:collection`, async (c) => {
    state.requests++;
    const n = state.requests;
    if (o.revokeTokensAt === n) tokens.clear();
    if (!(await authorized(c))) {
      state.unauthorized++;
      return c.json({ imsx_statusInfo: imsx("unauthorisedrequest", "bad credentials") }, 401);
    }
    if (o.fail429?.includes(n)) {
      return c.json({ imsx_statusInfo: imsx("server_busy", "slow down") }, 429, { "retry-after": "1" });
    }
    if (o.fail503?.includes(n)) return c.text("upstream unavailable", 503);
    if (o.slow?.includes(n)) await new Promise((r) => setTimeout(r, o.slowMs ?? 3000));
    if (o.redirect) return c.body(null, o.redirect.status as 302, { location: o.redirect.location });
    const name = c.req.param("collection");
    if (o.notServed?.includes(name)) {
      return c.json({ imsx_statusInfo: imsx("unknownobject", "no such collection") }, 404);
    }
    const records = collections[name];
    if (!records) return c.json({ imsx_statusInfo: imsx("unknownobject", "no such collection") }, 404);
    const limit = Math.min(Number(c.req.query("limit") ?? 100), o.maxLimit ?? 1000);
    const offset = o.ignoreOffset ? 0 : Number(c.req.query("offset") ?? 0);
    const total = records.length;
    const served = o.lieAboutTotal ? Math.max(0, total - o.lieAboutTotal) : total;
    const page = records.slice(offset, Math.min(offset + limit, served));
    const headers: Record<string, string> = {};
    if (o.linkPaging) {
      if (offset + limit < total) {
        const next = new URL(c.req.url);
        next.searchParams.set("offset", String(offset + limit));
        next.searchParams.set("limit", String(limit));
        const link = `${next.pathname}${next.search}`;
        headers.link = `<${o.rewriteNextLink ? o.rewriteNextLink(link, name) : link}>; rel="next"`;
      }
    } else if (!o.ignoreOffset) {
      headers["x-total-count"] = o.totalCountHeader ?? String(total);
      if (o.classlinkQuirks) headers["x-count"] = String(page.length);
    }
    return c.json({ [name]: page }, 200, headers);
  });

  async function authorized(c: Context): Promise<boolean> {
    const header = c.req.header("authorization") ?? "";
    if (o.auth === "bearer") return header === `Bearer ${o.clientSecret}`;
    if (o.auth === "oauth2") {
      const token = header.replace(/^Bearer\s+/i, "");
      const expires = tokens.get(token);
      return expires !== undefined && Date.now() < expires;
    }
    if (!header.startsWith("OAuth ")) return false;
    const fields: Record<string, string> = {};
    for (const m of header.slice(6).matchAll(/(\w+)="([^"]*)"/g)) fields[m[1]] = decodeURIComponent(m[2]);
    if (fields.oauth_consumer_key !== o.clientId) return false;
    if (Math.abs(Date.now() / 1000 - Number(fields.oauth_timestamp)) > 300) return false;
    const method = fields.oauth_signature_method as "HMAC-SHA256" | "HMAC-SHA1";
    const { oauth_signature: signature, ...rest } = fields;
    const expected = await hmacSignature(signatureBaseString("GET", new URL(c.req.url), rest), o.clientSecret, method);
    return signature === expected;
  }

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  const origin = `http://127.0.0.1:${server.addr.port}`;
  state.baseUrl = `${origin}${base}`;
  state.tokenUrl = `${origin}/oauth/token`;
  state.stop = () => server.shutdown();
  return Promise.resolve(state);
}

/** The roster as OneRoster REST JSON, by collection. */
function toJson(
  roster: Roster,
  version: "1.1" | "1.2",
  quirks: boolean,
): Record<string, Array<Record<string, unknown>>> {
  const guid = (type: string, id: string) => ({ href: `/${type}s/${id}`, sourcedId: id, type });
  const b = (v: boolean | undefined) => (v === undefined ? (quirks ? "" : undefined) : quirks ? String(v) : v);
  const opt = (v: string | undefined) => (v ? v : quirks ? "" : undefined);
  return {
    orgs: roster.orgs.map((o) => ({
      sourcedId: o.sourcedId,
      status: o.status,
      dateLastModified: "2026-11-20T02:00:00Z",
      name: o.name,
      type: o.type,
      identifier: opt(o.identifier),
      parent: o.parentSourcedId ? guid("org", o.parentSourcedId) : quirks ? "" : undefined,
    })),
    users: roster.users.map((u) => ({
      sourcedId: u.sourcedId,
      status: u.status,
      dateLastModified: "2026-11-20T02:00:00Z",
      enabledUser: b(u.enabledUser),
      username: u.username,
      givenName: u.givenName,
      familyName: u.familyName,
      middleName: opt(u.middleName),
      identifier: opt(u.identifier),
      email: opt(u.email),
      agents: u.agentSourcedIds.map((a) => guid("user", a)),
      grades: u.grades,
      ...(version === "1.2"
        ? {
          roles: u.roles.map((r) => ({ roleType: r.roleType, role: r.role, org: guid("org", r.orgSourcedId ?? "") })),
          primaryOrg: u.orgSourcedIds[0] ? guid("org", u.orgSourcedIds[0]) : undefined,
        }
        : { role: u.role, orgs: u.orgSourcedIds.map((o) => guid("org", o)) }),
    })),
    classes: roster.classes.map((c) => ({
      sourcedId: c.sourcedId,
      status: c.status,
      dateLastModified: "2026-11-20T02:00:00Z",
      title: c.title,
      classCode: opt(c.classCode),
      classType: c.classType,
      grades: c.grades,
      course: guid("course", c.courseSourcedId),
      school: guid("org", c.schoolSourcedId),
      terms: c.termSourcedIds.map((t) => guid("academicSession", t)),
    })),
    enrollments: Array.from(roster.enrollments, (e) => ({
      sourcedId: e.sourcedId,
      status: e.status,
      dateLastModified: "2026-11-20T02:00:00Z",
      role: e.role,
      primary: b(e.primary),
      user: guid("user", e.userSourcedId),
      class: guid("class", e.classSourcedId),
      school: guid("org", e.schoolSourcedId),
      beginDate: opt(e.beginDate),
      endDate: opt(e.endDate),
    })),
    courses: roster.courses.map((c) => ({
      sourcedId: c.sourcedId,
      status: c.status,
      title: c.title,
      courseCode: c.courseCode,
      org: guid("org", c.orgSourcedId),
      schoolYear: guid("academicSession", c.schoolYearSourcedId),
    })),
    academicSessions: roster.academicSessions.map((s) => ({
      sourcedId: s.sourcedId,
      status: s.status,
      title: s.title,
      type: s.type,
      startDate: s.startDate,
      endDate: s.endDate,
      parent: s.parentSourcedId ? guid("academicSession", s.parentSourcedId) : quirks ? "" : undefined,
      schoolYear: s.schoolYear,
    })),
  };
}
