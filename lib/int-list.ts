/**
 * Growing lists of 32-bit integers outside the JavaScript heap. An index
 * build that pushes millions of numbers into an array leaves every smaller
 * copy of it behind as it grows, in the old generation, where it stays until
 * the next full collection: at 1,000,000 students the guardians' index left
 * about 140 MB of such copies. An IntList grows an Int32Array instead and
 * frees each smaller one at once (see `release.ts`).
 */
import { release } from "./release.ts";

/**
 * Integers pushed one by one, read back by position or as one view.
 *
 * @example
 * const list = new IntList();
 * list.push(7);
 * list.push(9);
 * list.view() // Int32Array [7, 9]
 * list.free(); // its memory back now; list.length === 0
 */
export class IntList {
  #items: Int32Array;
  #length = 0;

  /** `capacity`: how many values it holds before it first grows. */
  constructor(capacity = 1024) {
    this.#items = new Int32Array(Math.max(16, capacity));
  }

  get length(): number {
    return this.#length;
  }

  push(value: number): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#items[this.#length++] = value;
  }

  /** The value at `i` (0 ≤ i < length). */
  at(i: number): number {
    return this.#items[i];
  }

  /** The values pushed so far, as a view of the list's own array: valid until the next push or {@link free}. */
  view(): Int32Array {
    return this.#items.subarray(0, this.#length);
  }

  /** Gives the memory back at once; the list is empty afterwards, and any view of it too. */
  free(): void {
    release(this.#items);
    this.#items = new Int32Array(16);
    this.#length = 0;
  }

  #grow(): void {
    const bigger = new Int32Array(this.#items.length * 2);
    bigger.set(this.#items);
    release(this.#items);
    this.#items = bigger;
  }
}

/**
 * Numbers by number (platform ids to slots, say): an Int32Array indexed by
 * key when the keys are dense non-negative integers (serial numbers, as the
 * platform's ids are), else a Map. A Map of a million numbers grows by
 * copies in the old generation, and each copy is more for the collector; the
 * array is made once, at its size, outside the heap.
 *
 * @example
 * const slots = NumberMap.over([10, 12, 11]);
 * slots.set(12, 0);
 * slots.get(12) // 0
 * slots.get(11) // -1: none
 */
export class NumberMap {
  readonly #dense: Int32Array | undefined;
  readonly #sparse: Map<number, number> | undefined;

  private constructor(size: number | undefined) {
    if (size === undefined) this.#sparse = new Map();
    else this.#dense = new Int32Array(size).fill(-1);
  }

  /** An empty map for these keys (only these may be set): dense when {@link denseSize} says they are. */
  static over(keys: Iterable<number> & ArrayLike<number>): NumberMap {
    return new NumberMap(denseSize(keys, keys.length));
  }

  /** The value set for `key` (a non-negative 32-bit integer), or -1. */
  get(key: number): number {
    const dense = this.#dense;
    if (dense) return Number.isInteger(key) && key >= 0 && key < dense.length ? dense[key] : -1;
    return this.#sparse!.get(key) ?? -1;
  }

  has(key: number): boolean {
    return this.get(key) !== -1;
  }

  /**
   * Sets `key`, one of the keys the map was made over, to `value` (≥ 0; -1 reads as none). A key outside them may be
   * kept or not: the array holds only the range of those keys.
   */
  set(key: number, value: number): void {
    if (this.#dense) this.#dense[key] = value;
    else this.#sparse!.set(key, value);
  }
}

/**
 * The length of an array indexed by these ids (their largest plus one) when
 * they are dense non-negative integers (at most four slots a row beyond a
 * small floor), else undefined: keep a Map.
 *
 * @example
 * denseSize([3, 0, 1], 3) // 4
 * denseSize([-1], 1) // undefined
 */
export function denseSize(ids: Iterable<number>, count: number): number | undefined {
  let max = -1;
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0) return undefined;
    if (id > max) max = id;
  }
  return max < 4 * count + 65_536 ? max + 1 : undefined;
}
