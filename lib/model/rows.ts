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
  /** The rows that pass `keep`, in order, as an array (as an array's `filter`). */
  filter(keep: (row: T, index: number) => unknown): T[];
  /** The first row that passes `test`, or undefined (as an array's `find`). */
  find(test: (row: T, index: number) => unknown): T | undefined;
  /** Whether some row passes `test` (as an array's `some`). */
  some(test: (row: T, index: number) => unknown): boolean;
  /** Each row mapped, in order, as an array (as an array's `map`). */
  map<U>(each: (row: T, index: number) => U): U[];
}

/** Where a reader puts rows as it reads them: an array, or a table that keeps them as columns. */
export type RowStore<T> = Rows<T> & { push(row: T): void };

/**
 * What both enrollment tables share: a count of rows, `at` with negative indexes as an array has them, iteration,
 * and JSON as an array of rows. A table says how to make row `i` again (`row`) and how to take one in (`push`).
 *
 * @example
 * class Squares extends ColumnTable<number> {
 *   push() { this.count++; }
 *   protected row(i: number) { return i * i; }
 * }
 * new Squares().pushAll([0, 0, 0]).at(-1) // 4
 */
export abstract class ColumnTable<T> implements RowStore<T> {
  /** Rows held. */
  count = 0;

  get length(): number {
    return this.count;
  }

  /** Adds a row (its values are kept, not the object). */
  abstract push(row: T): void;

  /** Row `i`, made again from the columns (0 ≤ i < count). */
  protected abstract row(i: number): T;

  /** Adds every row of `rows`, and returns the table. */
  pushAll(rows: Iterable<T>): this {
    for (const row of rows) this.push(row);
    return this;
  }

  at(index: number): T | undefined {
    const i = index < 0 ? index + this.count : index;
    return i >= 0 && i < this.count ? this.row(i) : undefined;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.count; i++) yield this.row(i);
  }

  filter(keep: (row: T, index: number) => unknown): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) {
      const row = this.row(i);
      if (keep(row, i)) out.push(row);
    }
    return out;
  }

  find(test: (row: T, index: number) => unknown): T | undefined {
    for (let i = 0; i < this.count; i++) {
      const row = this.row(i);
      if (test(row, i)) return row;
    }
    return undefined;
  }

  some(test: (row: T, index: number) => unknown): boolean {
    for (let i = 0; i < this.count; i++) if (test(this.row(i), i)) return true;
    return false;
  }

  map<U>(each: (row: T, index: number) => U): U[] {
    const out = new Array<U>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = each(this.row(i), i);
    return out;
  }

  /** The rows as plain objects, for a report or a message to another thread. */
  toJSON(): T[] {
    return [...this];
  }
}

type Typed = Int32Array | Int16Array | Int8Array | Float64Array;

/** Rows per chunk of a {@link Column}. */
const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const IN_CHUNK = CHUNK - 1;

/**
 * A column of numbers that grows a chunk of 65,536 at a time: never copied as
 * it grows (a contiguous array doubling to hold ten million rows copied and
 * zeroed twice that, about 2.5 s at 1,000,000 students), and never more than
 * one chunk larger than it needs. A column of Int32Array keeps each chunk in
 * 8 bits while its values fit, then 16, then 32: most of an enrollment's
 * numbers (its status, role, dates, file) are small, and ten million rows
 * kept them in 4 bytes each where 1 does (about 170 MB at 1,000,000 students).
 * Every value reads back as it was set, whatever its chunk holds.
 *
 * @example
 * const lines = new Column(Int32Array);
 * lines.set(70_000, 42);
 * lines.set(70_001, 100_000); // that chunk now holds 32 bits
 * lines.get(70_000) // 42
 */
export class Column<A extends Typed> {
  // Own properties, so that two columns compare by their values and widths (as `assertEquals` does).
  private readonly chunks: Typed[] = [];
  /** A column of Int32Array narrows its chunks; the others keep theirs as `kind` makes them. */
  private readonly narrows: boolean;

  constructor(readonly kind: new (length: number) => A) {
    this.narrows = (kind as unknown) === Int32Array;
  }

  get(i: number): number {
    return this.chunks[i >>> CHUNK_BITS][i & IN_CHUNK];
  }

  set(i: number, value: number): void {
    const at = i >>> CHUNK_BITS;
    let chunk = this.chunks[at];
    if (chunk === undefined) chunk = this.chunks[at] = this.narrows ? new Int8Array(CHUNK) : new this.kind(CHUNK);
    if (this.narrows) {
      // What an Int32Array keeps of it (NaN 0, fractions cut, beyond 32 bits wrapped): the width follows that alone.
      const kept = value | 0;
      if (chunk.BYTES_PER_ELEMENT < 4 && !fits(chunk, kept)) chunk = this.#widen(at, kept);
      chunk[i & IN_CHUNK] = kept;
    } else chunk[i & IN_CHUNK] = value;
  }

