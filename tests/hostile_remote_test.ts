/**
 * Hostile REST servers in the corpus: a remote source may say anything, and
 * none of it may steer us — not to another origin with our credentials, not
 * into building a trillion page offsets, not around a paging loop forever,
 * not into reading a 10 GB body, not into printing its control characters or
 * our secrets. Each case ends in one clear SourceError, quickly.
 */
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { type FakeOptions, type FakeServer, startFakeOneRoster } from "./fakes/oneroster-server.ts";
import { startBystander, startEndlessBodyServer } from "./fakes/hostile-http.ts";
import { generateDistrict } from "../lib/demo/generate.ts";
import { readOneRosterRest, type RestReadOptions, type RestSource } from "../lib/sources/oneroster-rest/read.ts";
import { describeUrl } from "../lib/sources/http/client.ts";
import { SourceError } from "../lib/sources/errors.ts";
import { connectHubSpot, HubSpotError } from "../lib/hubspot/mod.ts";
import { CredentialResolver } from "../lib/credentials/resolver.ts";

const district = generateDistrict({ customerId: "hostile-usd", students: 60, seed: 13 });
const SECRET = "s3cr3t-hostile-never-shown";
const bearerEnv = { HOSTILE_USD_SIS_TOKEN: SECRET };
const oauthEnv = { HOSTILE_USD_SIS_CLIENT_ID: "client-1", HOSTILE_USD_SIS_CLIENT_SECRET: SECRET };
const quick = { backoffMs: 5, maxDelayMs: 20, timeoutMs: 5000, retries: 1 };

async function withHostile(
  options: Partial<FakeOptions>,
  fn: (fake: FakeServer, source: RestSource) => Promise<void>,
) {
  const fake = await startFakeOneRoster({
    roster: district.roster,
    version: "1.1",
    clientId: "client-1",
    clientSecret: SECRET,
    auth: "bearer",
    maxLimit: 20,
    ...options,
  });
  try {
    await fn(fake, {
      kind: "oneroster-rest",
      version: options.version ?? "1.1",
      baseUrl: fake.baseUrl,
      tokenUrl: fake.tokenUrl,
      credentials: "hostile-usd/sis",
      auth: options.auth === "oauth2" ? "oauth2" : "bearer",
      pageSize: 20,
      concurrency: 1,
    });
  } finally {
    await fake.stop();
  }
}

