/**
 * A OneRoster CSV bundle on disk: a directory or a flat `.zip`. Files are
 * opened one at a time as byte streams; nothing is written.
 */
import { Readable } from "node:stream";
import { basename, join } from "node:path";
import { unzipSync } from "fflate";
import { SourceError } from "../errors.ts";

/** An opened bundle: which CSV files it holds and how to stream one. */
export interface Bundle {
  location: string;
  /** File names as the bundle spells them, e.g. `users.csv`. */
  files: readonly string[];
  /** Warnings about the bundle's layout (a zip with a folder inside). */
  warnings: string[];
  open(name: string): Promise<Readable>;
}

/**
 * Opens a directory or a `.zip` file.
 *
 * @example
 * const bundle = await openBundle("exports/lincoln-2026-11-20.zip");
 * bundle.files // ["manifest.csv", "orgs.csv", …]
 */
export async function openBundle(path: string): Promise<Bundle> {
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new SourceError(`${path}: no such file or directory; give a OneRoster export directory or .zip`);
    }
    throw new SourceError(`${path}: cannot be read (${(e as Error).message})`);
  }
  if (stat.isDirectory) return openDirectory(path);
  if (path.toLowerCase().endsWith(".zip")) return openZip(path);
  throw new SourceError(`${path}: not a directory or a .zip file; give a OneRoster export directory or .zip`);
}

async function openDirectory(path: string): Promise<Bundle> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(path)) {
    if (entry.isFile && entry.name.toLowerCase().endsWith(".csv")) files.push(entry.name);
  }
  files.sort();
  return {
    location: path,
    files,
    warnings: [],
    open: async (name) => {
      const file = await Deno.open(join(path, name));
      return Readable.fromWeb(file.readable as import("node:stream/web").ReadableStream);
    },
  };
}

async function openZip(path: string): Promise<Bundle> {
  const bytes = await Deno.readFile(path);
  const warnings: string[] = [];
  const names: string[] = [];
  try {
    // A filter that keeps nothing lists the entries without inflating them.
    unzipSync(bytes, {
      filter: (f) => {
        names.push(f.name);
        return false;
      },
    });
  } catch (e) {
    throw new SourceError(`${path}: not a readable zip file (${(e as Error).message})`);
  }
  const csvs = names.filter((n) => n.toLowerCase().endsWith(".csv") && !n.startsWith("__MACOSX/"));
  let prefix = "";
  if (!csvs.some((n) => !n.includes("/"))) {
    const folders = new Set(csvs.map((n) => n.slice(0, n.lastIndexOf("/") + 1)));
    if (folders.size === 1) {
      prefix = [...folders][0];
      warnings.push(
        `${basename(path)}: the files sit in the folder "${prefix}" instead of the zip's root; read from there`,
      );
    }
  }
  const files = csvs.filter((n) => n.startsWith(prefix) && !n.slice(prefix.length).includes("/"))
    .map((n) => n.slice(prefix.length)).sort();
  return {
    location: path,
    files,
    warnings,
    open: (name) => {
      const wanted = prefix + name;
      const out = unzipSync(bytes, { filter: (f) => f.name === wanted });
      const data = out[wanted];
      if (!data) return Promise.reject(new SourceError(`${path}: ${name} is listed but cannot be inflated`));
      return Promise.resolve(Readable.from([data]));
    },
  };
}
