/**
 * Timeouts that fire: every remote the tools wait for — a OneRoster REST
 * server, its token endpoint, HubSpot, the platform database — is made to
 * hang in each way a server can (accept and never answer, stop mid-body,
 * trickle forever, drop the SYN), and each ends with a clear error naming
 * where, never a secret, within the configured time. Short timeouts keep the
 * tests quick; each has a watchdog so a missing guard fails instead of hanging.
 */
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { startRawServer } from "./fakes/hostile-http.ts";
import { startFakeOneRoster } from "./fakes/oneroster-server.ts";
import { leftovers, netnsUnavailable, withDroppingHost } from "./helpers/netns.ts";
import { generateDistrict } from "../lib/demo/generate.ts";
import { readOneRosterRest, type RestSource } from "../lib/sources/oneroster-rest/read.ts";
import { SourceError } from "../lib/sources/errors.ts";
import { connectHubSpot, HubSpotError } from "../lib/hubspot/mod.ts";
import { CredentialResolver } from "../lib/credentials/resolver.ts";
import { connectUrl, readOnly } from "../lib/platform/connect.ts";
import { PlatformError } from "../lib/platform/errors.ts";

const SECRET = "s3cr3t-timeout-never-shown";
const TOKEN = "pat-na1-timeouts-0123456789";
const PASSWORD = "hunter2-timeout-password";
const env = { SLOW_USD_SIS_CLIENT_ID: "client-1", SLOW_USD_SIS_CLIENT_SECRET: SECRET };
/** The bearer token alone: client credentials in the environment would take precedence. */
const bearerEnv = { SLOW_USD_SIS_TOKEN: SECRET };

/** Settles `promise` or fails after `ms`: a guard that is missing shows as a failure, not a hung run. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} was still waiting after ${ms / 1000} s: no timeout fired`)), ms);
  });
  try {
    return await Promise.race([promise, watchdog]);
  } finally {
    clearTimeout(timer);
  }
}

/** The error `fn` ends with, its type checked, and how long it took. */
async function failure<E extends Error>(
  type: new (...args: never[]) => E,
  watchdogMs: number,
  fn: () => Promise<unknown>,
): Promise<{ error: E; seconds: number }> {
  const t0 = performance.now();
  const outcome = await within(watchdogMs, "the call", fn().then(() => undefined, (e) => e as Error));
  const seconds = (performance.now() - t0) / 1000;
  assert(outcome !== undefined, "the call succeeded; it should have failed");
  assert(outcome instanceof type, `expected ${type.name}, got ${outcome.name}: ${outcome.message}`);
  return { error: outcome as E, seconds };
}

const noSecrets = (message: string) => {
  for (const s of [SECRET, TOKEN, PASSWORD, "oauth_signature", "Bearer "]) {
    assert(!message.includes(s), `the message shows ${s}: ${message}`);
  }
};

const restSource = (baseUrl: string, auth: RestSource["auth"] = "bearer"): RestSource => ({
  kind: "oneroster-rest",
  version: "1.1",
  baseUrl,
  credentials: "slow-usd/sis",
  auth,
});

for (const behaviour of ["silent", "stall-mid-body", "trickle"] as const) {
  const what = {
    silent: "accepts and never answers",
    "stall-mid-body": "sends headers and stops mid-body",
    trickle: "trickles a byte every 50 ms forever",
  }[behaviour];
  Deno.test(`a REST server that ${what} ends in a SourceError naming the URL after each attempt's timeout`, async () => {
    const server = startRawServer(behaviour);
    try {
      const { error, seconds } = await failure(
        SourceError,
        10_000,
        () =>
          readOneRosterRest(restSource(`${server.origin}/ims/oneroster/v1p1`, "oauth1"), {
            env,
            http: { timeoutMs: 800, retries: 1, backoffMs: 10 },
          }),
      );
      assertMatch(
        error.message,
        new RegExp(
          `^GET http://127\\.0\\.0\\.1:${server.port}/ims/oneroster/v1p1/orgs\\?limit=1000&offset=0: ` +
            "no complete answer within 0\\.8 s after 2 attempts$",
        ),
      );
      noSecrets(error.message);
      assertEquals(server.hits, 2, "one request and one retry");
      assert(seconds >= 1.5 && seconds < 4, `two attempts of 0.8 s took ${seconds} s`);
    } finally {
      await server.stop();
    }
  });
}

