import { assertEquals, assertMatch } from "./helpers/assert.ts";
import { join } from "node:path";
import { withTempDir } from "./helpers/bundle.ts";

Deno.test("an exception or a rejection nobody handled is logged, redacted, and the server process goes on", async () => {
  await withTempDir(async (dir) => {
    const script = join(dir, "serve.ts");
    await Deno.writeTextFile(
      script,
      `import { installCrashGuards } from ${JSON.stringify(new URL("../server/crash-guards.ts", import.meta.url).href)};
import { registerSecret } from ${JSON.stringify(new URL("../lib/credentials/redact.ts", import.meta.url).href)};
registerSecret("hunter2-secret");
installCrashGuards((kind, message) => console.log(kind + ": " + message));
setTimeout(() => { throw new RangeError("a socket went away with hunter2-secret"); }, 1);
Promise.reject(new Error("nobody awaited this"));
setTimeout(() => console.log("still serving"), 100);
`,
    );
    const out = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", "--no-check", script] }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    assertMatch(stdout, /uncaught exception: RangeError: a socket went away with \[REDACTED\]/);
    assertMatch(stdout, /unhandled rejection: Error: nobody awaited this/);
    assertMatch(stdout, /still serving/);
  });
});
