import { assertEquals, assertMatch } from "./helpers/assert.ts";
import { join } from "node:path";
import { CodedError, ERROR_CODES, errorCode } from "../lib/errors.ts";
import { EXIT, exitCodeFor, formatError, UsageError } from "../lib/cli/errors.ts";
import { SettingsError } from "../lib/settings/load.ts";
import { PlatformError } from "../lib/platform/errors.ts";
import { SourceError } from "../lib/sources/errors.ts";
import { CredentialError } from "../lib/credentials/env.ts";
import { VaultError } from "../lib/credentials/vault.ts";
import { HubSpotError } from "../lib/hubspot/errors.ts";
import { withTempDir } from "./helpers/bundle.ts";

Deno.test("every error class carries a stable code, and the code alone gives the exit code (as before: 0/1/2)", () => {
  const cases: Array<[Error, string, number]> = [
    [new UsageError("--port x"), "usage", EXIT.usage],
    [new SettingsError("a.json: field x"), "settings.invalid", EXIT.usage],
    [new CredentialError("credential x"), "credentials.missing", EXIT.usage],
    [new VaultError("vault x"), "credentials.unavailable", EXIT.usage],
    [new PlatformError("STAGING_DATABASE_URL is not set", { config: true }), "platform.unconfigured", EXIT.usage],
    [new PlatformError("cannot reach"), "platform.unreachable", EXIT.failure],
    [new SourceError("users.csv:3: x"), "source.unreadable", EXIT.failure],
    [new HubSpotError("401"), "hubspot.failed", EXIT.failure],
    [new TypeError("x is undefined"), "internal", EXIT.failure],
    [Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), "internal", EXIT.failure],
  ];
  for (const [error, code, exit] of cases) {
    assertEquals(errorCode(error), code, error.name);
    assertEquals(exitCodeFor(error), exit, error.name);
    assertEquals(ERROR_CODES[errorCode(error)].exit, exit);
  }
  assertEquals(errorCode({ code: "usage" }), "internal", "only errors carry codes");
  assertEquals(errorCode(new CodedError("server.busy", "x")), "server.busy");
});

Deno.test("an unknown customer is its own code: 404 on the server, exit 2 on the command line", async () => {
  await withTempDir(async (dir) => {
    const { loadSettings } = await import("../lib/settings/load.ts");
    const e = await loadSettings(dir, "nobody-usd").then(() => undefined, (e) => e);
    assertEquals(errorCode(e), "customer.unknown");
    assertEquals([ERROR_CODES["customer.unknown"].status, exitCodeFor(e)], [404, 2]);
    await Deno.writeTextFile(join(dir, "broken-usd.json"), "{");
    assertEquals(errorCode(await loadSettings(dir, "broken-usd").then(() => undefined, (e) => e)), "settings.invalid");
  });
});

Deno.test("a shell prints coded errors as they are and anything else as an internal error", () => {
  assertEquals(formatError(new SourceError("users.csv:3: bad")), "error: users.csv:3: bad");
  assertMatch(formatError(new TypeError("boom")), /^internal error: boom \(set CDT_DEBUG=1/);
});

Deno.test("a shell's error line shows a district's escape sequence as text, line by line", async () => {
  const { formatError } = await import("../lib/cli/errors.ts");
  const { SourceError } = await import("../lib/sources/errors.ts");
  const line = formatError(new SourceError('users.csv:3: column "role" has "\x1b]0;pwned\x07\x1b[2J"'));
  assertEquals(line, 'error: users.csv:3: column "role" has "\\x1b]0;pwned\\x07\\x1b[2J"');
});

Deno.test("a read limit is limit.exceeded: exit 1 on the CLI, never an internal error", async () => {
  const { LimitError } = await import("../lib/sources/limits.ts");
  const { exitCodeFor, formatError } = await import("../lib/cli/errors.ts");
  const e = new LimitError("maxRecordBytes", "users.csv:2: a record is longer than 1 MiB");
  assertEquals([e.code, exitCodeFor(e)], ["limit.exceeded", 1]);
  assertEquals(formatError(e), "error: users.csv:2: a record is longer than 1 MiB");
});
