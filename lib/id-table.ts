/**
 * Dense numbers for strings (source ids, mostly), in an open-addressing hash
 * table over typed arrays. A JS `Map` costs about 450 ns an insert at two
 * million fresh ids on this machine (its entries are spread over the heap and
 * rehashed as it grows); this table hashes the characters itself (FNV-1a),
 * keeps numbers and hashes in two Int32Arrays and the strings in one array,
 * and inserts in well under half that time. Numbers are given in order of
 * first appearance: 0, 1, 2…
 *
 * Ids added in increasing order (a file written in key order: the usual
 * export) cannot repeat one another, so while they come that way no slot is
 * filled: the table numbers them by counting and fills its slots only when an
 * id arrives out of order or is looked up. Reading 9.4 million enrollment ids
 * in order, the worker spent 12 s of its 44 s filling and growing slots that
 * nobody asked.
 *
 * A district's ids are hostile input: the hash is keyed per table with a
 * random multiplier (ids crafted to collide for one table do not collide for
 * the next), and a probe that runs longer than {@link maxProbe} slots turns
 * the table into a plain Map (V8 seeds its own string hash), so no choice of
 * ids makes numbering quadratic.
 */

import { release } from "./release.ts";
import { TextColumn } from "./model/rows.ts";

const EMPTY = -1;
/**
 * Slots a probe may visit before the table gives up on its own hashing, for a
 * table of `capacity` slots. Honest ids cluster too: at half load the longest
 * run grows with the logarithm of the size (35–60 slots at two million ids,
 * measured), so a fixed 64 sent one table in eight of a 2,000,000-user file to
 * the Map by chance, costing 7 s at 1,000,000 students. Ids crafted to collide
 * make runs of thousands, far past this bound.
 *
 * @example
 * maxProbe(1024) // 72
 * maxProbe(2 ** 25) // 132
 */
export function maxProbe(capacity: number): number {
  return 32 + 4 * Math.log2(capacity);
}

/** A hash of a string (injected by tests to force collisions). */
export type StringHash = (s: string) => number;

function randomOdd(): number {
  return (crypto.getRandomValues(new Uint32Array(1))[0] | 1) >>> 0;
}

/**
 * A new string hash: FNV-1a's shape with a random odd multiplier and basis,
 * each character's product folded down (a multiplication only carries bits
 * upwards), and a final mix so that close ids spread. Without the fold, a
 * multiplier whose low byte is 01 (one in 128) let the low bits of each
 * character pass through unmixed: the 200,000-student district's 406,844 user
 * ids hashed to as few as 269,884 values, and about one table in a hundred
 * gave up its own hashing for a Map (0.4 s each time). `basis` and
 * `multiplier` are random unless a test gives them.
 *
 * @example
 * const hash = keyedHash();
 * hash("stu-1") === hash("stu-1") // true; another keyedHash() most likely differs
 */
export function keyedHash(basis = randomOdd(), multiplier = randomOdd()): StringHash {
  return (s) => {
    let h = basis;
    for (let i = 0; i < s.length; i++) {
      h = Math.imul(h ^ s.charCodeAt(i), multiplier);
      h ^= h >>> 15;
    }
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    return h;
  };
}

/**
 * A string's number in the table, or a new one.
 *
 * @example
 * const table = new IdTable();
 * table.add("stu-1") // 0
 * table.add("stu-2") // 1
 * table.add("stu-1") // 0
 * table.indexOf("stu-3") // -1
 * table.at(1) // "stu-2"
 */
export class IdTable {
  /** The strings, by number (a packed table keeps them in `#packed` instead, and this stays empty). */
  #ids: string[] = [];
  readonly #packed: TextColumn | undefined;
  /** The last id added while they came in order. */
  #last = "";
  #hashes = new Int32Array(0);
  /** Slot → number, or EMPTY (none until the slots are filled: see #index). */
  #slots = new Int32Array(0);
  #mask = 0;
  #maxProbe = 0;
  /** The capacity asked for at first (slots are made when the order breaks or an id is looked up). */
  readonly #expected: number;
  /** Every id so far came after the one before it: the slots are empty and unused. */
  #ordered = true;
  readonly #hash: StringHash;
  /** Set once a probe ran too long: from then on the numbers live here. */
  #map: Map<string, number> | undefined;

