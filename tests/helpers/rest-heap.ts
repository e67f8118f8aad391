/**
 * Run as a child with a small heap by tests/oneroster_rest_hostile_test.ts:
 * reads a REST source at ORIGIN (bearer token from HOSTILE_SIS_TOKEN) and
 * prints how the read ended: `{ error }` with its message, or `{ users }`.
 */
import { readOneRosterRest } from "../../lib/sources/oneroster-rest/read.ts";

const [origin] = Deno.args;
try {
  const read = await readOneRosterRest(
    {
      kind: "oneroster-rest",
      version: "1.1",
      baseUrl: `${origin}/ims/oneroster/v1p1`,
      credentials: "hostile/sis",
      auth: "bearer",
      pageSize: 5000,
    },
    { env: Deno.env.toObject(), http: { backoffMs: 1, maxDelayMs: 5, timeoutMs: 5000, retries: 2 } },
  );
  console.log(JSON.stringify({ users: read.users.length }));
} catch (e) {
  console.log(JSON.stringify({ error: (e as Error).message }));
}