/** Reads and returns the SourceError it ends with (and how long it took), checking no secret is in it. */
async function refused(source: RestSource, options: RestReadOptions = {}): Promise<{ message: string; ms: number }> {
  const t0 = performance.now();
  let error: unknown;
  try {
    await readOneRosterRest(source, { env: bearerEnv, ...options, http: { ...quick, ...options.http } });
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - t0;
  assert(error !== undefined, "the read succeeded; it should have been refused");
  assert(error instanceof SourceError, `expected a SourceError, got ${error}`);
  const message = (error as Error).message;
  for (const s of [SECRET, "Bearer", "oauth_signature"]) assert(!message.includes(s), `the message shows ${s}`);
  // deno-lint-ignore no-control-regex
  assert(!/[\u0000-\u001f\u007f-\u009f]/.test(message), `control characters in ${JSON.stringify(message)}`);
  return { message, ms };
}

const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

Deno.test("a next link to another origin is refused, naming the link, and that origin receives nothing", async () => {
  const foreign = startBystander();
  try {
    // `self` is the fake's own host:port, known once it listens.
    const cases: Array<[string, (link: string, self: string) => string, RegExp]> = [
      ["another port", (l) => `${foreign.origin}${l}`, new RegExp(`points to ${escaped(foreign.origin)}/ims/`)],
      [
        "protocol-relative",
        (l) => `//127.0.0.1:${foreign.port}${l}`,
        new RegExp(`points to ${escaped(foreign.origin)}/`),
      ],
      ["another scheme", (l, self) => `https://${self}${l}`, /points to https:\/\/127\.0\.0\.1:\d+\/ims\//],
      ["another host", (l) => `http://localhost:${foreign.port}${l}`, /points to http:\/\/localhost:\d+\/ims\//],
    ];
    for (const [label, rewrite, names] of cases) {
      let self = "";
      await withHostile({ linkPaging: true, rewriteNextLink: (l) => rewrite(l, self) }, async (fake, source) => {
        self = new URL(fake.baseUrl).host;
        const { message, ms } = await refused(source);
        assertMatch(message, /^GET \/users: the server's Link rel="next" points to /, label);
        assertMatch(message, names, label);
        assert(message.includes(`another origin than http://${self}; not followed`), `${label}: ${message}`);
        assertEquals(fake.requests, 2, `${label}: orgs, then the first page of users, and nothing after`);
        assert(ms < 2000, `${label}: ${ms} ms`);
      });
    }
    assertEquals(foreign.hits, 0, "the other origin never saw a request, nor our token");
  } finally {
    await foreign.stop();
  }
});

Deno.test("a same-origin next link is followed, so only foreign ones are refused", async () => {
  let self = "";
  await withHostile({ linkPaging: true, rewriteNextLink: (l) => `http://${self}${l}` }, async (fake, source) => {
    self = new URL(fake.baseUrl).host;
    const roster = await readOneRosterRest(source, { env: bearerEnv, http: quick });
    assertEquals(roster.users.length, district.roster.users.length);
  });
});

Deno.test("a redirect to another origin is not followed: the data request and the token request alike", async () => {
  const foreign = startBystander();
  try {
    await withHostile(
      { redirect: { status: 302, location: `${foreign.origin}/ims/oneroster/v1p1/orgs` } },
      async (_fake, source) => {
        const { message } = await refused(source);
        assertMatch(
          message,
          new RegExp(
            `^GET http://127\\.0\\.0\\.1:\\d+/ims/oneroster/v1p1/orgs\\?limit=20&offset=0: the server redirected to ` +
              `${
                escaped(foreign.origin)
              }/ims/oneroster/v1p1/orgs, another origin than http://127\\.0\\.0\\.1:\\d+; not followed`,
          ),
        );
      },
    );
    // A 307 would resend the token form, client secret included.
    const redirector = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
      await req.body?.cancel();
      return new Response(null, { status: 307, headers: { location: `${foreign.origin}/oauth/token` } });
    });
    try {
      await withHostile({ version: "1.2", auth: "oauth2" }, async (_fake, source) => {
        const tokenUrl = `http://127.0.0.1:${redirector.addr.port}/oauth/token`;
        const { message } = await refused({ ...source, tokenUrl }, { env: oauthEnv });
        assertEquals(
          message,
          `POST ${tokenUrl}: the token endpoint answered 307 (a redirect); not followed, so the client secret goes ` +
            "only to tokenUrl. Set tokenUrl in the settings to the final address",
        );
      });
    } finally {
      await redirector.shutdown();
    }
    assertEquals(foreign.hits, 0, "neither our token nor our client secret reached the other origin");
  } finally {
    await foreign.stop();
  }
});

Deno.test("a redirect loop on the same origin ends after five hops", async () => {
  let self = "";
  await withHostile(
    { redirect: { status: 301, location: "/ims/oneroster/v1p1/orgs?limit=20&offset=0" } },
    async (fake) => {
      self = fake.baseUrl;
      const { message } = await refused({
        kind: "oneroster-rest",
        version: "1.1",
        baseUrl: self,
        credentials: "hostile-usd/sis",
        auth: "bearer",
        pageSize: 20,
      });
      assertMatch(message, /: more than 5 redirects$/);
      assertEquals(fake.requests, 6);
    },
  );
});

Deno.test("an absurd X-Total-Count is an error naming the header and value, before any page is planned", async () => {
  const cases: Array<[string, RegExp]> = [
    ["1000000000000000", /X-Total-Count: 1000000000000000, more than 50000000 records \(CDT_REST_MAX_RECORDS\)/],
    ["99999999999999999999999999999999999999", /X-Total-Count: 999999999999999999999999999999…, more than/],
    ["50000001", /X-Total-Count: 50000001, more than 50000000 records/],
    ["1e15", /X-Total-Count: "1e15", which is not a record count; refusing to page by it/],
    ["-5", /X-Total-Count: "-5", which is not a record count/],
    ["lots of them", /X-Total-Count: "lots of them", which is not a record count/],
  ];
  for (const [value, expected] of cases) {
    await withHostile({ totalCountHeader: value }, async (fake, source) => {
      const before = Deno.memoryUsage().rss;
      const { message, ms } = await refused(source);
      assertMatch(message, /^GET \/orgs: the server sent X-Total-Count: /, value);
      assertMatch(message, expected, value);
      assertEquals(fake.requests, 1, `${value}: only the first page was asked for`);
      assert(ms < 1000, `${value}: ${ms} ms`);
      assert(Deno.memoryUsage().rss - before < 200 * 1024 * 1024, `${value}: memory grew`);
    });
  }
});

Deno.test("a collection larger than CDT_REST_MAX_RECORDS is refused, announced or not", async () => {
  const users = district.roster.users.length;
  assert(users > 50);
  await withHostile({}, async (_fake, source) => {
    const { message } = await refused(source, { env: { ...bearerEnv, CDT_REST_MAX_RECORDS: "50" } });
    assertMatch(message, new RegExp(`^GET /users: the server sent X-Total-Count: ${users}, more than 50 records`));
  });
  await withHostile({ linkPaging: true }, async (_fake, source) => {
    const { message } = await refused(source, { limits: { maxRecords: 50 } });
    assertMatch(message, /^GET \/users: more than 50 records \(CDT_REST_MAX_RECORDS\) after 3 pages; refusing/);
  });
});

Deno.test("page loops are bounded: a repeated next link, a server ignoring offset, too many pages", async () => {
  await withHostile(
    { linkPaging: true, rewriteNextLink: (l) => l.replace(/offset=\d+/, "offset=20") },
    async (fake, source) => {
      const { message } = await refused(source);
      assertMatch(
        message,
        /^GET \/users: the server's next page http:\/\/127\.0\.0\.1:\d+\/ims\/oneroster\/v1p1\/users\?limit=20&offset=20 was already read after 2 pages; refusing to loop/,
      );
      assert(fake.requests < 5, `${fake.requests}`);
    },
  );
  await withHostile({ ignoreOffset: true }, async (fake, source) => {
    const { message } = await refused(source);
    assertMatch(message, /^GET \/users: the page at offset 20 starts with the same record as the one before/);
    assertEquals(fake.requests, 3, "orgs fit one page; users stopped at its second");
  });
  await withHostile({ linkPaging: true, maxLimit: 5 }, async (_fake, source) => {
    const { message } = await refused({ ...source, pageSize: 5 }, { limits: { maxPages: 3 } });
    assertMatch(
      message,
      /^GET \/orgs: more than 3 pages \(CDT_REST_MAX_PAGES\) with 20 records read|^GET \/users: more than 3 pages/,
    );
  });
  await withHostile({ maxLimit: 1 }, async (fake, source) => {
    const { message } = await refused(source, { env: { ...bearerEnv, CDT_REST_MAX_PAGES: "2" } });
    assertMatch(
      message,
      new RegExp(
        `^GET /orgs: X-Total-Count: ${district.roster.orgs.length} at 1 records a page would take ` +
          `${district.roster.orgs.length} pages, more than 2 \\(CDT_REST_MAX_PAGES\\)`,
      ),
    );
    assertEquals(fake.requests, 1, "refused after the first page, before planning the rest");
  });
});

Deno.test("a page body over the size cap is refused while streaming; a 10 GB body never lands in memory", async () => {
  const endless = startEndlessBodyServer();
  const declared = startEndlessBodyServer({ declare: 10 * 1024 ** 3 });
  try {
    const source = (origin: string): RestSource => ({
      kind: "oneroster-rest",
      version: "1.1",
      baseUrl: `${origin}/ims/oneroster/v1p1`,
      credentials: "hostile-usd/sis",
      auth: "bearer",
    });
    const small = await refused(source(endless.origin), { limits: { maxBodyBytes: 1024 * 1024 } });
    assertMatch(
      small.message,
      /^GET http:\/\/127\.0\.0\.1:\d+\/ims\/oneroster\/v1p1\/orgs\?limit=1000&offset=0: the answer is larger than 1 MiB; refusing to read it\. Ask for smaller pages \(pageSize\) or raise CDT_REST_MAX_BODY_BYTES$/,
    );
    const sent = endless.bytesSent;
    assert(sent < 32 * 1024 * 1024, `the server got to send ${sent} bytes`);

    const announced = await refused(source(declared.origin));
    assertMatch(announced.message, /the answer is larger than 64 MiB \(Content-Length 10737418240\); refusing/);
    assert(announced.ms < 1000, `${announced.ms} ms`);

    // The default cap, on a body that never ends: reading stops at 64 MiB of the 10 GB on offer.
    const before = endless.bytesSent;
    const big = await refused(source(endless.origin));
    assertMatch(big.message, /the answer is larger than 64 MiB; refusing/);
    const read = endless.bytesSent - before;
    assert(read > 60 * 1024 * 1024 && read < 200 * 1024 * 1024, `${read} bytes were sent for a 64 MiB cap`);
    // (The process's RSS is not asserted: under deno test --parallel it counts every test file's memory.)
  } finally {
    await endless.stop();
    await declared.stop();
  }
});

Deno.test("a server's error text reaches our message as one line without control characters", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response("\u001b[2J\u001b]0;pwned\u0007\nerror: all good, nothing to see\r", { status: 418 }),
  );
  try {
    const { message } = await refused({
      kind: "oneroster-rest",
      version: "1.1",
      baseUrl: `http://127.0.0.1:${server.addr.port}/ims/oneroster/v1p1`,
      credentials: "hostile-usd/sis",
      auth: "bearer",
    });
    assertMatch(message, /: HTTP 418: \[2J ]0;pwned error: all good, nothing to see$/);
  } finally {
    await server.shutdown();
  }
});

