/**
 * Hostile REST answers that once crashed or misled a read: records and error
 * bodies nested 100,000 deep, a server that ignores offset but announces
 * X-Total-Count, access tokens that cannot be a header value, and a token
 * answer of megabytes. Each ends in a refused record or one clear error,
 * quickly, and no secret is shown in any form.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "./helpers/assert.ts";
import { readOneRosterRest, type RestReadOptions, type RestSource } from "../lib/sources/oneroster-rest/read.ts";
import { SourceError } from "../lib/sources/errors.ts";
import { CredentialError } from "../lib/credentials/env.ts";
import { HttpClient } from "../lib/sources/http/client.ts";
import { formatIssue } from "../lib/model/issues.ts";
import { redact, registerSecret } from "../lib/credentials/redact.ts";
import { printable, safeJson } from "../lib/text.ts";

const V11 = "/ims/oneroster/v1p1";
const V12 = "/ims/oneroster/rostering/v1p2";
const TOKEN = "tok-hostile-0123456789";
const bearerEnv = { HOSTILE_SIS_TOKEN: TOKEN };
const oauthEnv = { HOSTILE_SIS_CLIENT_ID: "client-1", HOSTILE_SIS_CLIENT_SECRET: "client-secret-hostile" };
const quick = { backoffMs: 1, maxDelayMs: 5, timeoutMs: 5000, retries: 2 };

/** `[[[…]]]`, `depth` arrays deep, as JSON text (JSON.stringify of such a value would itself overflow). */
const nested = (depth: number, inner = "") => "[".repeat(depth) + inner + "]".repeat(depth);

