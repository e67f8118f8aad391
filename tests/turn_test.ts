import { assert } from "./helpers/assert.ts";
import { nextTurn } from "../lib/turn.ts";

Deno.test("a turn of the event loop lets what waits for the loop run (a promise alone never would)", async () => {
  let fired = false;
  setTimeout(() => fired = true, 0);
  const start = performance.now();
  while (!fired && performance.now() - start < 5_000) await nextTurn();
  assert(fired, "the timer ran between turns");
});
