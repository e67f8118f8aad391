/** Whether a workspace is held, as another process sees it (DuckDB's lock belongs to the process that took it). */

/**
 * True when another process could open `customer`'s workspace in `dir` for writing now (or within `waitMs`, as a
 * diagnosis waits), false when it finds it held.
 *
 * @example
 * assertEquals(await writableElsewhere("ws", "demo-isd"), false);
 */
export async function writableElsewhere(dir: string, customer: string, waitMs = 0): Promise<boolean> {
  const probe = new URL("./try-write-workspace.ts", import.meta.url).pathname;
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", probe, dir, customer, String(waitMs)],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0 && code !== 3) throw new Error(new TextDecoder().decode(stderr));
  return code === 0;
}
