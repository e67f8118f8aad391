import { assert, assertEquals, assertMatch, assertRejects } from "./helpers/assert.ts";
import { join } from "node:path";
import { withTempDir } from "./helpers/bundle.ts";
import { emptyVault, readVault, VaultError, writeVault } from "../lib/credentials/vault.ts";
import { CredentialResolver } from "../lib/credentials/resolver.ts";
import { AwsSecrets } from "../lib/credentials/aws.ts";
import { loadDefaults } from "../lib/credentials/defaults.ts";
import { redact, registerSecret } from "../lib/credentials/redact.ts";
import { CredentialError } from "../lib/credentials/env.ts";
import { startFakeSecretsManager } from "./fakes/secrets-manager.ts";

const FAST = { scryptWorkFactor: 10 };
const pass = { passphrase: "correct horse battery staple" };

Deno.test("a vault round-trips its secrets, and a write leaves no temporary file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "team.vault");
    const data = emptyVault();
    data.secrets["lincoln-usd/classlink"] = { clientId: "id-1", clientSecret: "sec-1" };
    await writeVault(path, data, pass, FAST);
    assertEquals(await readVault(path, pass), data);
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["team.vault"]);
    assert(!new TextDecoder().decode(await Deno.readFile(path)).includes("sec-1"), "the file is encrypted");
  });
});

Deno.test("a wrong passphrase is a clear error and nothing is written; a corrupted file is a clear error", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "team.vault");
    await writeVault(path, emptyVault(), pass, FAST);
    const before = await Deno.readFile(path);
    const err = await assertRejects(() => readVault(path, { passphrase: "wrong" }), VaultError);
    assertMatch(err.message, /cannot unlock: wrong passphrase or identity/);
    assertEquals(await Deno.readFile(path), before);
    await Deno.writeTextFile(join(dir, "bad.vault"), "not a vault at all");
    assertMatch(
      (await assertRejects(() => readVault(join(dir, "bad.vault"), pass), VaultError)).message,
      /not an age-encrypted vault/,
    );
    const truncated = before.slice(0, before.length - 20);
    await Deno.writeFile(join(dir, "cut.vault"), truncated);
    assertMatch(
      (await assertRejects(() => readVault(join(dir, "cut.vault"), pass), VaultError)).message,
      /corrupted|cannot unlock/,
    );
  });
});

Deno.test("an age identity file unlocks a vault encrypted to it", async () => {
  const age = await import("age-encryption");
  const identity = await age.generateIdentity();
  await withTempDir(async (dir) => {
    const path = join(dir, "team.vault");
    await writeVault(path, { version: 1, secrets: { hubspot: { accessToken: "pat-xyz" } } }, { identity });
    assertEquals((await readVault(path, { identity })).secrets.hubspot.accessToken, "pat-xyz");
  });
});

Deno.test("the vault CLI sets, lists and gets without printing a secret unless --reveal", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "team.vault");
    const run = async (args: string[], stdin?: string) => {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-all", new URL("../tools/vault.ts", import.meta.url).pathname, ...args, "--file", file],
        env: { CDT_VAULT_PASSPHRASE: "pw-for-tests" },
        stdin: stdin === undefined ? "null" : "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      if (stdin !== undefined) {
        const w = child.stdin.getWriter();
        await w.write(new TextEncoder().encode(stdin));
        await w.close();
      }
      const out = await child.output();
      return {
        code: out.code,
        stdout: new TextDecoder().decode(out.stdout),
        stderr: new TextDecoder().decode(out.stderr),
      };
    };
    assertEquals((await run(["init"])).code, 0);
    assertEquals((await run(["init"])).code, 2, "init refuses to overwrite");
    assertEquals((await run(["set", "lincoln-usd/classlink", "clientId", "cid-7"])).code, 0);
    assertEquals((await run(["set", "lincoln-usd/classlink", "clientSecret"], "very-secret-value\n")).code, 0);
    const list = await run(["list"]);
    assertEquals(list.stdout, "lincoln-usd/classlink: clientId, clientSecret\n");
    const hidden = await run(["get", "lincoln-usd/classlink"]);
    assert(!hidden.stdout.includes("very-secret-value") && hidden.stdout.includes("clientSecret: ••••••"));
    assert(
      (await run(["get", "lincoln-usd/classlink", "--reveal"])).stdout.includes("clientSecret: very-secret-value"),
    );
  });
});

