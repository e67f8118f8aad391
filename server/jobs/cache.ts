/** A small cache with expiry and a size cap, for the server's diagnoses (each one holds a whole report). */

/**
 * Entries expire after their time-to-live; expired ones are swept on each `set`, and beyond `max` entries the
 * oldest go first, so no caller can grow it without bound.
 *
 * @example
 * const cache = new ExpiringCache<string, number>(64);
 * cache.set("a", 1, 60_000); cache.get("a") // 1
 */
export class ExpiringCache<K, V> {
  #entries = new Map<K, { expires: number; value: V }>();

  constructor(readonly max: number, readonly now: () => number = Date.now) {}

  /** The value, or undefined when absent or expired. */
  get(key: K): V | undefined {
    const e = this.#entries.get(key);
    return e && e.expires > this.now() ? e.value : undefined;
  }

  set(key: K, value: V, ttlMs: number): void {
    const now = this.now();
    for (const [k, e] of this.#entries) if (e.expires <= now) this.#entries.delete(k);
    this.#entries.delete(key);
    this.#entries.set(key, { expires: now + ttlMs, value });
    while (this.#entries.size > this.max) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /** Removes `key` if it still holds `value` (a failed run must not replace a newer one). */
  deleteIf(key: K, value: V): void {
    if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
