/**
 * Gives a temporary typed array's memory back at once instead of at the next
 * collection: a view that owns its whole buffer has the buffer transferred to
 * nothing (ArrayBuffer.prototype.transfer(0)), which frees it then and there
 * and leaves the view empty. Index builds make arrays of tens of megabytes
 * that live for one function; V8 frees a buffer only when it collects the
 * view, so they piled up until then (at 200,000 students the diagnostics'
 * resident memory rose 230 MB over 50 MB of live indexes).
 *
 * Only for arrays nothing else holds: a released array reads as empty, and so
 * does any part of it (a subarray) still held.
 *
 * @example
 * const order = new Int32Array(n);
 * // … use order …
 * release(order); // order.length === 0 now
 */
export function release(...views: ArrayBufferView[]): void {
  for (const v of views) {
    const buffer = v.buffer;
    // A view of part of a buffer, or of a shared one, is left alone: freeing it would empty its neighbours.
    if (!(buffer instanceof ArrayBuffer) || v.byteOffset !== 0 || v.byteLength !== buffer.byteLength) continue;
    if (buffer.detached || buffer.byteLength === 0) continue;
    buffer.transfer(0);
  }
}

/**
 * Collects garbage now, where the process runs with `--expose-gc` (`deno
 * task diagnose`, `deno task serve` for its job workers, and the fleet's
 * children do); elsewhere (a notebook, a script) nothing happens. For the
 * points where a large amount of garbage was just left behind and more is
 * about to be made: V8 otherwise lets both pile up before it collects, and
 * the process's peak is what piled up. Returns whether it collected.
 *
 * @example
 * collectGarbage(); // true under deno task diagnose
 */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  return gc !== undefined;
}
