/**
 * Database URLs a careless user writes (a raw "/", "@", "%", "#", "?" or space in the
 * password, no scheme, nothing after "@", an empty host, a bad port) never print their
 * password: not on stdout, not on stderr, not in the app log, not in the audit log.
 * Every run is a real `diagnose` or `check-connections` process, against loopback only
 * (127.0.0.1, port 1, which is closed).
 */
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { join } from "node:path";
import { withTempDir } from "./helpers/bundle.ts";
import { checkDatabaseUrl, databaseUrlSecrets } from "../lib/credentials/database-url.ts";
import { forgetSecrets, redact } from "../lib/credentials/redact.ts";
import { CredentialResolver } from "../lib/credentials/resolver.ts";
import { CredentialError } from "../lib/credentials/env.ts";
import { connectUrl } from "../lib/platform/connect.ts";
import { PlatformError } from "../lib/platform/errors.ts";

const DIAGNOSE = new URL("../tools/diagnose.ts", import.meta.url).pathname;
const CHECK = new URL("../tools/check-connections.ts", import.meta.url).pathname;
const FIXTURE = new URL("./fixtures/oneroster-1.1-dirty", import.meta.url).pathname;
const SETTINGS = new URL("../customer-integration-settings", import.meta.url).pathname;

/** A malformed URL shape: the password as written, and the URL carrying it. */
interface Shape {
  name: string;
  password: string;
  url: string;
}

// Every password holds a unique token, so even a partial leak ("sign-K7v3q@…") is caught.
const MALFORMED: Shape[] = [
  {
    name: "raw space in the password",
    password: "Sp ace-K7v1q",
    url: "postgres://cdt:Sp ace-K7v1q@127.0.0.1:1/platform",
  },
  {
    name: "raw slash in the password",
    password: "Sl/ash-K7v2q",
    url: "postgres://cdt:Sl/ash-K7v2q@127.0.0.1:1/platform",
  },
  {
    name: "raw @ in the password",
    password: "At@sign-K7v3q",
    url: "postgres://cdt:At@sign-K7v3q@127.0.0.1:1/platform",
  },
  { name: "raw % in the password", password: "Pct%zz-K7v4q", url: "postgres://cdt:Pct%zz-K7v4q@127.0.0.1:1/platform" },
  { name: "no scheme", password: "NoScheme-K7v5q", url: "cdt:NoScheme-K7v5q@127.0.0.1:1/platform" },
  { name: "nothing after @", password: "Trail-K7v6q", url: "postgres://cdt:Trail-K7v6q@" },
  { name: "empty host", password: "EmptyHost-K7v7q", url: "postgres://cdt:EmptyHost-K7v7q@:1/platform" },
  { name: "raw # in the password", password: "Ha#sh-K7v8q", url: "postgres://cdt:Ha#sh-K7v8q@127.0.0.1:1/platform" },
  {
    name: "raw ? in the password",
    password: "Qu?est-K7v9q",
    url: "postgresql://cdt:Qu?est-K7v9q@127.0.0.1:1/platform",
  },
  {
    name: "port out of range",
    password: "BadPort-K7vAq",
    url: "postgres://cdt:BadPort-K7vAq@127.0.0.1:99999/platform",
  },
  { name: "raw space, nothing after @", password: "Sp ace-K7vDq", url: "postgres://cdt:Sp ace-K7vDq@" },
  { name: "raw space, empty host", password: "Sp ace-K7vEq", url: "postgres://cdt:Sp ace-K7vEq@:1/platform" },
  {
    name: "raw slash and @ in the password",
    password: "S/l@sh-K7vFq",
    url: "postgres://cdt:S/l@sh-K7vFq@127.0.0.1:1/platform",
  },
  {
    name: "a line break in the password",
    password: "New\nline-K7vGq",
    url: "postgres://cdt:New\nline-K7vGq@127.0.0.1:1/platform",
  },
  { name: "a quote in the password, nothing after @", password: 'Qu"ote-K7vHq', url: 'postgres://cdt:Qu"ote-K7vHq@' },
];