  /**
   * The bytes of the first `count` values as `kind` holds them, chunk by
   * chunk (views where a chunk is that wide, copies where it is narrower); a
   * value never set reads as 0.
   *
   * @example
   * const c = new Column(Int32Array);
   * c.set(0, 7);
   * [...c.bytes(1)][0].length // 4
   */
  *bytes(count: number): Generator<Uint8Array> {
    const width = (this.kind as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    for (let start = 0, k = 0; start < count; start += CHUNK, k++) {
      const n = Math.min(CHUNK, count - start);
      let chunk = this.chunks[k];
      if (chunk && chunk.BYTES_PER_ELEMENT !== width) chunk = Int32Array.from(chunk.subarray(0, n));
      yield chunk ? new Uint8Array(chunk.buffer, chunk.byteOffset, n * width) : new Uint8Array(n * width);
    }
  }

  /** The bytes its chunks hold. */
  get heldBytes(): number {
    let bytes = 0;
    for (const chunk of this.chunks) if (chunk) bytes += chunk.byteLength;
    return bytes;
  }

  /** Chunk `at` made wide enough for `value` (16 bits, else 32), its values kept. */
  #widen(at: number, value: number): Typed {
    const narrow = this.chunks[at];
    const wide = value >= -32768 && value <= 32767 ? new Int16Array(CHUNK) : new Int32Array(CHUNK);
    wide.set(narrow);
    return this.chunks[at] = wide;
  }
}

/**
 * Whether `value`, a 32-bit whole number, fits a chunk of 8 or 16 bits. A chunk never narrows again: a column whose
 * values are set once each (as tables set them) has the widths its values need, so that two columns of the same
 * values compare equal.
 */
function fits(chunk: Typed, value: number): boolean {
  return chunk.BYTES_PER_ELEMENT === 1 ? value >= -128 && value <= 127 : value >= -32768 && value <= 32767;
}

/** What an {@link IdColumn}'s 32-bit chunk holds for null (NaN): never a value it keeps there. */
const NULL_32 = -(2 ** 31);

/**
 * A column of platform ids (whole numbers, NaN for null) in chunks of
 * 65,536 that are 32-bit while every value of the chunk fits 32 bits (serial
 * numbers do), and 64-bit once one does not: half the memory of a 64-bit
 * column for the usual ids, 150 MB at 1,000,000 students' ten million
 * enrollments, and every number still read back exactly as it was set.
 *
 * @example
 * const ids = new IdColumn();
 * ids.set(0, 42);
 * ids.set(1, NaN);
 * ids.set(2, 2 ** 40);
 * [ids.get(0), ids.get(1), ids.get(2)] // [42, NaN, 1099511627776]
 */
export class IdColumn {
  // Own properties, so that two columns compare by their values (as `assertEquals` does); read them through `get`.
  private readonly chunks: Array<Int32Array | Float64Array> = [];
  /** Which chunks are 64-bit. */
  private readonly wide: boolean[] = [];

  get(i: number): number {
    const k = i >>> CHUNK_BITS;
    const v = this.chunks[k][i & IN_CHUNK];
    return this.wide[k] || v !== NULL_32 ? v : NaN;
  }

  set(i: number, value: number): void {
    const k = i >>> CHUNK_BITS;
    let chunk = this.chunks[k];
    if (chunk === undefined) {
      chunk = this.chunks[k] = new Int32Array(CHUNK);
      this.wide[k] = false;
    }
    if (this.wide[k]) chunk[i & IN_CHUNK] = value;
    else if (value !== value) chunk[i & IN_CHUNK] = NULL_32;
    // (value | 0) === value: a whole number of 32 bits (not -0, whose | 0 is 0 but which is kept as it is).
    else if ((value | 0) === value && value !== NULL_32 && !Object.is(value, -0)) chunk[i & IN_CHUNK] = value;
    else {
      this.#widen(k);
      this.chunks[k][i & IN_CHUNK] = value;
    }
  }

  /** The first `count` values' bytes as 64-bit numbers, chunk by chunk, whatever each chunk holds (for a digest). */
  *bytes(count: number): Generator<Uint8Array> {
    for (let start = 0, k = 0; start < count; start += CHUNK, k++) {
      const n = Math.min(CHUNK, count - start);
      const wide = new Float64Array(n);
      for (let j = 0; j < n; j++) wide[j] = this.chunks[k] ? this.get(start + j) : 0;
      yield new Uint8Array(wide.buffer);
    }
  }

  #widen(k: number): void {
    const narrow = this.chunks[k];
    const wide = new Float64Array(CHUNK);
    for (let j = 0; j < CHUNK; j++) wide[j] = narrow[j] === NULL_32 ? NaN : narrow[j];
    this.chunks[k] = wide;
    this.wide[k] = true;
  }
}

