/**
 * A fresh state database (the team's own PostgreSQL: history and job queue)
 * per test, created on the server `CDT_STATE_DATABASE_URL` or
 * `TEST_DATABASE_URL` names and dropped afterwards. pg-boss needs a real
 * PostgreSQL, so without either the tests that need one are ignored.
 */
import postgres from "postgres";

/** The server state databases are created on, if any. */
export const STATE_SERVER_URL = Deno.env.get("CDT_STATE_DATABASE_URL") ?? Deno.env.get("TEST_DATABASE_URL");

/** Why the state-database tests are ignored, when they are. */
export const NO_STATE_SERVER = STATE_SERVER_URL
  ? undefined
  : "needs a real PostgreSQL: set TEST_DATABASE_URL (CI does) or CDT_STATE_DATABASE_URL";

/**
 * Runs `fn` with the URL of a fresh, empty state database.
 *
 * @example
 * Deno.test({ name: "…", ignore: !!NO_STATE_SERVER, fn: () => withStateDatabase(async (url) => { … }) });
 */
export async function withStateDatabase(fn: (url: string) => Promise<void>): Promise<void> {
  if (!STATE_SERVER_URL) throw new Error(NO_STATE_SERVER);
  const name = `cdt_state_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const server = postgres(STATE_SERVER_URL, { max: 1, onnotice: () => {} });
  await server.unsafe(`create database ${name}`);
  const u = new URL(STATE_SERVER_URL);
  u.pathname = `/${name}`;
  try {
    await fn(u.toString());
  } finally {
    await server.unsafe(`drop database if exists ${name} with (force)`);
    await server.end();
  }
}
