import { assert } from "./helpers/assert.ts";
import { heapChild } from "./helpers/heap-child.ts";

async function perId(mode: string): Promise<number> {
  const dir = await Deno.makeTempDir();
  try {
    const out = await heapChild<{ perId: number }>("./ids-heap.ts", [mode, dir], ["--allow-read", "--allow-write"]);
    return out.perId;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a text column keeps ids that are a prefix and a number as numbers: 4 bytes an id, not its text", async () => {
  // 262,144 ids of 11 characters: about 4 bytes each numbered, about 15 (the characters and where each ends) as text.
  const [numbered, text] = await Promise.all([perId("column-numbered"), perId("column-text")]);
  assert(numbered < 6, `numbered ${numbered.toFixed(1)} B an id`);
  assert(text > 12, `as text ${text.toFixed(1)} B an id`);
});

Deno.test("a packed id table holds an id in a few bytes, where a plain one holds a string of 40", async () => {
  const [packed, plain] = await Promise.all([perId("table-packed"), perId("table-plain")]);
  assert(packed < 8, `packed ${packed.toFixed(1)} B an id`);
  assert(plain > 30, `plain ${plain.toFixed(1)} B an id`);
});

Deno.test("a reader handing enrollments on keeps their ids packed while it checks them for repeats", async () => {
  // The thread reading enrollments.csv and roster-check's streamed read: at 9.4 million enrollments a string an id
  // grew that thread's heap by 375 MB. Packed, the ids and each row's role number take about 8 bytes a row.
  const held = await perId("sink-streamed");
  assert(held < 16, `${held.toFixed(1)} B a row`);
});
