import { assert, assertEquals, assertMatch, assertRejects } from "./helpers/assert.ts";
import { EnrollmentTable } from "../lib/model/enrollment-table.ts";
import { createHmac } from "node:crypto";
import { type FakeOptions, startFakeOneRoster } from "./fakes/oneroster-server.ts";
import { withTempDir } from "./helpers/bundle.ts";
import { generateDistrict } from "../lib/demo/generate.ts";
import { plantProblems } from "../lib/demo/plant.ts";
import { runDiagnostics } from "../lib/diagnostics/run.ts";
import { readOneRosterRest, type RestSource } from "../lib/sources/oneroster-rest/read.ts";
import { readOneRosterCsv } from "../lib/sources/oneroster-csv/read.ts";
import { writeOneRosterCsv } from "../lib/sources/oneroster-csv/write.ts";
import { hmacSignature, percentEncode, signatureBaseString, withQuery } from "../lib/sources/oneroster-rest/auth.ts";
import { SourceError } from "../lib/sources/errors.ts";
import { credentialVariable } from "../lib/credentials/env.ts";

const district = generateDistrict({ customerId: "rest-usd", students: 300, seed: 41 });
plantProblems(district);
const CRED = "rest-usd/classlink";
const SECRET = "s3cr3t-never-printed";
const env = { REST_USD_CLASSLINK_CLIENT_ID: "client-1", REST_USD_CLASSLINK_CLIENT_SECRET: SECRET };
const fast = { backoffMs: 5, maxDelayMs: 20, timeoutMs: 2000 };

/** Requests a full read takes when the server serves `limit` records a page (an empty collection takes one). */
const pagesFor = (limit: number) =>
  [
    district.roster.orgs,
    district.roster.users,
    district.roster.classes,
    district.roster.enrollments,
    district.roster.courses,
    district.roster.academicSessions,
  ].reduce((n, rows) => n + Math.max(1, Math.ceil(rows.length / limit)), 0);

async function withFake(
  options: Partial<FakeOptions>,
  fn: (source: RestSource, fake: Awaited<ReturnType<typeof startFakeOneRoster>>) => Promise<void>,
) {
  const fake = await startFakeOneRoster({
    roster: district.roster,
    version: "1.1",
    clientId: "client-1",
    clientSecret: SECRET,
    auth: "oauth1",
    maxLimit: 250,
    ...options,
  });
  try {
    const source: RestSource = {
      kind: options.classlinkQuirks ? "classlink" : "oneroster-rest",
      version: options.version ?? "1.1",
      baseUrl: fake.baseUrl,
      tokenUrl: fake.tokenUrl,
      credentials: CRED,
      auth: options.auth === "bearer" ? "bearer" : undefined,
      pageSize: 1000,
    };
    await fn(source, fake);
  } finally {
    await fake.stop();
  }
}

const findingsOf = (roster: Parameters<typeof runDiagnostics>[0]["roster"]) =>
  runDiagnostics({
    customer: "rest-usd",
    environment: "staging",
    roster,
    platform: district.platform,
    now: new Date(0),
  }).findings;

async function csvFindings() {
  let findings: ReturnType<typeof findingsOf> = [];
  await withTempDir(async (dir) => {
    await writeOneRosterCsv(dir, district.roster);
    findings = findingsOf(await readOneRosterCsv(dir));
  });
  return findings;
}

Deno.test("the same district over REST 1.1 (OAuth 1.0a, HMAC-SHA256) and as CSV gives identical findings", async () => {
  const expected = await csvFindings();
  assert(expected.length > 100);
  await withFake({}, async (source, fake) => {
    const roster = await readOneRosterRest(source, { env, http: fast });
    assertEquals(findingsOf(roster), expected);
    assertEquals(roster.fetch.requests, pagesFor(250), "one request a page of the capped size, no more");
    assertEquals(fake.requests, roster.fetch.requests);
  });
});

