/**
 * Reads a byte stream (a child process's output) through a size cap, so an
 * endless or enormous output never lands in memory whole.
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