  constructor(expected = 1024, hash: StringHash = keyedHash(), packed = false) {
    this.#expected = expected;
    this.#hash = hash;
    this.#packed = packed ? new TextColumn() : undefined;
  }

  /**
   * A table that keeps its strings packed 65,536 to a string (as a
   * `TextColumn` does) instead of one string object each: about a third of
   * the memory for short ids, and a tenth for ids that are a prefix and a
   * number (9.4 million enrollment ids of 11 characters held about 375 MB as
   * strings, 140 MB packed as text, 37 MB as numbers). `at` gives a fresh copy
   * of a string numbered in an earlier chunk, and `ids` is not there. For a
   * table that only numbers and finds (a reader's check for repeated ids).
   *
   * @example
   * const seen = IdTable.packed();
   * seen.add("enr-1") // 0
   * seen.indexOf("enr-1") // 0
   */
  static packed(expected = 1024, hash: StringHash = keyedHash()): IdTable {
    return new IdTable(expected, hash, true);
  }

  /** `map` once collisions made the table fall back to a Map (see the module's note). */
  get mode(): "table" | "map" {
    return this.#map ? "map" : "table";
  }

  /** How many strings the table holds. */
  get size(): number {
    return this.#packed ? this.#packed.length : this.#ids.length;
  }

