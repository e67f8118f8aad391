import { assertEquals } from "./helpers/assert.ts";
import { IntList, NumberMap } from "../lib/int-list.ts";

Deno.test("an IntList keeps every value pushed, in order, as it grows past its capacity", () => {
  const list = new IntList(16);
  for (let i = 0; i < 1000; i++) list.push(i * 3 - 7);
  assertEquals(list.length, 1000);
  assertEquals(list.at(0), -7);
  assertEquals(list.at(999), 999 * 3 - 7);
  assertEquals([...list.view()], Array.from({ length: 1000 }, (_, i) => i * 3 - 7));
});

Deno.test("an IntList's view holds only what was pushed, not the spare room", () => {
  const list = new IntList(64);
  list.push(5);
  list.push(6);
  assertEquals(list.view().length, 2);
});

Deno.test("an IntList frees its memory at once: it and any view of it read as empty", () => {
  const list = new IntList(16);
  for (let i = 0; i < 100; i++) list.push(i);
  const view = list.view();
  list.free();
  assertEquals(list.length, 0);
  assertEquals(view.length, 0);
  list.push(1);
  assertEquals([...list.view()], [1]);
});

Deno.test("a NumberMap over dense ids answers as a Map would: -1 for a key never set", () => {
  const ids = [10, 12, 11, 0];
  const map = NumberMap.over(ids);
  map.set(12, 0);
  map.set(0, 3);
  assertEquals(map.get(12), 0);
  assertEquals(map.get(0), 3);
  assertEquals(map.get(11), -1);
  assertEquals(map.has(11), false);
  // Beyond the array, negative or not an integer: none, never another key's value.
  assertEquals([map.get(13), map.get(-12), map.get(1e9), map.get(12.5), map.get(NaN)], [-1, -1, -1, -1, -1]);
});

Deno.test("a NumberMap over sparse, negative or fractional ids keeps them in a Map, with the same answers", () => {
  for (const ids of [[5, 2_000_000_000], [-4, 3], [1.5, 2]]) {
    const map = NumberMap.over(ids);
    map.set(ids[0], 7);
    assertEquals(map.get(ids[0]), 7);
    assertEquals(map.get(ids[1]), -1);
    assertEquals(map.has(ids[0]), true);
  }
});

Deno.test("a NumberMap over ids far apart makes no array as long as the largest id", () => {
  // Two ids, one of them two billion: an array indexed by id would be 8 GB.
  const map = NumberMap.over([1, 2_000_000_000]);
  map.set(2_000_000_000, 1);
  assertEquals(map.get(2_000_000_000), 1);
  assertEquals(Deno.memoryUsage().external < 1e9, true);
});