/** The most characters a {@link TextColumn} joins into one string (V8's limit is about 2^29). */
const MAX_JOINED = 1 << 27;

/**
 * A full chunk's values that are one prefix and a number each ("enr-0000042",
 * "stu-17", "90210"), as SIS ids most often are: the prefix once and the
 * numbers in an Int32Array, 4 bytes a value where the packed text took its
 * length and 4 more (at 1,000,000 students, 9.4 million enrollment ids of 11
 * characters: 140 MB as text, 37 MB so). `width` is the digits' count when
 * every value of the chunk has that many, leading zeros included; 0 when
 * none has a leading zero (the numbers' own digits).
 */
class NumberedChunk {
  constructor(readonly prefix: string, readonly width: number, readonly numbers: Int32Array) {}

  /** Whether value `j` is `value`, read in place (its digits first: they differ between neighbouring ids). */
  is(j: number, value: string): boolean {
    const from = this.prefix.length;
    return numberIn(value, from, value.length, this.width) === this.numbers[j] && value.startsWith(this.prefix);
  }

  get(j: number): string {
    const digits = String(this.numbers[j]);
    return this.prefix + (this.width === 0 ? digits : digits.padStart(this.width, "0"));
  }
}

/** Most digits a numbered value may have: every such number fits an Int32Array. */
const MAX_DIGITS = 9;
const ZERO = 48;
const NINE = 57;

/**
 * The chunk of `count` values joined in `text` (value j ends at `ends[j]`)
 * as a {@link NumberedChunk}, when each value (null ones, flagged in `nulls`,
 * aside) is the same prefix followed by 1 to 9 digits, and its digits are
 * either all the same width or never start with a zero (so that the number
 * alone gives them back); else undefined.
 */
function numberedChunk(text: string, ends: Int32Array, count: number, nulls?: Uint8Array): NumberedChunk | undefined {
  let first = 0;
  while (first < count && nulls?.[first]) first++;
  if (first === count) return undefined;
  const start0 = first === 0 ? 0 : ends[first - 1];
  const end0 = ends[first];
  let digitsAt = end0;
  while (digitsAt > start0 && isDigit(text.charCodeAt(digitsAt - 1))) digitsAt--;
  const width = end0 - digitsAt;
  if (width === 0 || width > MAX_DIGITS) return undefined;
  const prefix = text.slice(start0, digitsAt);
  const numbers = new Int32Array(count);
  // Every value of `width` digits; else (width 0), digits without a leading zero. A value that fits neither: text.
  const fill = (width: number) => {
    for (let j = 0; j < count; j++) {
      if (nulls?.[j]) continue;
      const start = j === 0 ? 0 : ends[j - 1];
      const n = text.startsWith(prefix, start) ? numberIn(text, start + prefix.length, ends[j], width) : -1;
      if (n === -1) return false;
      numbers[j] = n;
    }
    return true;
  };
  if (fill(width)) return new NumberedChunk(prefix, width, numbers);
  return fill(0) ? new NumberedChunk(prefix, 0, numbers) : undefined;
}

/**
 * The number `text` writes from `from` to `to`, when that is 1 to 9 digits
 * and `width` of them (width 0: any count, without a leading zero, so that
 * the number alone gives them back); else -1.
 */