  /** The string numbered `n`. */
  at(n: number): string {
    if (this.#packed === undefined) return this.#ids[n];
    // As an array answers a number it has no string for: undefined (which the type leaves out, as for a plain table).
    return Number.isInteger(n) && n >= 0 && n < this.#packed.length ? this.#packed.get(n)! : undefined as never;
  }

  /** The strings, by number (the table's own array: do not change it). A packed table has none. */
  get ids(): readonly string[] {
    if (this.#packed) throw new Error("a packed IdTable keeps no array of its strings");
    return this.#ids;
  }

  /** Whether the string numbered `n` is `id` (a packed table compares in place, making no string). */
  #is(n: number, id: string): boolean {
    return this.#packed ? this.#packed.is(n, id) : this.#ids[n] === id;
  }

  #push(id: string): void {
    if (this.#packed) this.#packed.push(id);
    else this.#ids.push(id);
  }

  /** The string's number, or -1. */
  indexOf(id: string): number {
    if (this.#ordered) this.#index();
    if (this.#map) return this.#map.get(id) ?? -1;
    const h = this.#hash(id);
    const slots = this.#slots;
    const hashes = this.#hashes;
    for (let at = h & this.#mask, probes = 0;; at = (at + 1) & this.#mask, probes++) {
      const n = slots[at];
      if (n === EMPTY) return -1;
      if (hashes[at] === h && this.#is(n, id)) return n;
      if (probes > this.#maxProbe) {
        this.#toMap();
        return this.#map!.get(id) ?? -1;
      }
    }
  }

  /**
   * The string's number, numbering it if it has none; `keep` turns a new
   * string into the one stored (a detached copy, say).
   */
  add(id: string, keep?: (id: string) => string): number {
    if (this.#ordered) {
      const n = this.size;
      // Greater than the last id: new, and greater than every id before it.
      if (n === 0 || id > this.#last) {
        const kept = keep ? keep(id) : id;
        this.#push(kept);
        this.#last = kept;
        return n;
      }
      this.#index();
    }
    if (this.#map) return this.#addToMap(id, keep);
    const h = this.#hash(id);
    const slots = this.#slots;
    const hashes = this.#hashes;
    let at = h & this.#mask;
    for (let probes = 0;; at = (at + 1) & this.#mask, probes++) {
      const n = slots[at];
      if (n === EMPTY) break;
      if (hashes[at] === h && this.#is(n, id)) return n;
      if (probes > this.#maxProbe) {
        this.#toMap();
        return this.#addToMap(id, keep);
      }
    }
    const n = this.size;
    this.#push(keep ? keep(id) : id);
    slots[at] = n;
    hashes[at] = h;
    if (n * 2 >= this.#mask) this.#grow();
    return n;
  }

  #addToMap(id: string, keep?: (id: string) => string): number {
    const had = this.#map!.get(id);
    if (had !== undefined) return had;
    const n = this.size;
    const kept = keep ? keep(id) : id;
    this.#push(kept);
    this.#map!.set(kept, n);
    return n;
  }

  /** Fills the slots with the ids added in order so far: from now on, every add and lookup hashes. */
  #index(): void {
    this.#ordered = false;
    this.#last = "";
    const size = this.size;
    let capacity = 1024;
    while (capacity < Math.max(this.#expected, size + 1) * 2) capacity *= 2;
    const slots = new Int32Array(capacity).fill(EMPTY);
    const hashes = new Int32Array(capacity);
    const mask = capacity - 1;
    const bound = maxProbe(capacity);
    for (let n = 0; n < size; n++) {
      const h = this.#hash(this.at(n));
      let at = h & mask;
      // The ids are distinct: each goes to the first empty slot of its run.
      for (let probes = 0; slots[at] !== EMPTY; at = (at + 1) & mask, probes++) {
        if (probes > bound) return this.#toMap();
      }
      slots[at] = n;
      hashes[at] = h;
    }
    this.#slots = slots;
    this.#hashes = hashes;
    this.#mask = mask;
    this.#maxProbe = bound;
  }

  /** Moves the numbers into a Map and frees the slots. */
  #toMap(): void {
    const map = new Map<string, number>();
    for (let n = 0, size = this.size; n < size; n++) map.set(this.at(n), n);
    this.#map = map;
    release(this.#slots, this.#hashes);
    this.#slots = new Int32Array(0);
    this.#hashes = new Int32Array(0);
  }

  #grow(): void {
    const oldSlots = this.#slots;
    const oldHashes = this.#hashes;
    const capacity = oldSlots.length * 2;
    const slots = new Int32Array(capacity).fill(EMPTY);
    const hashes = new Int32Array(capacity);
    const mask = capacity - 1;
    for (let i = 0; i < oldSlots.length; i++) {
      const n = oldSlots[i];
      if (n === EMPTY) continue;
      const h = oldHashes[i];
      let at = h & mask;
      while (slots[at] !== EMPTY) at = (at + 1) & mask;
      slots[at] = n;
      hashes[at] = h;
    }
    // The old arrays go now, not at the next collection: a table grown to millions of ids left as much again behind.
    release(oldSlots, oldHashes);
    this.#slots = slots;
    this.#hashes = hashes;
    this.#mask = mask;
    this.#maxProbe = maxProbe(capacity);
  }
}

const NUMBERED = new WeakMap<object, IdTable>();

/** What {@link numberedIds} hands on: lookups only, so that no caller numbers another id under the others. */
export type NumberedIds = Pick<IdTable, "indexOf" | "at" | "size">;

/**
 * Remembers that `table` numbers the ids of `rows`, row `n` having id `table.at(n)` (a reader's table of the ids it
 * kept), so that {@link numberedIds} can hand it on instead of another table being filled with the same ids: at
 * 1,000,000 students filling the users' table took 0.9 s. (Its slots are still made on the first lookup when the
 * file came in id order.)
 *
 * @example
 * rememberIds(users, seen); numberedIds(users) === seen // true while users is unchanged
 */
export function rememberIds(rows: readonly { sourcedId: string }[], table: IdTable): void {
  NUMBERED.set(rows, table);
}

/**
 * The table remembered for `rows` (see {@link rememberIds}), when it still numbers them: as many ids as rows, and
 * each row's `sourcedId` the table's id of its number. Rows pushed, dropped or given other ids since (the demo's
 * planted problems, a test's hand-made roster) have none.
 *
 * @example
 * numberedIds(roster.users)?.indexOf("stu-1") // the user's index in roster.users, or -1
 */
export function numberedIds(rows: readonly { sourcedId: string }[]): NumberedIds | undefined {
  const table = NUMBERED.get(rows);
  if (table === undefined || table.size !== rows.length) return undefined;
  for (let i = 0; i < rows.length; i++) if (rows[i].sourcedId !== table.at(i)) return undefined;
  return table;
}