Deno.test("URLs in messages never carry credentials from their query or user part", () => {
  assertEquals(
    describeUrl("https://user:pw@sis.example/ims/oneroster/v1p1/users?limit=5&access_token=abc&X-Api-Key=k&sig=s"),
    "https://sis.example/ims/oneroster/v1p1/users?limit=5&access_token=[REDACTED]&X-Api-Key=[REDACTED]&sig=[REDACTED]",
  );
  assertEquals(
    describeUrl("https://sis.example/users?limit=5&filter=role%3D%27student%27"),
    "https://sis.example/users?limit=5&filter=role%3D%27student%27",
  );
});

Deno.test("a foreign next link carrying a token in its query is named without the token", async () => {
  const foreign = startBystander();
  try {
    await withHostile(
      { linkPaging: true, rewriteNextLink: (l) => `${foreign.origin}${l}&access_token=${SECRET}` },
      async (_fake, source) => {
        const { message } = await refused(source);
        assertMatch(
          message,
          /points to http:\/\/127\.0\.0\.1:\d+\/ims\/oneroster\/v1p1\/users\?.*access_token=\[REDACTED\]/,
        );
      },
    );
    assertEquals(foreign.hits, 0);
  } finally {
    await foreign.stop();
  }
});

Deno.test("a HubSpot answer larger than CDT_HUBSPOT_MAX_BODY_BYTES is cut off, not buffered", async () => {
  const endless = startEndlessBodyServer();
  try {
    const token = "pat-na1-hostile-0123456789";
    const hubspot = await connectHubSpot(new CredentialResolver({ env: { HUBSPOT_ACCESS_TOKEN: token } }), {
      HUBSPOT_BASE_PATH: endless.origin,
      CDT_HUBSPOT_MAX_BODY_BYTES: String(1024 * 1024),
    });
    const t0 = performance.now();
    const error = await hubspot.ticket("4711").then(() => undefined, (e) => e);
    assert(error instanceof HubSpotError, `${error}`);
    assertEquals(
      error.message,
      "HubSpot reading ticket 4711: the answer is larger than 1048576 bytes (CDT_HUBSPOT_MAX_BODY_BYTES); not read",
    );
    assert(!error.message.includes(token));
    assert(performance.now() - t0 < 3000);
    assert(endless.bytesSent < 32 * 1024 * 1024, `${endless.bytesSent} bytes sent`);
  } finally {
    await endless.stop();
  }
});
