/** Files a command writes: checked before the run, so a long run never ends in an unwritable path. */
import { dirname, resolve } from "node:path";
import { UsageError } from "./errors.ts";

/**
 * Refuses, before anything runs, an output file whose folder does not exist.
 *
 * @example
 * await requireDirectoryOf("--out", "reports/lincoln.md") // UsageError when reports/ is missing
 */
export async function requireDirectoryOf(flag: string, file: string): Promise<void> {
  const dir = dirname(resolve(file));
  const info = await Deno.stat(dir).catch(() => undefined);
  if (!info) throw new UsageError(`${flag} ${file}: the directory ${dir} does not exist; create it or write elsewhere`);
  if (!info.isDirectory) throw new UsageError(`${flag} ${file}: ${dir} is not a directory`);
}
