import { assert, assertEquals } from "./helpers/assert.ts";
import { release } from "../lib/release.ts";

const mib = () => Deno.memoryUsage().external / 2 ** 20;

Deno.test("a released array's memory is given back at once, before any collection", () => {
  const before = mib();
  const big = new Float64Array(25_000_000).fill(1);
  assert(mib() - before > 150, `200 MB allocated: ${mib() - before} MiB`);
  release(big);
  assert(mib() - before < 50, `given back: ${mib() - before} MiB still held`);
  assertEquals(big.length, 0);
});

Deno.test("release leaves alone a view of part of a buffer; the whole array, released, empties its parts too", () => {
  const whole = new Int32Array(1000).fill(7);
  const part = whole.subarray(10, 20);
  release(part);
  assertEquals(part.length, 10);
  assertEquals(whole[999], 7);
  release(whole, whole);
  assertEquals(whole.length, 0);
  // As lib/release.ts warns: only for arrays nothing else holds, parts of them included.
  assertEquals(part.length, 0);
});
