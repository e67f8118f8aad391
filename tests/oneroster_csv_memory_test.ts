import { assert } from "./helpers/assert.ts";
import { heapChild } from "./helpers/heap-child.ts";

async function bytesPerUser(mode: "alike" | "distinct" | "agents" | "username" | "padded"): Promise<number> {
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

Deno.test("a read user holds under 200 bytes, heap and columns together: a user table, not an object a user", async () => {
  // 100,000 users with shared names: 127 bytes a user as a table (its id string, its packed email, numbers for the
  // rest); 298 as objects (the object, its origin, its own strings).
  const alike = await bytesPerUser("alike");
  assert(alike < 200, `${alike.toFixed(0)} B a user`);
});

Deno.test("read users hold none of users.csv's text: each value kept is a copy", async () => {
  // 5,000 users whose rows are 3,000 characters longer than what is kept (673 B a user): a value kept as cut from the
  // file's text (an agent, an extension column, an email in the last unpacked chunk) holds its part of the file, and
  // came to 3.9 KB a user.
  const padded = await bytesPerUser("padded");
  assert(padded < 1000, `${padded.toFixed(0)} B a user`);
});

Deno.test("a username that is its email's start is kept as a length, not as text of its own", async () => {
  // The same users with usernames of the same length that are not their emails: 172 against 127 bytes a user.
  const [inEmail, own] = await Promise.all([bytesPerUser("alike"), bytesPerUser("username")]);
  assert(own - inEmail > 20, `username in the email ${inEmail.toFixed(0)} B a user, its own ${own.toFixed(0)} B`);
});

Deno.test("users who share names hold one copy of each: over 75 bytes a user less", async () => {
  // Same lengths on both sides; whether values repeat differs, and the usernames are their emails on one side only
  // (100,000 users: 127 against 241 bytes a user).
  const [alike, distinct] = await Promise.all([bytesPerUser("alike"), bytesPerUser("distinct")]);
  assert(distinct - alike > 75, `alike ${alike.toFixed(0)} B a user, distinct ${distinct.toFixed(0)} B`);
});

Deno.test("a user's agents cost a number each: the ids are the named users' own, kept once", async () => {
  // Two agents a user, each the id of another user of the file: 36 bytes a user more in a table (numbers in its table
  // of ids); 85 more as objects' lists of the ids.
  const [alike, agents] = await Promise.all([bytesPerUser("alike"), bytesPerUser("agents")]);
  assert(agents - alike < 60, `with agents ${agents.toFixed(0)} B a user, without ${alike.toFixed(0)} B`);
});
