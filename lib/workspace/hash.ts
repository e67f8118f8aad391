/**
 * What identifies an export's content: a sha-256 of a zip's bytes, or of a
 * directory's files (relative names and bytes, in name order). A cheap
 * `stamp` (names, sizes, modification times) tells a lookup, without reading
 * a gigabyte, whether the export is still the one the workspace holds.
 */
import { createHash } from "node:crypto";
import { join, relative } from "node:path";

/** An export's identity. */
export interface ExportIdentity {
  /** `sha256:` and 64 hex digits. */
  contentHash: string;
  stamp: string;
}

/** Files of a directory export, recursively, sorted by relative name; symlinks are not followed. */
async function filesOf(dir: string): Promise<Array<{ name: string; path: string; info: Deno.FileInfo }>> {
  const out: Array<{ name: string; path: string; info: Deno.FileInfo }> = [];
  const walk = async (d: string, depth: number) => {
    if (depth > 4) return;
    for await (const entry of Deno.readDir(d)) {
      const path = join(d, entry.name);
      if (entry.isDirectory) await walk(path, depth + 1);
      else if (entry.isFile) out.push({ name: relative(dir, path), path, info: await Deno.stat(path) });
    }
  };
  await walk(dir, 0);
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The stamp of an export: cheap to compute, changes when a file is replaced.
 *
 * @example
 * await exportStamp("exports/lincoln.zip") // "lincoln.zip:52428800:1764547200000"
 */
export async function exportStamp(path: string): Promise<string> {
  const info = await Deno.stat(path);
  if (!info.isDirectory) return `:${info.size}:${info.mtime?.getTime() ?? 0}`;
  return (await filesOf(path)).map((f) => `${f.name}:${f.info.size}:${f.info.mtime?.getTime() ?? 0}`).join("\n");
}

/**
 * Hashes an export (a zip or other single file, or a directory).
 *
 * @example
 * const { contentHash } = await exportIdentity("exports/lincoln.zip");
 */
export async function exportIdentity(path: string): Promise<ExportIdentity> {
  const hash = createHash("sha256");
  const info = await Deno.stat(path);
  const feed = async (file: string) => {
    using f = await Deno.open(file);
    const buffer = new Uint8Array(1 << 20);
    for (;;) {
      const n = await f.read(buffer);
      if (n === null) break;
      hash.update(buffer.subarray(0, n));
    }
  };
  if (info.isDirectory) {
    for (const f of await filesOf(path)) {
      // Name and length first, so moving bytes from one file to the next changes the hash.
      hash.update(`${f.name}\u0000${f.info.size}\u0000`);
      await feed(f.path);
    }
  } else {
    await feed(path);
  }
  return { contentHash: `sha256:${hash.digest("hex")}`, stamp: await exportStamp(path) };
}