Deno.test("the resolver tries the environment, then the vault, then AWS (cached), and says what it tried", async () => {
  const sm = await startFakeSecretsManager({ "cdt/from-aws/sis": { clientId: "aws-id", clientSecret: "aws-secret" } });
  Deno.env.set("AWS_ACCESS_KEY_ID", "AKIAFAKE");
  Deno.env.set("AWS_SECRET_ACCESS_KEY", "fake-aws-secret");
  try {
    await withTempDir(async (dir) => {
      const path = join(dir, "team.vault");
      await writeVault(
        path,
        {
          version: 1,
          secrets: {
            "from-vault/sis": { clientId: "v-id", clientSecret: "v-secret" },
            "both/sis": { clientId: "v", clientSecret: "v" },
          },
        },
        pass,
        FAST,
      );
      const aws = new AwsSecrets({ region: "us-east-1", prefix: "cdt/", endpoint: sm.endpoint });
      const resolver = new CredentialResolver({
        env: { BOTH_SIS_CLIENT_ID: "env-id", BOTH_SIS_CLIENT_SECRET: "env-secret" },
        vault: { path, key: () => Promise.resolve(pass) },
        aws,
      });
      assertEquals((await resolver.find("both/sis"))?.from, "env");
      assertEquals(await resolver.find("from-vault/sis"), {
        name: "from-vault/sis",
        fields: { clientId: "v-id", clientSecret: "v-secret" },
        from: "vault",
      });
      assertEquals((await resolver.clientCredentials("from-aws/sis")).clientSecret, "aws-secret");
      await resolver.find("from-aws/sis");
      assertEquals(aws.calls, 1, "AWS answers are cached");
      const err = await assertRejects(() => resolver.require("nowhere/sis"), CredentialError);
      assertMatch(
        err.message,
        /credential "nowhere\/sis" is not configured; tried environment \(NOWHERE_SIS_CLIENT_ID .*\), vault .*, AWS Secrets Manager \(cdt\/nowhere\/sis\)/,
      );
      assertEquals(redact("x aws-secret y v-secret"), "x [REDACTED] y [REDACTED]", "resolved secrets are redacted");
    });
  } finally {
    await sm.stop();
  }
});

Deno.test("a database URL is built from host parts and machine defaults, never from a password in defaults", async () => {
  const resolver = new CredentialResolver({
    env: { PRODUCTION_DB_PASSWORD: "p@ss word", PRODUCTION_DB_USER: "cdt_ro" },
    defaults: { db: { production: { host: "replica.internal", port: 6432, database: "platform" } } },
  });
  assertEquals(
    (await resolver.databaseUrl("production")).url,
    "postgres://cdt_ro:p%40ss%20word@replica.internal:6432/platform",
  );
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(
      join(dir, "defaults.json"),
      JSON.stringify({ db: { staging: { host: "h", password: "x" } } }),
    );
    const err = await assertRejects(() => loadDefaults(join(dir, "defaults.json")), Error);
    assertMatch(err.message, /"db\.staging\.password" looks like a secret; machine defaults never hold secrets/);
    // A broken file that holds a password by mistake: its place is named, its text never quoted.
    await Deno.writeTextFile(join(dir, "broken.json"), '{"db": {"password": hunter2-broken-json}}');
    const broken = await assertRejects(() => loadDefaults(join(dir, "broken.json")), Error);
    assertMatch(broken.message, /broken\.json: not valid JSON/);
    assert(!broken.message.includes("hunter2"), broken.message);
    await Deno.copyFile(new URL("../config/defaults.example.json", import.meta.url), join(dir, "ok.json"));
    assertEquals((await loadDefaults(join(dir, "ok.json"))).aws?.secret_prefix, "cdt/");
  });
});

Deno.test("redaction covers registered secrets, URL passwords, bearer tokens and secret parameters", () => {
  registerSecret("planted-secret-123");
  assertEquals(
    redact(
      'token planted-secret-123; postgres://u:pw1234@h/db Authorization: Bearer abcdefghijkl client_secret=xyz&a=1 {"password":"hunter2"}',
    ),
    'token [REDACTED]; postgres://u:[REDACTED]@h/db Authorization: Bearer [REDACTED] client_secret=[REDACTED]&a=1 {"password":"[REDACTED]"}',
  );
});