Deno.test("the same district over REST 1.2 (OAuth 2 client credentials, roles) gives identical findings", async () => {
  const expected = await csvFindings();
  await withFake({ version: "1.2", auth: "oauth2" }, async (source, fake) => {
    const roster = await readOneRosterRest(source, { env, http: fast });
    assertEquals(findingsOf(roster), expected);
    assertEquals(fake.tokensIssued, 1, "the token is cached");
  });
});

Deno.test("ClassLink's quirks (string booleans, empty strings, HMAC-SHA1, X-Count) read the same", async () => {
  const expected = await csvFindings();
  await withFake({ classlinkQuirks: true }, async (source) => {
    const roster = await readOneRosterRest({ ...source, signatureMethod: "HMAC-SHA1" }, { env, http: fast });
    assertEquals(findingsOf(roster), expected);
    const disabled = district.roster.users.filter((u) => !u.enabledUser).length;
    assertEquals(roster.users.filter((u) => !u.enabledUser).length, disabled, '"false" is read as false');
  });
});

Deno.test("a wrong secret is a 401 that names the credential, never the secret", async () => {
  await withFake({}, async (source) => {
    const err = await assertRejects(
      () =>
        readOneRosterRest(source, { env: { ...env, REST_USD_CLASSLINK_CLIENT_SECRET: "wrong-secret" }, http: fast }),
      SourceError,
    );
    assertMatch(
      err.message,
      /GET .*\/orgs\?limit=1000&offset=0: 401 Unauthorized \(imsx failure\/unauthorisedrequest: bad credentials\): check the client id and secret of credential "rest-usd\/classlink"/,
    );
    assert(!err.message.includes("wrong-secret") && !err.message.includes(SECRET));
  });
  await withFake({ version: "1.2", auth: "oauth2" }, async (source) => {
    const err = await assertRejects(
      () =>
        readOneRosterRest(source, { env: { ...env, REST_USD_CLASSLINK_CLIENT_SECRET: "wrong-secret" }, http: fast }),
      SourceError,
    );
    assertMatch(
      err.message,
      /oauth\/token: 401: the token was refused; check the client id and secret of credential "rest-usd\/classlink"/,
    );
  });
});

Deno.test("429 with Retry-After, 503s and a slow answer past the timeout are retried, and nothing is lost", async () => {
  const delays: number[] = [];
  await withFake({ fail429: [2], fail503: [3, 4], slow: [6], slowMs: 1500 }, async (source, fake) => {
    const roster = await readOneRosterRest({ ...source, concurrency: 1 }, {
      env,
      http: { backoffMs: 5, timeoutMs: 500, sleep: (ms) => (delays.push(ms), Promise.resolve()) },
    });
    assertEquals(roster.users.length, district.roster.users.length);
    assertEquals(roster.enrollments.length, district.roster.enrollments.length);
    assert(roster.enrollments instanceof EnrollmentTable, "kept as columns, as from a CSV export");
    assert(delays.includes(1000), `Retry-After: 1 is honoured (${delays})`);
    assertEquals(delays.length, 4);
    assertEquals(roster.fetch.requests, pagesFor(250) + 4, "every page once, plus the four retried requests");
    assertEquals(fake.requests, roster.fetch.requests, "the server saw every request the client counted");
  });
});

Deno.test("a server that serves fewer records than it announced fails loudly instead of reading as withdrawals", async () => {
  await withFake({ lieAboutTotal: 5 }, async (source) => {
    const err = await assertRejects(() => readOneRosterRest(source, { env, http: fast }), SourceError);
    assertMatch(
      err.message,
      /GET \/orgs: the fetch is incomplete|GET \/users: the fetch is incomplete: \d+ of the \d+ records/,
    );
  });
});

Deno.test("paging follows a capped limit, and Link rel=next without X-Total-Count", async () => {
  await withFake({ maxLimit: 37 }, async (source) => {
    const roster = await readOneRosterRest(source, { env, http: fast });
    assertEquals(roster.enrollments.length, district.roster.enrollments.length);
  });
  await withFake({ maxLimit: 100, linkPaging: true }, async (source) => {
    const roster = await readOneRosterRest({ ...source, pageSize: 100 }, { env, http: fast });
    assertEquals(roster.users.length, district.roster.users.length);
  });
});

