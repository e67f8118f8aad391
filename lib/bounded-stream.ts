/**
 * Reading through a size cap: a byte stream (a child process's output) or a
 * file, so that an endless or enormous one never lands in memory whole.
 */

/** What {@link readStreamBounded} read: the kept bytes, and whether any were dropped. */
export interface BoundedBytes {
  bytes: Uint8Array;
  truncated: boolean;
}

/**
 * Reads `stream` to its end, keeping at most `max` bytes: the first ones
 * (`"head"`, for a result) or the last ones (`"tail"`, for an error output,
 * whose end says why a process died). Whole chunks are dropped, so slightly
 * less than `max` may be kept once `truncated`.
 *
 * @example
 * const { bytes, truncated } = await readStreamBounded(child.stderr, 64 * 1024, "tail");
 */
export async function readStreamBounded(
  stream: ReadableStream<Uint8Array>,
  max: number,
  keep: "head" | "tail",
): Promise<BoundedBytes> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of stream) {
    if (keep === "head" && truncated) continue;
    chunks.push(chunk);
    size += chunk.length;
    while (size > max && chunks.length) {
      truncated = true;
      size -= (keep === "head" ? chunks.pop()! : chunks.shift()!).length;
    }
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return { bytes, truncated };
}

/** Thrown by {@link readFileBounded} for a file that is not a regular file, or larger than asked. */
export class FileRefusedError extends Error {
  override name = "FileRefusedError";
}

/**
 * Reads a regular file, at most `max` bytes: a larger one, a device, a FIFO or
 * a directory (`/dev/zero`, whose size says 0) is refused with
 * {@link FileRefusedError}, having read no more than `max` + 1 bytes.
 *
 * @example
 * const text = new TextDecoder().decode(await readFileBounded("report.json", 512 * 1024 ** 2));
 */
export async function readFileBounded(path: string, max: number): Promise<Uint8Array> {
  // Looked at before it is opened: opening a FIFO waits for a writer, maybe forever.
  if (!(await Deno.stat(path)).isFile) throw new FileRefusedError(`${path}: not a regular file`);
  const file = await Deno.open(path, { read: true });
  try {
    const info = await file.stat();
    if (!info.isFile) throw new FileRefusedError(`${path}: not a regular file`);
    if (info.size > max) throw new FileRefusedError(`${path}: larger than ${max} bytes`);
    // The size can grow while it is read, or lie (/proc): read no more than max + 1 bytes whatever it said.
    const out = new Uint8Array(Math.min(info.size, max) + 1);
    let used = 0;
    let grown = out;
    for (;;) {
      if (used === grown.length) {
        if (grown.length > max) throw new FileRefusedError(`${path}: larger than ${max} bytes`);
        const next = new Uint8Array(Math.min(max + 1, grown.length * 2));
        next.set(grown);
        grown = next;
      }
      const n = await file.read(grown.subarray(used));
      if (n === null) return grown.subarray(0, used);
      used += n;
    }
  } finally {
    file.close();
  }
}
