/**
 * A OneRoster CSV bundle on disk: a directory or a flat `.zip`. Files are
 * opened one at a time as byte streams, within the read limits (see
 * `../limits.ts`): zip entries are checked and inflated as they stream, and
 * every byte read counts against the file and export limits. Nothing is
 * written.
 */
import { Readable } from "node:stream";
import { basename, join } from "node:path";
import { SourceError } from "../errors.ts";
import {
  ByteBudget,
  formatBytes,
  LIMIT_ENV,
  LimitError,
  printableName,
  type ReadLimits,
  resolveLimits,
} from "../limits.ts";
import { checkEntry, entryBytes, readZipDirectory } from "../zip/archive.ts";

/** An opened bundle: which CSV files it holds and how to stream one. */
export interface Bundle {
  location: string;
  /** File names as the bundle spells them, e.g. `users.csv`. */
  files: readonly string[];
  /** Warnings about the bundle's layout (a zip with a folder inside, a directory's `.csv` that is not a file). */
  warnings: string[];
  /** A directory's `.csv` entries that are not read, by lower-case name: what each is (`a symbolic link`, …). */
  notRead?: ReadonlyMap<string, string>;
  /** The limits its files are read under. */
  limits: ReadLimits;
  /**
   * Streams one file. `chunkBytes` asks a directory's file for chunks of that size instead of 64 KiB: fewer turns of
   * the event loop for a reader that only passes the bytes on (the enrollments thread's pump). A zip's entries come
   * as they inflate.
   */
  open(name: string, options?: { chunkBytes?: number }): Promise<Readable>;
  /** The size of the chunks `open` reads by default, when it reads in chunks of one size (a directory's: 64 KiB). */
  readonly readBytes?: number;
  /** A file's size in bytes (a zip entry's as its directory declares it), when known without reading it. */
  sizeOf?(name: string): Promise<number | undefined>;
}

/**
 * Opens a directory or a `.zip` file, under the given limits (default: the
 * environment's, else {@link DEFAULT_LIMITS}).
 *
 * @example
 * const bundle = await openBundle("exports/lincoln-2026-11-20.zip");
 * bundle.files // ["manifest.csv", "orgs.csv", …]
 */
export async function openBundle(path: string, limits: Partial<ReadLimits> = {}): Promise<Bundle> {
  const resolved = resolveLimits(limits);
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new SourceError(`${path}: no such file or directory; give a OneRoster export directory or .zip`);
    }
    throw new SourceError(`${path}: cannot be read (${(e as Error).message})`);
  }
  if (stat.isDirectory) return await openDirectory(path, resolved);
  if (path.toLowerCase().endsWith(".zip")) {
    // A pipe or device would block or never end: only a regular file is read as a zip.
    if (!stat.isFile) throw new SourceError(`${path}: not a regular file; give a OneRoster export directory or .zip`);
    return await openZip(path, resolved);
  }
  throw new SourceError(`${path}: not a directory or a .zip file; give a OneRoster export directory or .zip`);
}

export type { ReadLimits };
export { DEFAULT_LIMITS } from "../limits.ts";

async function openDirectory(path: string, limits: ReadLimits): Promise<Bundle> {
  const files: string[] = [];
  const warnings: string[] = [];
  const notRead = new Map<string, string>();
  for await (const entry of Deno.readDir(path)) {
    if (!entry.name.toLowerCase().endsWith(".csv")) continue;
    // Only regular files are read: a link may lead out of the export, a FIFO or device would block the read.
    if (entry.isFile) files.push(entry.name);
    else {
      const what = entry.isSymlink
        ? "a symbolic link"
        : entry.isDirectory
        ? "a folder"
        : "not a regular file (a pipe, socket or device)";
      warnings.push(`${printableName(entry.name)} is ${what}; not read (only the export's regular files are)`);
      notRead.set(entry.name.toLowerCase(), what);
    }
  }
  files.sort();
  warnings.sort();
  const budget = new ByteBudget(limits, path);
  return {
    location: path,
    files,
    warnings,
    notRead,
    limits,
    readBytes: FILE_READ_BYTES,
    open: async (name, options) => {
      const file = await Deno.open(join(path, name));
      const { size } = await file.stat();
      if (size > limits.maxFileBytes) {
        file.close();
        throw new LimitError(
          "maxFileBytes",
          `${join(path, name)} is ${formatBytes(size)}, more than ${
            formatBytes(limits.maxFileBytes)
          }, the limit per file (${LIMIT_ENV.maxFileBytes}); not read`,
        );
      }
      return Readable.from(counted(file, name, budget, options?.chunkBytes), { objectMode: false });
    },
    sizeOf: async (name) => {
      try {
        return (await Deno.stat(join(path, name))).size;
      } catch {
        return undefined;
      }
    },
  };
}