Deno.test("a token the server revokes mid-read is fetched again once on the 401, and the read completes", async () => {
  // The token lives an hour, so only the 401 (not renewal at half-life) can make the client fetch another.
  await withFake({ version: "1.2", auth: "oauth2", tokenLifetime: 3600, revokeTokensAt: 3 }, async (source, fake) => {
    const roster = await readOneRosterRest({ ...source, concurrency: 1 }, { env, http: fast });
    assertEquals(roster.users.length, district.roster.users.length);
    assertEquals(roster.enrollments.length, district.roster.enrollments.length);
    assertEquals(fake.unauthorized, 1, "one request was refused");
    assertEquals(fake.tokensIssued, 2, "one token at the start, one after the 401");
    assertEquals(roster.fetch.tokenRequests, 2);
  });
});

Deno.test("a static bearer token (ClassLink's proxy) comes from <NAME>_TOKEN", async () => {
  await withFake({ auth: "bearer", classlinkQuirks: true }, async (source) => {
    const roster = await readOneRosterRest(source, { env: { REST_USD_CLASSLINK_TOKEN: SECRET }, http: fast });
    assertEquals(roster.orgs.length, district.roster.orgs.length);
  });
});

Deno.test("OAuth 1.0a signatures match an independent HMAC over the RFC 5849 base string, %20 included", async () => {
  const url = withQuery("https://sis.example.org/ims/oneroster/v1p1/users", {
    limit: "100",
    filter: "role='student' AND status='active'",
  });
  assert(url.search.includes("%20AND%20") && !url.search.includes("+"));
  const oauth = {
    oauth_consumer_key: "key",
    oauth_nonce: "n1",
    oauth_signature_method: "HMAC-SHA256",
    oauth_timestamp: "1700000000",
    oauth_version: "1.0",
  };
  const base = signatureBaseString("GET", url, oauth);
  assertEquals(
    base,
    "GET&https%3A%2F%2Fsis.example.org%2Fims%2Foneroster%2Fv1p1%2Fusers&" +
      percentEncode(
        "filter=role%3D%27student%27%20AND%20status%3D%27active%27&limit=100&oauth_consumer_key=key&oauth_nonce=n1&oauth_signature_method=HMAC-SHA256&oauth_timestamp=1700000000&oauth_version=1.0",
      ),
  );
  const expected = createHmac("sha256", `${percentEncode("s&cret")}&`).update(base).digest("base64");
  assertEquals(await hmacSignature(base, "s&cret", "HMAC-SHA256"), expected);
  assertEquals(credentialVariable("lincoln-usd/classlink"), "LINCOLN_USD_CLASSLINK");
});

Deno.test({
  name: "diagnose on a REST customer saves a --snapshot that, read back with --source, gives the same findings",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const { withTestDatabase } = await import("./helpers/database.ts");
    const { join } = await import("node:path");
    const { Report } = await import("../lib/model/findings.ts");
    await withTestDatabase(async (db) => {
      await withFake({ version: "1.2", auth: "oauth2" }, async (source) => {
        await withTempDir(async (dir) => {
          await Deno.mkdir(join(dir, "settings"));
          await Deno.writeTextFile(
            join(dir, "settings", "rest-usd.json"),
            JSON.stringify({
              customer_id: "rest-usd",
              customer_name: "REST USD",
              integration_type: "oneroster-rest",
              oneshelf_environment: "staging",
              source: {
                kind: "oneroster-rest",
                version: "1.2",
                baseUrl: source.baseUrl,
                tokenUrl: source.tokenUrl,
                credentials: CRED,
              },
            }),
          );
          const run = async (...args: string[]) => {
            const out = await new Deno.Command(Deno.execPath(), {
              args: [
                "run",
                "--allow-all",
                new URL("../tools/diagnose.ts", import.meta.url).pathname,
                "--customer",
                "rest-usd",
                "--settings-dir",
                join(dir, "settings"),
                "--format",
                "json",
                ...args,
              ],
              env: { ...env, STAGING_DATABASE_URL: db.url },
              stdout: "piped",
              stderr: "piped",
            }).output();
            const stderr = new TextDecoder().decode(out.stderr);
            assertEquals(out.code, 0, stderr);
            return { report: Report.parse(JSON.parse(new TextDecoder().decode(out.stdout))), stderr };
          };
          const live = await run("--snapshot", join(dir, "snap"));
          assertMatch(live.stderr, /saved the roster as read to .*snap/);
          assert(!live.stderr.includes(SECRET));
          const offline = await run("--source", join(dir, "snap"));
          assertEquals(offline.report.findings, live.report.findings);
          assertEquals(live.report.source, { kind: "oneroster-rest", version: "1.2" });
        });
      });
    }, district.platform);
  },
});

