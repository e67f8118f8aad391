/**
 * Runs a heap-measuring helper in a child process with `--expose-gc` (a test
 * runner's own process cannot collect on demand) and returns the JSON it
 * prints on stdout.
 *
 * @example
 * const { heldMiB } = await heapChild<{ heldMiB: number }>("./detach-retention.ts", ["raw"]);
 */
import { assert } from "./assert.ts";

export async function heapChild<T>(helper: string, args: string[], permissions: string[] = []): Promise<T> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, "--v8-flags=--expose-gc", new URL(helper, import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert(out.success, `${helper} failed`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}
