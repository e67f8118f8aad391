import { assert, assertEquals } from "./helpers/assert.ts";
import { detach, detachRow } from "../lib/sources/detach.ts";
import { heapChild } from "./helpers/heap-child.ts";

async function heldAfter(mode: "none" | "raw" | "detached"): Promise<number> {
  return (await heapChild<{ heldMiB: number }>("./detach-retention.ts", [mode])).heldMiB;
}

Deno.test("detached values cut from a 100 MB text let the text be collected; values merely cut hold all of it", async () => {
  const [none, raw, detached] = await Promise.all([heldAfter("none"), heldAfter("raw"), heldAfter("detached")]);
  assert(none < 5, `the text is collected when nothing is kept: ${none} MiB`);
  assert(raw > 50, `cut values hold the text: ${raw} MiB`);
  // A thousand 28-character copies: well under a MiB.
  assert(detached < 5, `detached values hold only themselves: ${detached} MiB`);
});

Deno.test("detach keeps every value as it was, lone surrogates included", () => {
  const text = `x,${"é".repeat(20)},stu-000000000001,\ud800lone-surrogate-here,${
    "a\udc00".repeat(8)
  },ok\u{1F600}emoji-here`;
  for (const value of text.split(",")) assertEquals(detach(value), value);
  const row = { sourcedId: text.slice(2, 22), grades: [text.slice(23, 39)], origin: { file: "users.csv", line: 2 } };
  assertEquals(detachRow(structuredClone(row)), row);
});