Deno.test("a 1.2 REST source without tokenUrl is a settings error naming the field", async () => {
  const { parseSettings, SettingsError } = await import("../lib/settings/load.ts");
  const err = (() => {
    try {
      parseSettings(
        JSON.stringify({
          customer_id: "x",
          customer_name: "X",
          integration_type: "oneroster-rest",
          oneshelf_environment: "staging",
          source: {
            kind: "oneroster-rest",
            version: "1.2",
            baseUrl: "https://sis.example/ims/oneroster/rostering/v1p2",
            credentials: "x/sis",
          },
        }),
        "x.json",
      );
    } catch (e) {
      return e;
    }
  })();
  assert(err instanceof SettingsError);
  assertMatch(
    (err as Error).message,
    /x\.json: field "source\.tokenUrl" is required for OneRoster 1\.2 \(the OAuth 2 token URL\)/,
  );
});

Deno.test("REST 1.2 roles are read as roles.csv rows are: an unknown role is refused, a role in capitals is read with a warning", async () => {
  const roster = structuredClone(district.roster);
  const students = roster.users.filter((u) => u.role === "student");
  const [a, b, c] = students;
  const org = a.orgSourcedIds[0];
  a.roles = [{ role: "wizard" as never, roleType: "primary", orgSourcedId: org }];
  b.roles = [{ role: "Student" as never, roleType: "" as never, orgSourcedId: org }];
  c.roles = [
    { role: "student", roleType: "boss" as never, orgSourcedId: org },
    { role: "student", roleType: "primary", orgSourcedId: org },
  ];
  const fake = await startFakeOneRoster({
    roster,
    version: "1.2",
    clientId: "client-1",
    clientSecret: SECRET,
    auth: "oauth2",
    maxLimit: 1000,
  });
  try {
    const source: RestSource = {
      kind: "oneroster-rest",
      version: "1.2",
      baseUrl: fake.baseUrl,
      tokenUrl: fake.tokenUrl,
      credentials: CRED,
      pageSize: 1000,
    };
    const read = await readOneRosterRest(source, { env, http: fast });
    const lines = read.issues.map((i) => i.message).join("\n");
    // a: its only role is refused, so the user has none and is refused too, and never called absent.
    assertMatch(lines, new RegExp(`user "${a.sourcedId}": roles: column "role" has "wizard"; expected one of`));
    assertMatch(lines, new RegExp(`user "${a.sourcedId}" has no current role`));
    assertEquals(read.users.find((u) => u.sourcedId === a.sourcedId), undefined);
    assert(read.rejected.some((r) => r.sourcedId === a.sourcedId));
    // b: read leniently, with a warning for each cell.
    const readB = read.users.find((u) => u.sourcedId === b.sourcedId)!;
    assertEquals(readB.role, "student");
    assertEquals(readB.roles.map((r) => [r.role, r.roleType]), [["student", "primary"]]);
    assertMatch(lines, /column "role" has "Student"; read as student/);
    assertMatch(lines, /column "roleType" is empty; read as primary/);
    // c: the bad entry is refused, the good one kept.
    assertMatch(lines, new RegExp(`user "${c.sourcedId}": roles: column "roleType" has "boss"`));
    assertEquals(read.users.find((u) => u.sourcedId === c.sourcedId)!.roles.length, 1);
  } finally {
    await fake.stop();
  }
});
