import { assertEquals, assertRejects } from "./helpers/assert.ts";
import { join } from "node:path";
import { withTempDir } from "./helpers/bundle.ts";
import { openWorkspace } from "../lib/workspace/store.ts";
import { CodedError } from "../lib/errors.ts";
import { writableElsewhere } from "./helpers/workspace-lock.ts";

const CUSTOMER = "lock-isd";

/** Runs `fn` with an empty workspace built in a temporary folder `dir` (inside `root`), closed again. */
async function withWorkspace(fn: (dir: string, root: string) => Promise<void>): Promise<void> {
  await withTempDir(async (root) => {
    const dir = join(root, "ws");
    (await openWorkspace(dir, CUSTOMER, { write: true })).close();
    await fn(dir, root);
  });
}

Deno.test({
  name:
    "a workspace opened twice by one process stays locked against other writers until its last reader closes, and a writer in the same process is refused as busy",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await withWorkspace(async (dir) => {
      const first = await openWorkspace(dir, CUSTOMER);
      const second = await openWorkspace(dir, CUSTOMER);
      assertEquals((await second.sql("select 1 as one"))[0].one, 1);
      // POSIX record locks belong to the process: a second instance closing would release the first one's lock.
      second.close();
      assertEquals(await writableElsewhere(dir, CUSTOMER), false, "still held by the first reader");
      assertEquals((await first.sql("select 2 as two"))[0].two, 2);
      // A writer in this process waits as it would for another process, then gives up as busy.
      const busy = await assertRejects(() => openWorkspace(dir, CUSTOMER, { write: true, waitMs: 200 }), CodedError);
      assertEquals(busy.code, "server.busy");
      first.close();
      assertEquals(await writableElsewhere(dir, CUSTOMER), true, "free once the last reader closed");
      const writer = await openWorkspace(dir, CUSTOMER, { write: true });
      await assertRejects(() => openWorkspace(dir, CUSTOMER, { waitMs: 0 }), CodedError);
      writer.close();
    });
  },
});

Deno.test({
  name: "a workspace reached through a symlinked folder is the same file: its reader shares the lock",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await withWorkspace(async (dir, root) => {
      await Deno.symlink(dir, join(root, "link"));
      const first = await openWorkspace(dir, CUSTOMER);
      const second = await openWorkspace(join(root, "link"), CUSTOMER);
      second.close();
      assertEquals(await writableElsewhere(dir, CUSTOMER), false, "still held by the first reader");
      await assertRejects(() => openWorkspace(join(root, "link"), CUSTOMER, { write: true, waitMs: 0 }), CodedError);
      first.close();
      assertEquals(await writableElsewhere(dir, CUSTOMER), true);
    });
  },
});
