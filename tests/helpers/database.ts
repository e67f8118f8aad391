/**
 * One helper for every test that needs PostgreSQL: a fresh database on the
 * server `TEST_DATABASE_URL` names (dropped afterwards), or an in-memory
 * PGlite served on loopback when it is unset.
 */
import postgres from "postgres";
import type { Sql } from "../../lib/platform/connect.ts";
import { startEmbeddedDatabase } from "../../lib/platform/embedded.ts";
import { createSchema, writeSnapshot } from "../../lib/platform/load.ts";
import type { PlatformSnapshot } from "../../lib/model/snapshot.ts";

/** A scratch database with the platform schema. */
export interface TestDatabase {
  url: string;
  /** A writable client for setting up data (the tools never get one). */
  admin: Sql;
  kind: "postgres" | "pglite";
}

/** Which server the tests use. */
export const TEST_DATABASE_URL = Deno.env.get("TEST_DATABASE_URL");

/**
 * Runs `fn` with a fresh database holding the schema and, when given, a snapshot.
 *
 * @example
 * await withTestDatabase(async (db) => { … }, generateDistrict().platform);
 */
export async function withTestDatabase(
  fn: (db: TestDatabase) => Promise<void>,
  snapshot?: PlatformSnapshot,
): Promise<void> {
  if (TEST_DATABASE_URL) {
    const name = `cdt_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
    const server = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
    await server.unsafe(`create database ${name}`);
    const u = new URL(TEST_DATABASE_URL);
    u.pathname = `/${name}`;
    const url = u.toString();
    const admin = postgres(url, { max: 1, onnotice: () => {} }) as Sql;
    try {
      await createSchema(admin);
      if (snapshot) await writeSnapshot(admin, snapshot);
      await fn({ url, admin, kind: "postgres" });
    } finally {
      await admin.end();
      await server.unsafe(`drop database if exists ${name} with (force)`);
      await server.end();
    }
    return;
  }
  const db = await startEmbeddedDatabase();
  const admin = postgres(db.url, { max: 1, onnotice: () => {} }) as Sql;
  try {
    await createSchema(admin);
    if (snapshot) await writeSnapshot(admin, snapshot);
    await fn({ url: db.url, admin, kind: "pglite" });
  } finally {
    await admin.end();
    await db.stop();
  }
}