/** The size of the chunks a file's `readable` gives (Deno reads a file 64 KiB at a time). */
const FILE_READ_BYTES = 64 * 1024;

/** A file's bytes, counted against the budget as they are read (a file may grow while it is read). */
async function* counted(
  file: Deno.FsFile,
  name: string,
  budget: ByteBudget,
  chunkBytes?: number,
): AsyncGenerator<Uint8Array> {
  let total = 0;
  try {
    for await (const chunk of chunkBytes ? chunksOf(file, chunkBytes) : file.readable) {
      total += chunk.length;
      budget.take(name, chunk.length, total);
      yield chunk;
    }
  } finally {
    try {
      file.close();
    } catch {
      // The readable closes the file when it ends.
    }
  }
}

async function openZip(path: string, limits: ReadLimits): Promise<Bundle> {
  const zip = await readZipDirectory(path, limits);
  const warnings: string[] = [];
  const byName = new Map(zip.entries.map((e) => [e.name, e]));
  const csvs = zip.entries.map((e) => e.name).filter((n) =>
    n.toLowerCase().endsWith(".csv") && !n.startsWith("__MACOSX/")
  );
  let prefix = "";
  if (!csvs.some((n) => !n.includes("/"))) {
    const folders = new Set(csvs.map((n) => n.slice(0, n.lastIndexOf("/") + 1)));
    if (folders.size === 1) {
      prefix = [...folders][0];
      warnings.push(
        `${basename(path)}: the files sit in the folder "${
          printableName(prefix)
        }" instead of the zip's root; read from there`,
      );
    }
  }
  const files = csvs.filter((n) => n.startsWith(prefix) && !n.slice(prefix.length).includes("/"))
    .map((n) => n.slice(prefix.length)).sort();
  const budget = new ByteBudget(limits, path);
  return {
    location: path,
    files,
    warnings,
    limits,
    open: (name) => {
      const entry = byName.get(prefix + name);
      if (!entry) return Promise.reject(new SourceError(`${path}: ${printableName(name)} is not in the zip`));
      try {
        checkEntry(zip, entry, limits);
        if (budget.used + entry.size > limits.maxExportBytes) {
          throw new LimitError(
            "maxExportBytes",
            `${path}: the export's files add up to more than ${
              formatBytes(limits.maxExportBytes)
            }, the limit per export (${LIMIT_ENV.maxExportBytes}); stopped at ${printableName(name)}`,
          );
        }
      } catch (e) {
        return Promise.reject(e);
      }
      return Promise.resolve(Readable.from(entryBytes(zip, entry, budget), { objectMode: false }));
    },
    sizeOf: (name) => Promise.resolve(byName.get(prefix + name)?.size),
  };
}

/** A file's bytes in chunks of `size` (the last one shorter), each its own buffer. */
async function* chunksOf(file: Deno.FsFile, size: number): AsyncGenerator<Uint8Array> {
  for (;;) {
    const buffer = new Uint8Array(size);
    let n = 0;
    // Filled to the end where the file allows, so that every chunk but the last is whole.
    while (n < size) {
      const got = await file.read(buffer.subarray(n));
      if (got === null) break;
      n += got;
    }
    if (n === 0) return;
    yield n === size ? buffer : buffer.slice(0, n);
    if (n < size) return;
  }
}
