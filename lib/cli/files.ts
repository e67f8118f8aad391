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

/**
 * Refuses, before anything runs, a folder to write a set of files into that
 * is a file, or a folder that already holds something (its files would be
 * overwritten among others'); a folder that does not exist yet is made by the
 * writer.
 *
 * @example
 * await requireNewDirectory("--snapshot", "snapshots/lincoln") // UsageError when it holds files already
 */
export async function requireNewDirectory(flag: string, dir: string): Promise<void> {
  const info = await Deno.stat(dir).catch(() => undefined);
  if (!info) return;
  if (!info.isDirectory) throw new UsageError(`${flag} ${dir}: this is a file, not a folder; name a new folder`);
  for await (const _ of Deno.readDir(dir)) {
    throw new UsageError(
      `${flag} ${dir}: the folder is not empty; name a new or empty folder (nothing is overwritten)`,
    );
  }
}
