/**
 * The rows of a large table of a roster or a platform snapshot, as every
 * consumer reads them: an array, or a table that keeps its rows as columns
 * and gives each back as an object only while a caller holds it.
 */

/** The few operations every consumer of a table's rows needs; an array has them too. */
export interface Rows<T> extends Iterable<T> {
  readonly length: number;
  /** The row at `index`, or undefined past the end. */
  at(index: number): T | undefined;
}

/** Grows a typed array to hold at least `n` items. */
export function grown<A extends Int32Array | Int8Array | Float64Array>(
  array: A,
  n: number,
  make: (size: number) => A,
): A {
  if (n <= array.length) return array;
  const next = make(Math.max(n, array.length * 2, 1024));
  next.set(array);
  return next;
}