// A well-formed URL whose percent-encoded password decodes to text that must not appear either.
const WELL_FORMED: Shape = {
  name: "percent-encoded password, closed port",
  password: "Enc%2F%40ded-K7vBq",
  url: "postgres://cdt:Enc%2F%40ded-K7vBq@127.0.0.1:1/platform",
};

const VARIABLES = ["STAGING_DATABASE_URL", "PRODUCTION_DATABASE_URL"] as const;
const COMMANDS = ["diagnose", "check-connections"] as const;

interface Outcome {
  label: string;
  code: number;
  stdout: string;
  stderr: string;
  appLog: string;
  auditLog: string;
}

/** The texts a password could show up as: as written, percent-decoded, and its unique token. */
function forms(password: string): string[] {
  const out = [password, password.replace(/%([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)))];
  out.push(/K7v\w+q/.exec(password)![0]);
  return [...new Set(out)];
}

async function runOne(shape: Shape, variable: string, command: string, dir: string): Promise<Outcome> {
  const label = `${command} with ${variable} = <${shape.name}>`;
  const tag = `${command}-${variable}-${shape.password.replace(/\W/g, "_")}`;
  const appLog = join(dir, `${tag}.app.log`);
  const auditLog = join(dir, `${tag}.audit.jsonl`);
  const environment = variable.startsWith("STAGING") ? "staging" : "production";
  const args = command === "diagnose"
    ? [DIAGNOSE, "--customer", "demo-isd", "--settings-dir", SETTINGS, "--env", environment, "--source", FIXTURE]
    : [CHECK, "--env", environment, "--settings-dir", dir, "--no-hubspot"];
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", ...args],
    env: {
      NO_COLOR: "1",
      CDT_DEBUG: "1", // stacks too must carry no password
      CDT_APP_LOG: appLog,
      CDT_AUDIT_LOG: auditLog,
      CDT_VAULT_FILE: join(dir, "no-vault"),
      CDT_AWS_SECRET_PREFIX: "",
      AWS_REGION: "",
      CDT_AWS_REGION: "",
      STAGING_DATABASE_URL: "",
      PRODUCTION_DATABASE_URL: "",
      STAGING_DB_HOST: "",
      PRODUCTION_DB_HOST: "",
      [variable]: shape.url,
    },
    clearEnv: false,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  const read = (p: string) => Deno.readTextFile(p).catch(() => "");
  return {
    label,
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    appLog: await read(appLog),
    auditLog: await read(auditLog),
  };
}

/** Runs every case, a few processes at a time (the machine has two cores). */
async function runAll(cases: Array<[Shape, string, string]>, dir: string): Promise<Outcome[]> {
  const results: Outcome[] = new Array(cases.length);
  let next = 0;
  await Promise.all(Array.from({ length: 3 }, async () => {
    while (next < cases.length) {
      const i = next++;
      results[i] = await runOne(...cases[i], dir);
    }
  }));
  return results;
}

function leaks(o: Outcome, shape: Shape): string[] {
  const found: string[] = [];
  for (
    const [where, text] of Object.entries({ stdout: o.stdout, stderr: o.stderr, app: o.appLog, audit: o.auditLog })
  ) {
    for (const form of forms(shape.password)) if (text.includes(form)) found.push(`${where} holds "${form}"`);
  }
  return found;
}

