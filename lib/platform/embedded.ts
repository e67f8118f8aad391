/**
 * The embedded environment: a PGlite database in this process, served on a
 * loopback port so that postgres.js reads it exactly as it reads staging or
 * production.
 */
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import postgres from "postgres";
import type { Sql } from "./connect.ts";
import { createSchema, writeSnapshot } from "./load.ts";
import type { PlatformSnapshot } from "../model/snapshot.ts";

/** A running embedded database. */
export interface EmbeddedDatabase {
  /** A postgres:// URL on 127.0.0.1. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts an empty in-memory PGlite database behind a loopback socket.
 *
 * @example
 * const db = await startEmbeddedDatabase();
 * const sql = postgres(db.url);
 */
export async function startEmbeddedDatabase(): Promise<EmbeddedDatabase> {
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, port: 0, host: "127.0.0.1", maxConnections: 8 });
  await server.start();
  const [host, port] = server.getServerConn().split(":");
  return {
    url: `postgres://postgres@${host}:${port}/postgres`,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}

/**
 * Starts an embedded database holding the platform schema and `snapshot`.
 *
 * @example
 * const db = await startEmbeddedPlatform(demoDistrict().platform);
 */
export async function startEmbeddedPlatform(snapshot: PlatformSnapshot): Promise<EmbeddedDatabase> {
  const db = await startEmbeddedDatabase();
  const loader = postgres(db.url, { max: 1, onnotice: () => {} }) as Sql;
  try {
    await createSchema(loader);
    await writeSnapshot(loader, snapshot);
  } catch (e) {
    await loader.end();
    await db.stop();
    throw e;
  }
  await loader.end();
  return db;
}
