import { assertEquals, assertMatch } from "./helpers/assert.ts";
import { join } from "node:path";

const DIAGNOSE = new URL("../tools/diagnose.ts", import.meta.url).pathname;

async function diagnose(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", DIAGNOSE, ...args],
    env: { NO_COLOR: "1", CDT_STATE_DATABASE_URL: "" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("--snapshot into a file or a folder that holds files is refused before anything is read, and nothing is overwritten", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "notes.txt");
    await Deno.writeTextFile(file, "mine");
    const full = join(dir, "full");
    await Deno.mkdir(full);
    await Deno.writeTextFile(join(full, "users.csv"), "someone else's\n");
    // The customer does not exist: a run that got past the check would fail on it instead.
    const onFile = await diagnose(["--customer", "nobody-here", "--snapshot", file]);
    assertEquals(onFile.code, 2, onFile.stderr);
    assertMatch(onFile.stderr, /--snapshot .*notes\.txt: this is a file, not a folder/);
    const onFull = await diagnose(["--customer", "nobody-here", "--snapshot", full]);
    assertEquals(onFull.code, 2, onFull.stderr);
    assertMatch(onFull.stderr, /--snapshot .*full: the folder is not empty/);
    assertEquals(await Deno.readTextFile(join(full, "users.csv")), "someone else's\n");
    assertEquals(await Deno.readTextFile(file), "mine");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