function numberIn(text: string, from: number, to: number, width: number): number {
  const digits = to - from;
  if (
    digits < 1 || digits > MAX_DIGITS || (width !== 0 ? digits !== width : digits > 1 && text.charCodeAt(from) === ZERO)
  ) {
    return -1;
  }
  let n = 0;
  for (let at = from; at < to; at++) {
    const c = text.charCodeAt(at);
    if (!isDigit(c)) return -1;
    n = n * 10 + (c - ZERO);
  }
  return n;
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

/**
 * A column of strings (null allowed) packed 65,536 to a string: the ids of
 * ten million enrollments are a few hundred strings for the collector to
 * trace, not ten million. A full chunk of ids that are a prefix and a number
 * each keeps the numbers alone (see NumberedChunk). A value is made again
 * from its chunk by `get` (a fresh string each time, equal to the one pushed).
 *
 * @example
 * const ids = new TextColumn();
 * ids.push("e-1");
 * ids.push(null);
 * [ids.get(0), ids.get(1)] // ["e-1", null]
 */
export class TextColumn {
  // Own properties, so that two columns compare by their values (as `assertEquals` does); read them through `get`.
  /**
   * Each full chunk's values joined into one string, or numbered (see NumberedChunk), or, for values too long to
   * join, the values themselves.
   */
  private readonly text: Array<string | NumberedChunk | Array<string | null>> = [];
  /** Where each value of a full chunk ends in its string (it begins where the one before ends). */
  private readonly ends: Int32Array[] = [];
  /** Which values of a full chunk are null (absent for a chunk without any). */
  private readonly nulls: Array<Uint8Array | undefined> = [];
  /** The values of the chunk being filled. */
  private open: Array<string | null> = [];

  get length(): number {
    return this.text.length * CHUNK + this.open.length;
  }

  /**
   * About what the values hold: a character (or a byte) each of text and 4 bytes where each value ends, or 4 bytes a
   * value of a numbered chunk; the chunk being filled counted by its characters.
   *
   * @example
   * new TextColumn().heldBytes // 0
   */
  get heldBytes(): number {
    let bytes = 0;
    for (const [k, text] of this.text.entries()) {
      if (typeof text === "string") bytes += text.length + this.ends[k].byteLength;
      else if (text instanceof NumberedChunk) bytes += text.prefix.length + text.numbers.byteLength;
      else for (const v of text) bytes += v?.length ?? 0;
    }
    for (const v of this.open) bytes += v?.length ?? 0;
    return bytes;
  }

  push(value: string | null): void {
    this.open.push(value);
    if (this.open.length === CHUNK) this.pack();
  }

  /**
   * Pushes `count` strings given joined in `text`, of the lengths `lengths`
   * gives: a whole chunk's worth, when it starts a chunk, is kept as it is
   * (no string is cut from it).
   *
   * @example
   * column.pushJoined("e-1e-22", Int32Array.of(3, 4), 2); // "e-1", "e-22"
   */
  pushJoined(text: string, lengths: ArrayLike<number>, count: number): void {
    if (this.open.length === 0 && count === CHUNK) {
      const ends = new Int32Array(CHUNK);
      let end = 0;
      for (let j = 0; j < CHUNK; j++) ends[j] = end += lengths[j];
      if (end === text.length) return this.#keep(text, ends, undefined);
    }
    for (let j = 0, at = 0; j < count; j++) this.push(text.slice(at, at += lengths[j]));
  }

  /** Value `i` (0 ≤ i < length). */
  get(i: number): string | null {
    const k = i >>> CHUNK_BITS;
    const j = i & IN_CHUNK;
    if (k === this.text.length) return this.open[j];
    const text = this.text[k];
    if (this.nulls[k]?.[j]) return null;
    if (typeof text === "string") {
      const ends = this.ends[k];
      return text.slice(j === 0 ? 0 : ends[j - 1], ends[j]);
    }
    return text instanceof NumberedChunk ? text.get(j) : text[j];
  }

  /**
   * Whether value `i` (0 ≤ i < length) is `value`, compared where it is kept: no string is made (as `get` makes one).
   *
   * @example
   * column.is(0, "e-1") // true when value 0 is "e-1"
   */
  is(i: number, value: string): boolean {
    const k = i >>> CHUNK_BITS;
    const j = i & IN_CHUNK;
    if (k === this.text.length) return this.open[j] === value;
    const text = this.text[k];
    if (text instanceof NumberedChunk) {
      return this.nulls[k] === undefined ? text.is(j, value) : !this.nulls[k]![j] && text.is(j, value);
    }
    if (this.nulls[k]?.[j]) return false;
    if (typeof text === "string") {
      const ends = this.ends[k];
      if (ends.length === 0) return value === "";
      const start = j === 0 ? 0 : ends[j - 1];
      return ends[j] - start === value.length && text.startsWith(value, start);
    }
    return text[j] === value;
  }

  private pack(): void {
    const values = this.open;
    const ends = new Int32Array(values.length);
    let nulls: Uint8Array | undefined;
    let end = 0;
    for (let j = 0; j < values.length; j++) {
      const v = values[j];
      if (v === null) (nulls ??= new Uint8Array(values.length))[j] = 1;
      else end += v.length;
      ends[j] = end;
    }
    this.open = [];
    if (end > MAX_JOINED) {
      // Longer than a string may be (ids of 8 KB each, which the read limits allow): kept as they are.
      this.text.push(values);
      this.ends.push(new Int32Array(0));
      this.nulls.push(undefined);
      return;
    }
    // join makes one flat string holding copies: the values pushed (and any text they were cut from) can go.
    this.#keep(values.join(""), ends, nulls); // null joins as ""
  }

  /** Keeps a full chunk, joined: numbered when its values allow (then the text and ends go). */
  #keep(text: string, ends: Int32Array, nulls: Uint8Array | undefined): void {
    const numbered = numberedChunk(text, ends, ends.length, nulls);
    this.text.push(numbered ?? text);
    // A chunk of nothing but empty and null values (a user table's usernames kept in their emails) needs no ends.
    this.ends.push(numbered || text.length === 0 ? new Int32Array(0) : ends);
    this.nulls.push(nulls);
  }
}
