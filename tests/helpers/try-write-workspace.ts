/**
 * Run as its own process: exits 0 when the workspace of `customer` in `dir` can be opened for writing now, 3 when
 * another process holds it. DuckDB's file lock is per process, so only another process can tell whether it is held.
 *
 * Usage: deno run -A tests/helpers/try-write-workspace.ts DIR CUSTOMER [WAIT_MS]
 * (WAIT_MS: how long to wait for it, asking every 100 ms as a diagnosis does; default 0).
 */
import { openWorkspace } from "../../lib/workspace/store.ts";
import { errorCode } from "../../lib/errors.ts";

const [dir, customer, waitMs = "0"] = Deno.args;
try {
  (await openWorkspace(dir, customer, { write: true, waitMs: Number(waitMs) })).close();
} catch (e) {
  if (errorCode(e) !== "server.busy") throw e;
  Deno.exit(3);
}