Deno.test("an OAuth 2 token endpoint that never answers ends in a SourceError naming it, within the timeout", async () => {
  const server = startRawServer("stall-mid-body");
  try {
    const { error, seconds } = await failure(SourceError, 10_000, () =>
      readOneRosterRest({
        ...restSource("http://127.0.0.1:9/ims/oneroster/rostering/v1p2", "oauth2"),
        version: "1.2",
        tokenUrl: `${server.origin}/oauth/token`,
      }, { env, http: { timeoutMs: 800 } }));
    assertMatch(
      error.message,
      new RegExp(
        `^POST http://127\\.0\\.0\\.1:${server.port}/oauth/token: the token request failed ` +
          "\\(no complete answer within 0\\.8 s\\)$",
      ),
    );
    noSecrets(error.message);
    assert(seconds < 3, `${seconds} s`);
  } finally {
    await server.stop();
  }
});

Deno.test("a REST read past its total deadline (CDT_REST_DEADLINE_MS) names the collection and how far it got", async () => {
  const district = generateDistrict({ customerId: "slow-usd", students: 60, seed: 3 });
  const fake = await startFakeOneRoster({
    roster: district.roster,
    version: "1.1",
    clientId: "client-1",
    clientSecret: SECRET,
    auth: "bearer",
    maxLimit: 10,
    // Every page answers in 150 ms, each well within the per-request timeout.
    slow: Array.from({ length: 500 }, (_, i) => i + 1),
    slowMs: 150,
  });
  try {
    const { error, seconds } = await failure(
      SourceError,
      15_000,
      () =>
        readOneRosterRest({ ...restSource(fake.baseUrl), concurrency: 1 }, {
          env: { ...bearerEnv, CDT_REST_DEADLINE_MS: "1000", CDT_HTTP_TIMEOUT_MS: "5000" },
          http: { backoffMs: 10 },
        }),
    );
    assertMatch(
      error.message,
      /^GET \/(orgs|users): the read ran past its total deadline of 1 s \(CDT_REST_DEADLINE_MS\) after \d+ pages and \d+ of \d+ records; the last request was GET http:\/\/127\.0\.0\.1:\d+\/ims\/oneroster\/v1p1\/\w+\?limit=1000&offset=\d+\. Try again, or raise CDT_REST_DEADLINE_MS$/,
    );
    noSecrets(error.message);
    assert(seconds >= 0.9 && seconds < 2, `a 1 s deadline ended the read after ${seconds} s`);
    assert(fake.requests < 10, `${fake.requests} requests`);
  } finally {
    await fake.stop();
  }
});

Deno.test("a request still waiting when the total deadline passes is cut at the deadline, not at its own timeout", async () => {
  const server = startRawServer("trickle");
  try {
    const { error, seconds } = await failure(
      SourceError,
      10_000,
      () =>
        readOneRosterRest(restSource(`${server.origin}/ims/oneroster/v1p1`), {
          env: bearerEnv,
          http: { timeoutMs: 8000, deadlineMs: 1000 },
        }),
    );
    assertMatch(
      error.message,
      /^GET \/orgs: the read ran past its total deadline of 1 s \(CDT_REST_DEADLINE_MS\) after 0 pages and 0 records/,
    );
    assert(seconds >= 0.9 && seconds < 2, `${seconds} s`);
  } finally {
    await server.stop();
  }
});

Deno.test("retries that would outlast the total deadline are not waited for", async () => {
  const district = generateDistrict({ customerId: "slow-usd", students: 10, seed: 3 });
  const fake = await startFakeOneRoster({
    roster: district.roster,
    version: "1.1",
    clientId: "client-1",
    clientSecret: SECRET,
    auth: "bearer",
    fail503: Array.from({ length: 50 }, (_, i) => i + 1),
  });
  try {
    const { error, seconds } = await failure(SourceError, 15_000, () =>
      readOneRosterRest(restSource(fake.baseUrl), {
        env: bearerEnv,
        http: { backoffMs: 400, retries: 10, deadlineMs: 1000 },
      }));
    assertMatch(
      error.message,
      /^GET \/orgs: the read ran past its total deadline of 1 s .* after 0 pages and 0 records/,
    );
    assert(seconds < 1.2, `the read gave up after ${seconds} s, not when the deadline passed`);
  } finally {
    await fake.stop();
  }
});

