/** Assertions over node:assert (std's @std/assert is not reachable here), named the std way. */
import assertNode from "node:assert/strict";
import { ColumnTable } from "../../lib/model/rows.ts";

/** Fails unless `value` is truthy. */
export function assert(value: unknown, message?: string): asserts value {
  assertNode.ok(value, message as never);
}

/**
 * Deep strict equality. A table of rows (columns) against a list of rows is never equal, and node's diff of the two
 * (every chunk of every column against the list) ran a test process out of memory: it fails at once, saying so.
 */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  if ((actual instanceof ColumnTable) !== (expected instanceof ColumnTable)) {
    throw new assertNode.AssertionError({
      message: `${message ? `${message}: ` : ""}a table of rows compared with ${
        Array.isArray(actual) || Array.isArray(expected) ? "a list" : "something else"
      }; compare [...table] with the list`,
    });
  }
  assertNode.deepStrictEqual(actual, expected, message as never);
}

/** The very value (`Object.is`): the same object, not an equal one. */
export function assertStrictEquals<T>(actual: T, expected: T, message?: string): void {
  assertNode.strictEqual(actual, expected, message as never);
}

/** Fails when `actual` and `expected` are deeply, strictly equal. */
export function assertNotEquals<T>(actual: T, expected: T, message?: string): void {
  assertNode.notDeepStrictEqual(actual, expected, message as never);
}

/** Fails unless `text` matches `pattern`. */
export function assertMatch(text: string, pattern: RegExp, message?: string): void {
  assertNode.match(text, pattern, message as never);
}

/** Awaits `fn`, which must reject with an instance of `type`; returns the error. */
export async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  type: new (...args: never[]) => E,
): Promise<E> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof type) return e;
    throw new Error(`expected ${type.name}, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
  }
  throw new Error(`expected ${type.name}, but nothing was thrown`);
}

/** Calls `fn`, which must throw an instance of `type`; returns the error. */
export function assertThrows<E extends Error>(fn: () => unknown, type: new (...args: never[]) => E): E {
  try {
    fn();
  } catch (e) {
    if (e instanceof type) return e;
    throw new Error(`expected ${type.name}, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
  }
  throw new Error(`expected ${type.name}, but nothing was thrown`);
}
