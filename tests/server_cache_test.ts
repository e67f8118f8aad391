import { assertEquals } from "./helpers/assert.ts";
import { ExpiringCache } from "../server/jobs/cache.ts";

Deno.test("the server's diagnosis cache expires entries and never holds more than its cap", () => {
  let now = 0;
  const cache = new ExpiringCache<string, number>(3, () => now);
  for (let i = 0; i < 10; i++) cache.set(`k${i}`, i, 1_000);
  assertEquals(cache.size, 3, "any caller's distinct keys stop at the cap");
  assertEquals([cache.get("k0"), cache.get("k9")], [undefined, 9], "the oldest went first");
  now = 2_000;
  assertEquals(cache.get("k9"), undefined, "expired");
  cache.set("fresh", 1, 1_000);
  assertEquals(cache.size, 1, "expired entries are swept on the next set");
  cache.deleteIf("fresh", 2);
  assertEquals(cache.get("fresh"), 1, "a failed older run does not remove a newer value");
  cache.deleteIf("fresh", 1);
  assertEquals(cache.get("fresh"), undefined);
});