Deno.test({
  name:
    "no malformed database URL prints its password from diagnose or check-connections; the message names the variable",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withTempDir(async (dir) => {
      const cases: Array<[Shape, string, string]> = [];
      for (const shape of MALFORMED) {
        for (const variable of VARIABLES) for (const command of COMMANDS) cases.push([shape, variable, command]);
      }
      assert(cases.length >= 36, `${cases.length} runs`);
      const outcomes = await runAll(cases, dir);
      const leaked: string[] = [];
      const unnamed: string[] = [];
      outcomes.forEach((o, i) => {
        const [shape, variable] = cases[i];
        const l = leaks(o, shape);
        if (l.length) leaked.push(`${o.label}: ${l.join(", ")}`);
        const text = o.stdout + o.stderr;
        if (!text.includes(`${variable} is not a valid postgres:// URL`)) {
          unnamed.push(`${o.label}: ${o.stderr}${o.stdout}`);
        }
      });
      assertEquals(leaked, [], `${leaked.length} of ${outcomes.length} runs printed the password`);
      assertEquals(unnamed, [], `${unnamed.length} of ${outcomes.length} runs did not name the variable`);
      for (const [i, o] of outcomes.entries()) {
        // A configuration error for diagnose (exit 2); a failed check for check-connections (exit 1).
        assertEquals(o.code, cases[i][2] === "diagnose" ? 2 : 1, `${o.label}: ${o.stderr}`);
      }
    }),
});

Deno.test({
  name: "a well-formed URL whose database is unreachable prints neither its encoded nor its decoded password",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withTempDir(async (dir) => {
      const cases: Array<[Shape, string, string]> = [];
      for (const variable of VARIABLES) for (const command of COMMANDS) cases.push([WELL_FORMED, variable, command]);
      const outcomes = await runAll(cases, dir);
      for (const o of outcomes) {
        assertEquals(leaks(o, WELL_FORMED), [], o.label);
        assertMatch(
          o.stdout + o.stderr,
          /cannot reach the (staging|production) platform database \(postgres:\/\/cdt@127\.0\.0\.1:1\/platform\)/,
        );
        assertEquals(o.code, 1, `${o.label}: ${o.stderr}`);
      }
    }),
});

Deno.test("every malformed shape is named for what is wrong, never quoting the value", () => {
  const expected: Record<string, RegExp> = {
    "raw space in the password": /space or control character/,
    "raw slash in the password": /must be percent-encoded/,
    "raw @ in the password": /must be percent-encoded/,
    "raw % in the password": /must be percent-encoded/,
    "no scheme": /does not start with postgres:\/\/ or postgresql:\/\//,
    "nothing after @": /names no host/,
    "empty host": /names no host/,
    "raw # in the password": /must be percent-encoded/,
    "raw ? in the password": /must be percent-encoded/,
    "port out of range": /port is not a number from 1 to 65535/,
    "raw space, nothing after @": /space or control character/,
    "raw space, empty host": /space or control character/,
    "raw slash and @ in the password": /must be percent-encoded/,
    "a line break in the password": /space or control character/,
    "a quote in the password, nothing after @": /names no host/,
  };
  for (const shape of MALFORMED) {
    const problem = checkDatabaseUrl(shape.url);
    assert(problem, `${shape.name} is refused`);
    assertMatch(problem, expected[shape.name], shape.name);
    for (const form of forms(shape.password)) assert(!problem.includes(form), `${shape.name}: ${problem}`);
  }
  for (
    const ok of [
      WELL_FORMED.url,
      "postgres://cdt@db.internal:5432/platform",
      "postgresql://cdt:s3cret@db.internal/platform?sslmode=require",
      "postgres://cdt:a:b@[::1]:5432/platform",
      "postgres://cdt:pw@h1:5432,h2:5433/platform",
      "postgres:///platform?host=/var/run/postgresql",
    ]
  ) {
    assertEquals(checkDatabaseUrl(ok), undefined, ok);
  }
});

Deno.test("the secrets of a URL are known before it is parsed: the value, the password raw, decoded and encoded", () => {
  const secrets = databaseUrlSecrets("postgres://cdt:At@sign%2F-K7v3q@127.0.0.1:1/platform");
  for (
    const s of [
      "postgres://cdt:At@sign%2F-K7v3q@127.0.0.1:1/platform",
      "At@sign%2F-K7v3q",
      "At@sign/-K7v3q",
      "At%40sign%2F-K7v3q",
    ]
  ) assert(secrets.includes(s), s);
  assert(!secrets.includes("cdt"), "the user name is not a secret");
  // No scheme, a raw "%" that decodes to nothing: the text as written is still a secret.
  assert(databaseUrlSecrets("cdt:Pct%zz-K7v4q@h/db").includes("Pct%zz-K7v4q"));
});

