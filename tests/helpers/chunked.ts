/** A byte stream cut where a test says, for the readers' tests that must give the same answer however input comes. */
import { Readable } from "node:stream";

/**
 * A stream of `bytes` cut at the given positions (taken modulo the length + 1, each once, in order: mid CRLF and mid
 * UTF-8 character included).
 *
 * @example
 * chunked(new TextEncoder().encode("a,b\r\n"), [3, 4]) // pieces "a,b", "\r", "\n"
 */
export function chunked(bytes: Uint8Array, cuts: number[]): Readable {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const c of at) {
    parts.push(bytes.subarray(from, c));
    from = c;
  }
  parts.push(bytes.subarray(from));
  return Readable.from(parts.filter((p) => p.length > 0));
}