const hubspotResolver = new CredentialResolver({ env: { HUBSPOT_ACCESS_TOKEN: TOKEN } });

for (const behaviour of ["silent", "stall-mid-body", "trickle"] as const) {
  Deno.test(`a HubSpot API that is ${behaviour} ends each call with a HubSpotError within CDT_HUBSPOT_TIMEOUT_MS`, async () => {
    const server = startRawServer(behaviour);
    try {
      const hubspot = await connectHubSpot(hubspotResolver, {
        HUBSPOT_BASE_PATH: server.origin,
        CDT_HUBSPOT_TIMEOUT_MS: "800",
      });
      const read = await failure(HubSpotError, 10_000, () => hubspot.ticket("4711"));
      assertEquals(
        read.error.message,
        "HubSpot reading ticket 4711: no complete answer within 0.8 s (CDT_HUBSPOT_TIMEOUT_MS)",
      );
      assert(read.seconds >= 0.7 && read.seconds < 2, `${read.seconds} s`);
      const upload = await failure(HubSpotError, 10_000, () => hubspot.upload("report.json", "{}"));
      assertEquals(
        upload.error.message,
        "HubSpot uploading report.json: no complete answer within 0.8 s (CDT_HUBSPOT_TIMEOUT_MS)",
      );
      assert(upload.seconds < 2, `${upload.seconds} s`);
      noSecrets(read.error.message + upload.error.message);
      assertEquals(server.hits, 2, "a call that timed out is not retried (a note must not be posted twice)");
    } finally {
      await server.stop();
    }
  });
}

