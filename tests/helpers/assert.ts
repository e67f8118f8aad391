/** Assertions over node:assert (std's @std/assert is not reachable here), named the std way. */
import assertNode from "node:assert/strict";

/** Fails unless `value` is truthy. */
export function assert(value: unknown, message?: string): asserts value {
  assertNode.ok(value, message as never);
}

/** Deep strict equality. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
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