/** A loopback server counting what it is asked; `handle` answers with raw JSON text. */
async function withServer(
  handle: (url: URL, req: Request) => Response | Promise<Response>,
  fn: (origin: string, hits: { data: number; token: number }) => Promise<void>,
) {
  const hits = { data: 0, token: 0 };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const url = new URL(req.url);
    if (url.pathname.endsWith("/token")) hits.token++;
    else hits.data++;
    return handle(url, req);
  });
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`, hits);
  } finally {
    await server.shutdown();
  }
}

/** A collection of raw JSON records, paged by limit and offset, with X-Total-Count unless `total` is null. */
function paged(name: string, records: string[], url: URL, total: number | null = records.length): Response {
  const limit = Number(url.searchParams.get("limit") ?? 100);
  const offset = Number(url.searchParams.get("offset") ?? 0);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (total !== null) headers["x-total-count"] = String(total);
  return new Response(`{"${name}":[${records.slice(offset, offset + limit).join(",")}]}`, { headers });
}

const collection = (url: URL) => url.pathname.split("/").pop()!;
const source = (origin: string, more: Partial<RestSource> = {}): RestSource => ({
  kind: "oneroster-rest",
  version: "1.1",
  baseUrl: `${origin}${V11}`,
  credentials: "hostile/sis",
  auth: "bearer",
  ...more,
});
const ORG = '{"sourcedId":"o1","status":"active","name":"North High","type":"school"}';
const user = (id: string, extra = "") =>
  `{"sourcedId":"${id}","status":"active","enabledUser":true,"role":"student","username":"${id}",` +
  `"givenName":"Ana","familyName":"Diaz","orgs":[{"sourcedId":"o1","type":"org"}],"grades":["09"]${extra}}`;

/** Reads and returns the error it ends with, having checked that no part of `secret` is in its message. */
async function refusedWithout(secret: string, read: () => Promise<unknown>): Promise<Error> {
  let error: unknown;
  try {
    await read();
  } catch (e) {
    error = e;
  }
  assert(error instanceof Error, "the read succeeded; it should have been refused");
  assertNoPart(error.message, secret);
  return error;
}

/** No five characters of the secret in a row (its control characters as they are, as spaces or escaped) in `text`. */
function assertNoPart(text: string, secret: string) {
  // deno-lint-ignore no-control-regex
  for (const form of [secret, secret.replace(/[\u0000-\u001f]/g, " "), printable(secret)]) {
    for (let i = 0; i + 5 <= form.length; i++) {
      const part = form.slice(i, i + 5);
      assert(!text.includes(part), `${JSON.stringify(text)} shows ${JSON.stringify(part)} of the secret`);
    }
  }
}

Deno.test("a REST record with text fields nested 100,000 deep is a refused record naming the endpoint, record and field", async () => {
  const deep = nested(100_000);
  const users = [
    // First on its page: paging reads the first record's id too.
    user("x").replace('"sourcedId":"x"', `"sourcedId":${deep}`),
    user("u1"),
    user("u2", `,"middleName":${deep}`),
    user("u3").replace('"orgs":[{"sourcedId":"o1","type":"org"}]', `"orgs":[{"sourcedId":${deep}}]`),
    user("u4", `,"agents":[{"sourcedId":"u1"},{"sourcedId":{"sourcedId":${nested(100_000, "{}")}}}]`),
    user("u5", `,"grades":[${deep}]`),
    user("u6"),
  ];
  await withServer((url) => {
    const name = collection(url);
    if (name === "orgs") return paged(name, [ORG], url);
    if (name === "users") return paged(name, users, url);
    return paged(name, [], url);
  }, async (origin) => {
    const read = await readOneRosterRest(source(origin, { pageSize: 2 }), { env: bearerEnv, http: quick });
    assertEquals(read.users.map((u) => u.sourcedId).sort(), ["u1", "u6"]);
    const refused = read.issues.filter((i) => i.kind === "bad_row").map(formatIssue).sort();
    assertEquals(refused, [
      'GET /users:1: field "sourcedId[0]" is an array where text is expected; record skipped',
      'GET /users:3: field "middleName[0]" is an array where text is expected; record skipped',
      'GET /users:4: field "orgs[0].sourcedId" is an array where text is expected; record skipped',
      'GET /users:5: field "agents[1].sourcedId" is an object where text is expected; record skipped',
      'GET /users:6: field "grades[0]" is an array where text is expected; record skipped',
    ]);
    // A refused record with a readable id is never reported as absent from the source.
    assertEquals(read.rejected.map((r) => r.sourcedId).sort(), ["u2", "u3", "u4", "u5"]);
  });
});

Deno.test("a REST 1.2 role with fields nested 100,000 deep is a refused role naming the user and field", async () => {
  const roles = (role: string) => `,"roles":[{"roleType":"primary","role":${role},"org":{"sourcedId":"o1"}}]`;
  const users = [
    user("u1", roles('"student"')),
    user("u2", roles(nested(100_000))),
    user("u3", `,"roles":[{"roleType":"primary","role":"student","org":{"sourcedId":${nested(100_000)}}}]`),
  ].map((u) => u.replace('"role":"student",', ""));
  await withServer((url) => {
    const name = collection(url);
    if (name === "orgs") return paged(name, [ORG], url);
    if (name === "users") return paged(name, users, url);
    return paged(name, [], url);
  }, async (origin) => {
    const read = await readOneRosterRest(
      source(origin, { version: "1.2", baseUrl: `${origin}${V12}` }),
      { env: bearerEnv, http: quick, asOf: "2026-11-20" },
    );
    assertEquals(read.users.map((u) => u.sourcedId), ["u1"]);
    const lines = read.issues.map(formatIssue).join("\n");
    assertMatch(
      lines,
      /GET \/users:2: user "u2": roles: field "roles\[0\]\.role\[0\]" is an array where text is expected; role skipped/,
    );
    assertMatch(lines, /GET \/users:3: user "u3": roles: field "roles\[0\]\.org\.sourcedId" is an array where/);
  });
});

Deno.test("an error answer nested 30,000 deep is reported as its HTTP status, and a 401 is not retried", async () => {
  const imsx = '"imsx_statusInfo":{"imsx_codeMajor":"failure","imsx_description":"token revoked",' +
    '"imsx_CodeMinor":{"imsx_codeMinorField":[{"imsx_codeMinorFieldValue":"unauthorisedrequest"}]}}';
  const bodies = [
    `{"error":${nested(30_000)}}`,
    // The codes beside a deep branch are still found; codes that are themselves deep are not read.
    `{"detail":${nested(30_000)},${imsx}}`,
    `{"imsx_statusInfo":{"imsx_codeMajor":${nested(30_000)},"imsx_description":${nested(100)}}}`,
  ];
  for (const [n, body] of bodies.entries()) {
    await withServer(
      () => new Response(body, { status: 401, headers: { "content-type": "application/json" } }),
      async (origin, hits) => {
        const err = await assertRejects(
          () => readOneRosterRest(source(origin), { env: bearerEnv, http: quick }),
          SourceError,
        );
        assertMatch(
          err.message,
          n === 1
            ? /orgs\?limit=1000&offset=0: 401 Unauthorized \(imsx failure\/unauthorisedrequest: token revoked\): check the bearer token of credential "hostile\/sis"$/
            : /orgs\?limit=1000&offset=0: 401 Unauthorized( \(imsx \))?: check the bearer token of credential "hostile\/sis"$/,
        );
        assertEquals(hits.data, 1, "a 401 is not retried");
      },
    );
  }
  // A status that is retried still is, and is named as what it is.
  await withServer(
    () => new Response(`{"e":${nested(30_000)}}`, { status: 503 }),
    async (origin, hits) => {
      const err = await assertRejects(
        () => readOneRosterRest(source(origin), { env: bearerEnv, http: quick }),
        SourceError,
      );
      assertMatch(err.message, /orgs\?limit=1000&offset=0: HTTP 503: \{"e":\[{195}$/);
      assertEquals(hits.data, 3, "the first attempt and two retries");
    },
  );
});

Deno.test("a server that ignores offset but sends X-Total-Count is refused at its second page, naming the endpoint", async () => {
  const users = [user("u1"), user("u2")];
  for (const concurrency of [1, 4]) {
    await withServer((url) => {
      const name = collection(url);
      if (name === "orgs") return paged(name, [ORG], url);
      // The first page whatever the offset, and a total of 10.
      url.searchParams.set("offset", "0");
      return paged(name, name === "users" ? users : [], url, name === "users" ? 10 : 0);
    }, async (origin) => {
      const err = await assertRejects(
        () => readOneRosterRest(source(origin, { pageSize: 2, concurrency }), { env: bearerEnv, http: quick }),
        SourceError,
      );
      assertMatch(
        err.message,
        /^GET \/users: the page at offset 2 starts with the same record as the one before \(sourcedId "u1"\): the server ignores offset, so reading on would count the same records again; refusing to read further/,
      );
    });
  }
});

Deno.test("a next link that leads to a copy of the page before is refused, naming the endpoint", async () => {
  const users = [user("u1"), user("u2")];
  await withServer((url) => {
    const name = collection(url);
    if (name !== "users") return paged(name, name === "orgs" ? [ORG] : [], url);
    // A fresh next link every time, and the same two users behind each.
    const page = Number(url.searchParams.get("page") ?? 0);
    const response = paged(name, users, new URL(`${url.origin}${url.pathname}?limit=2&offset=0`), null);
    response.headers.set("link", `<${url.pathname}?limit=2&page=${page + 1}>; rel="next"`);
    return response;
  }, async (origin, hits) => {
    const err = await assertRejects(
      () => readOneRosterRest(source(origin, { pageSize: 2 }), { env: bearerEnv, http: quick }),
      SourceError,
    );
    assertMatch(
      err.message,
      /^GET \/users: the page the server's next link leads to starts with the same record as the one before \(sourcedId "u1"\): the server pages in a loop/,
    );
    assertEquals(hits.data, 3, "orgs, then two pages of users");
  });
});

const badTokens = {
  "a line break (a header injected)": "Zq9vW7kPmQ\r\nX-Evil: injected",
  "a control character": "Zq9vW7kPmQ\u0000Rt5sLx",
  "a character outside Latin-1": "Zq9vW7kPmQ\u20acRt5sLx",
  "a character outside ASCII": "Zq9vW7kPmQ\u00e9Rt5sLx",
};

Deno.test("a bearer token from the environment that cannot be a header value is refused before any request, never shown", async () => {
  for (const [what, token] of Object.entries(badTokens)) {
    await withServer(() => new Response("{}"), async (origin, hits) => {
      const retries: string[] = [];
      const err = await refusedWithout(token, () =>
        readOneRosterRest(source(origin), {
          env: { HOSTILE_SIS_TOKEN: token },
          http: { ...quick, onRetry: (r) => retries.push(r.reason) },
        }));
      assert(err instanceof CredentialError, `${what}: ${err}`);
      assertMatch(
        err.message,
        /^credential "hostile\/sis": the bearer token holds (a line break|a control character|a character outside ASCII), so it cannot be sent in an Authorization header; nothing was sent/,
      );
      assertEquals(hits.data, 0, `${what}: nothing is sent`);
      assertEquals(retries, [], `${what}: nothing is retried`);
    });
  }
});

Deno.test("an access token from the token endpoint that cannot be a header value is refused once, never shown, never retried", async () => {
  for (const [what, token] of Object.entries(badTokens)) {
    await withServer((url) => {
      if (url.pathname.endsWith("/token")) return Response.json({ access_token: token, expires_in: 3600 });
      return new Response("{}");
    }, async (origin, hits) => {
      const retries: string[] = [];
      const err = await refusedWithout(token, () =>
        readOneRosterRest(
          source(origin, {
            version: "1.2",
            baseUrl: `${origin}${V12}`,
            auth: "oauth2",
            tokenUrl: `${origin}/oauth/token`,
          }),
          { env: oauthEnv, http: { ...quick, onRetry: (r) => retries.push(r.reason) } },
        ));
      assert(err instanceof SourceError, `${what}: ${err}`);
      assertMatch(
        err.message,
        /^POST http:\/\/127\.0\.0\.1:\d+\/oauth\/token: the access_token the token endpoint returned holds (a line break|a control character|a character outside ASCII), so it cannot be sent in an Authorization header; not used/,
      );
      assertEquals([hits.token, hits.data], [1, 0], `${what}: one token request, no data request`);
      assertEquals(retries, [], `${what}: nothing is retried`);
    });
  }
});

Deno.test("a header an authenticator makes that cannot be sent is refused, naming the header, never its value", async () => {
  let fetched = 0;
  const client = new HttpClient(
    { headers: () => Promise.resolve({ authorization: "Bearer Zq9vW7kPmQ\nX-Evil: injected" }), describe: () => "x" },
    { ...quick, fetch: () => (fetched++, Promise.resolve(new Response("{}"))) },
  );
  const err = await refusedWithout(
    "Zq9vW7kPmQ\nX-Evil: injected",
    () => client.getJson(new URL("http://127.0.0.1:9/ims/oneroster/v1p1/orgs")),
  );
  assert(err instanceof SourceError);
  assertMatch(
    err.message,
    /: the authorization header holds a line break, .* so it cannot be sent and was not\. Check x$/,
  );
  assertEquals(fetched, 0);
});

Deno.test("a secret is redacted in every form a message gives it: raw, escaped for printing, as spaces, in JSON", () => {
  const secret = "MyS3cretTok\r\nX: y\u0085z\u202eq\u0007w";
  registerSecret(secret);
  // deno-lint-ignore no-control-regex
  const spaced = secret.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ");
  for (
    const form of [
      secret,
      printable(secret),
      spaced,
      JSON.stringify(secret).slice(1, -1),
      safeJson(secret).slice(1, -1),
      JSON.stringify(printable(secret)).slice(1, -1),
      JSON.stringify(spaced).slice(1, -1),
    ]
  ) {
    const out = redact(`network error (Invalid header value: "Bearer ${form}") after 6 attempts`);
    assertMatch(out, /\[REDACTED\]/, JSON.stringify(form));
    assert(!out.includes("MyS3c") && !out.includes("X: y") && !out.includes("q"), `${JSON.stringify(form)}: ${out}`);
  }
  // A message trimmed right after the secret still loses all of it.
  const end = redact(`Bearer ${spaced.replace(/ $/, "")}`);
  assert(!end.includes("MyS3c") && !end.includes("X: y"), end);
});

Deno.test("a token answer over 1 MiB is refused as a token response, not told to ask for smaller pages", async () => {
  const big = `{"access_token":"${"a".repeat(2 * 1024 * 1024)}"}`;
  await withServer((url) => {
    if (url.pathname.endsWith("/token")) return new Response(big, { headers: { "content-type": "application/json" } });
    return new Response("{}");
  }, async (origin, hits) => {
    const err = await assertRejects(
      () =>
        readOneRosterRest(
          source(origin, { version: "1.2", baseUrl: `${origin}${V12}`, auth: "oauth2", tokenUrl: `${origin}/token` }),
          { env: oauthEnv, http: quick } satisfies RestReadOptions,
        ),
      SourceError,
    );
    assertMatch(
      err.message,
      /^POST http:\/\/127\.0\.0\.1:\d+\/token: the answer is larger than 1 MiB \(Content-Length \d+\); refusing to read it\. A token response is a few kilobytes: check that tokenUrl in the settings is the OAuth 2 token endpoint$/,
    );
    assert(!/pageSize|CDT_REST_MAX_BODY_BYTES/.test(err.message), err.message);
    assertEquals(hits.data, 0);
  });
});

Deno.test("a server that sends records without end is stopped with an error before they fill the heap, not by V8 ending the process", async () => {
  // Ten million users announced, each page of 5,000 made on request: far below the record and page caps.
  await withServer((url) => {
    const name = collection(url);
    if (name === "orgs") return paged(name, [ORG], url);
    if (name !== "users") return paged(name, [], url);
    const offset = Number(url.searchParams.get("offset") ?? 0);
    const records = Array.from({ length: 5000 }, (_, i) => user(`u${offset + i}`));
    return new Response(`{"users":[${records.join(",")}]}`, {
      headers: { "content-type": "application/json", "x-total-count": "10000000" },
    });
  }, async (origin) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        "--v8-flags=--max-old-space-size=96,--expose-gc",
        new URL("./helpers/rest-heap.ts", import.meta.url).pathname,
        origin,
      ],
      env: bearerEnv,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assertEquals(
      out.code,
      0,
      `the process ended (${out.code}, ${out.signal}): ${new TextDecoder().decode(out.stderr).slice(-500)}`,
    );
    const ended = JSON.parse(stdout);
    assertMatch(
      ended.error,
      /^GET \/users: after \d+ pages and \d+ records, the read fills \d+ MiB of the \d+ MiB this process may use; refusing/,
    );
  });
});