Deno.test("HubSpot calls share one time budget per run (CDT_HUBSPOT_DEADLINE_MS)", async () => {
  const server = startRawServer("silent");
  try {
    const hubspot = await connectHubSpot(hubspotResolver, {
      HUBSPOT_BASE_PATH: server.origin,
      CDT_HUBSPOT_TIMEOUT_MS: "800",
      CDT_HUBSPOT_DEADLINE_MS: "1200",
    });
    const first = await failure(HubSpotError, 10_000, () => hubspot.ticket("1"));
    assertMatch(first.error.message, /no complete answer within 0\.8 s/);
    const second = await failure(HubSpotError, 10_000, () => hubspot.ticket("2"));
    assertEquals(
      second.error.message,
      "HubSpot reading ticket 2: the run's HubSpot time budget of 1.2 s (CDT_HUBSPOT_DEADLINE_MS) ran out",
    );
    assert(second.seconds >= 0.3 && second.seconds < 0.8, `the second call got what was left: ${second.seconds} s`);
    const third = await failure(HubSpotError, 10_000, () => hubspot.note("3", "<p>x</p>"));
    assertMatch(third.error.message, /^HubSpot posting a note on ticket 3: the run's HubSpot time budget .* ran out$/);
    assert(third.seconds < 0.1, `an exhausted budget fails at once (${third.seconds} s)`);
    assertEquals(server.hits, 2, "nothing is sent once the budget is gone");
  } finally {
    await server.stop();
  }
});

Deno.test("a HubSpot OAuth token exchange that never answers ends within the timeout, without the secret", async () => {
  const server = startRawServer("silent");
  try {
    const resolver = new CredentialResolver({
      env: { HUBSPOT_CLIENT_ID: "app", HUBSPOT_CLIENT_SECRET: SECRET, HUBSPOT_REFRESH_TOKEN: `refresh-${TOKEN}` },
    });
    const { error, seconds } = await failure(
      HubSpotError,
      10_000,
      () => connectHubSpot(resolver, { HUBSPOT_BASE_PATH: server.origin, CDT_HUBSPOT_TIMEOUT_MS: "800" }),
    );
    assertEquals(
      error.message,
      "HubSpot OAuth: the token request failed (no complete answer within 0.8 s (CDT_HUBSPOT_TIMEOUT_MS))",
    );
    noSecrets(error.message);
    assert(seconds < 2, `${seconds} s`);
  } finally {
    await server.stop();
  }
});

const dbUrl = (host: string, port: number) => `postgres://cdt:${PASSWORD}@${host}:${port}/platform`;

Deno.test({
  name: "a database that accepts and never answers fails at the connect timeout, naming the host, not the password",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const server = startRawServer("silent");
    const conn = connectUrl(dbUrl("127.0.0.1", server.port), { environment: "production", connectTimeoutMs: 1000 });
    try {
      const { error, seconds } = await failure(PlatformError, 20_000, () => readOnly(conn, (tx) => tx`select 1`));
      assertMatch(
        error.message,
        new RegExp(
          `^cannot reach the production platform database \\(postgres://cdt@127\\.0\\.0\\.1:${server.port}/platform\\): ` +
            "CONNECT_TIMEOUT; check the host, port and VPN$",
        ),
      );
      noSecrets(error.message);
      assert(seconds >= 0.9 && seconds < 5, `a 1 s connect timeout fired after ${seconds} s`);
    } finally {
      await conn.close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "CDT_CONNECT_TIMEOUT_MS bounds a silent database, and the process then exits by itself",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const server = startRawServer("silent");
    try {
      const script = `
        import { openPlatform } from ${JSON.stringify(new URL("../lib/app/open-platform.ts", import.meta.url).href)};
        import { readOnly } from ${JSON.stringify(new URL("../lib/platform/connect.ts", import.meta.url).href)};
        const conn = await openPlatform("production", { env: Deno.env.toObject() });
        try {
          await readOnly(conn, (tx) => tx\`select 1\`);
        } catch (e) {
          console.error(e.message);
          Deno.exitCode = 1;
        } finally {
          await conn.close();
        }`;
      const t0 = performance.now();
      const child = new Deno.Command(Deno.execPath(), {
        args: ["eval", script],
        env: {
          PRODUCTION_DATABASE_URL: dbUrl("127.0.0.1", server.port),
          CDT_CONNECT_TIMEOUT_MS: "1500",
          CDT_APP_LOG: "logs/test/app.log",
        },
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      let out: Deno.CommandOutput;
      try {
        out = await within(25_000, "the child process", child.output());
      } catch (e) {
        child.kill("SIGKILL");
        await child.status;
        throw e;
      }
      const seconds = (performance.now() - t0) / 1000;
      const stderr = new TextDecoder().decode(out.stderr);
      assertEquals(out.code, 1, stderr);
      assertMatch(
        stderr,
        /cannot reach the production platform database \(postgres:\/\/cdt@127\.0\.0\.1:\d+\/platform\)/,
      );
      noSecrets(stderr);
      assert(seconds < 12, `the child exited ${seconds} s after it started: it should give up after 1.5 s`);
    } finally {
      await server.stop();
    }
  },
});

const why = netnsUnavailable();
Deno.test({
  name:
    `a database host that drops the SYN (inside a network namespace made for the test) fails at the connect timeout${
      why ? ` [skipped: ${why}]` : ""
    }`,
  ignore: why !== undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    let names: { ns: string; link: string } | undefined;
    await withDroppingHost(5432, async (host, made) => {
      names = made;
      const conn = connectUrl(dbUrl(host, 5432), { environment: "staging", connectTimeoutMs: 2000 });
      try {
        const { error, seconds } = await failure(PlatformError, 20_000, () => readOnly(conn, (tx) => tx`select 1`));
        assertEquals(
          error.message,
          `cannot reach the staging platform database (postgres://cdt@${host}:5432/platform): CONNECT_TIMEOUT; ` +
            "check the host, port and VPN",
        );
        noSecrets(error.message);
        assert(seconds >= 1.9 && seconds < 6, `a 2 s connect timeout fired after ${seconds} s`);
      } finally {
        await conn.close();
      }
    });
    assertEquals(await leftovers(names!), [], "the namespace and veth are deleted");
  },
});