Deno.test("the resolver refuses a malformed URL by its variable and has registered the password first", async () => {
  forgetSecrets();
  try {
    const resolver = new CredentialResolver({ env: { PRODUCTION_DATABASE_URL: MALFORMED[1].url } });
    const other = new CredentialResolver({ env: { STAGING_DATABASE_URL: MALFORMED[13].url } });
    await other.databaseUrl("staging").catch(() => {});
    const err = await resolver.databaseUrl("production").then(() => undefined, (e) => e);
    assert(err instanceof CredentialError, String(err));
    assertMatch(err.message, /^PRODUCTION_DATABASE_URL is not a valid postgres:\/\/ URL: /);
    // Whatever a library later quotes of the URL is redacted.
    assertEquals(redact(`Invalid URL: '${MALFORMED[1].url}'`), "Invalid URL: '[REDACTED]'");
    assertEquals(redact(JSON.stringify({ e: MALFORMED[13].password })), '{"e":"[REDACTED]"}');
    assertEquals(redact(`x ${MALFORMED[1].password} y`), "x [REDACTED] y");
  } finally {
    forgetSecrets();
  }
});

Deno.test("a URL built from _DB_ parts with a bad host is refused naming the variables, not the password", async () => {
  const resolver = new CredentialResolver({
    env: {
      STAGING_DB_HOST: "db host",
      STAGING_DB_NAME: "platform",
      STAGING_DB_USER: "cdt",
      STAGING_DB_PASSWORD: "Sp ace/@-K7vCq",
    },
  });
  const err = await resolver.databaseUrl("staging").then(() => undefined, (e) => e);
  assert(err instanceof CredentialError, String(err));
  assertMatch(err.message, /STAGING_DB_HOST\/_PORT\/_NAME\/_USER/);
  assert(!err.message.includes("K7vCq"));
});

Deno.test("connectUrl refuses a malformed URL without quoting it, before postgres.js sees it", () => {
  let err: unknown;
  try {
    connectUrl(MALFORMED[2].url, { environment: "staging" });
  } catch (e) {
    err = e;
  }
  assert(err instanceof PlatformError, String(err));
  assertMatch(err.message, /the staging database URL is not a valid postgres:\/\/ URL/);
  assert(!err.message.includes("K7v3q"));
});

Deno.test("a malformed CDT_STATE_DATABASE_URL is named, never quoted, by history, fleet and worker", async () => {
  const tools: Array<[string, string[]]> = [
    ["history", ["--customer", "demo-isd"]],
    ["fleet", ["status"]],
    ["worker", ["--exit-when-idle"]],
  ];
  for (const shape of MALFORMED.slice(0, 6)) {
    for (const [tool, args] of tools) {
      await withTempDir(async (dir) => {
        const out = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", new URL(`../tools/${tool}.ts`, import.meta.url).pathname, ...args],
          env: {
            CDT_STATE_DATABASE_URL: shape.url.replace("/platform", "/cdt_state"),
            CDT_APP_LOG: join(dir, "app.log"),
            CDT_AUDIT_LOG: join(dir, "audit.jsonl"),
            CDT_DEBUG: "1",
            NO_COLOR: "1",
          },
          stdout: "piped",
          stderr: "piped",
        }).output();
        const logs = await Deno.readTextFile(join(dir, "app.log")).catch(() => "");
        const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr) + logs;
        const token = shape.password.slice(-5);
        assert(!text.includes(token), `${tool} with ${shape.name} printed the password: ${text}`);
        assertMatch(text, /CDT_STATE_DATABASE_URL/, `${tool}: ${shape.name}`);
      });
    }
  }
});
