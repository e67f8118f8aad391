import { assert } from "./helpers/assert.ts";
import { heapChild } from "./helpers/heap-child.ts";

async function bytesPerUser(mode: "alike" | "distinct" | "agents"): Promise<number> {
  const dir = await Deno.makeTempDir();
  try {
    const out = await heapChild<{ bytesPerUser: number }>("./users-heap.ts", [dir, mode], [
      "--allow-read",
      "--allow-write",
    ]);
    return out.bytesPerUser;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("users who share names, and whose username is their email, hold one copy of each: over 75 bytes a user less", async () => {
  // Same lengths on both sides; only whether values repeat differs (100,000 users: 294.8 against 386.0 bytes a user,
  // the same to a tenth of a byte run after run). Without the names shared, 358.8: the email alone is not enough.
  const [alike, distinct] = await Promise.all([bytesPerUser("alike"), bytesPerUser("distinct")]);
  assert(distinct - alike > 75, `alike ${alike.toFixed(0)} B a user, distinct ${distinct.toFixed(0)} B`);
});

Deno.test("a user's agents cost one small list: the ids are the named users' own strings, the list no longer than its ids", async () => {
  // Two agents a user, each the id of another user of the file: a list of two (64 bytes, at 8 bytes a pointer) and
  // nothing else. With the ids copied (each its own string) 128 bytes; with a list grown by push from empty (room for
  // 17) 184 and more.
  const [alike, agents] = await Promise.all([bytesPerUser("alike"), bytesPerUser("agents")]);
  assert(agents - alike < 96, `with agents ${agents.toFixed(0)} B a user, without ${alike.toFixed(0)} B`);
});
