/** Counts as people read them: thousands separators, and a noun that agrees with its number. */

/**
 * A number with thousands separators.
 *
 * @example
 * num(14203) // "14,203"
 */
export function num(n: number): string {
  return n.toLocaleString("en-US");
}

/**
 * A count and its noun, singular for one: "1 warning", "1,004 errors" (`plural` for irregular nouns).
 *
 * @example
 * count(1, "warning") // "1 warning"
 * count(2, "class", "classes") // "2 classes"
 */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${num(n)} ${n === 1 ? noun : plural}`;
}
