/**
 * The one place DuckDB is loaded. It is a native module, so it is imported
 * lazily: a tool that never opens a workspace (or runs without the permission
 * to load native code) never pays for it or fails on it.
 */
import { basename, dirname, join, resolve } from "node:path";
import { CodedError } from "../errors.ts";

type DuckDBModule = typeof import("@duckdb/node-api");
/** An open DuckDB connection (the library's own type). */
export type DuckDBConnection = Awaited<ReturnType<DuckDBModule["DuckDBConnection"]["create"]>>;
/** A value a query parameter may hold; a list of strings binds as `VARCHAR[]`. */
export type SqlParam = string | number | boolean | null | bigint | readonly string[];

let loaded: Promise<DuckDBModule> | undefined;

/** Loads @duckdb/node-api once per process. */
export function duckdb(): Promise<DuckDBModule> {
  loaded ??= import("@duckdb/node-api").catch((e) => {
    loaded = undefined;
    throw new CodedError(
      "internal",
      `the workspace needs DuckDB, which could not be loaded (${(e as Error).message}); ` +
        "run with --allow-ffi, or without --workspace",
    );
  });
  return loaded;
}

/** An open database file with one connection. */
export interface Database {
  readonly path: string;
  readonly readOnly: boolean;
  readonly connection: DuckDBConnection;
  /** Runs statements; values bind to `$1`, `$2`… */
  run(sql: string, params?: SqlParam[]): Promise<void>;
  /** Runs a query and returns its rows as plain objects (BIGINTs that fit become numbers). */
  all(sql: string, params?: SqlParam[]): Promise<Record<string, unknown>[]>;
  /** Runs a query and returns its rows as arrays of JavaScript values (BIGINTs stay bigint). */
  rows(sql: string, params?: SqlParam[]): Promise<unknown[][]>;
  close(): void;
}

/** DuckDB refuses a second writer (or a writer beside readers) with this message. */
const LOCKED = /lock|Conflicting/i;

type Instance = { connect(): Promise<DuckDBConnection>; closeSync(): void };
/** This process holds the file in a way the open asked for cannot share: waited for as another process's lock is. */
class HeldHere extends Error {}
/**
 * The files this process has open. DuckDB's lock on a file is a POSIX record
 * lock, which belongs to the process: a second instance of the same file in
 * one process is not refused, and closing it releases the lock the first
 * still relies on (another process could then write under a reader). So one
 * process opens a file once: readers share the instance, each with its own
 * connection, and a writer waits, as it would for another process.
 */
const openFiles = new Map<string, { instance: Promise<Instance>; readOnly: boolean; users: number }>();

/**
 * The one name of a database file however it is reached (a symlinked folder
 * or file, `..`): its real path, or, while it does not exist yet (a writer
 * creates it), its folder's real path and its own name.
 */
async function realFile(path: string): Promise<string> {
  try {
    return await Deno.realPath(path);
  } catch {
    const dir = await Deno.realPath(dirname(path)).catch(() => resolve(dirname(path)));
    return join(dir, basename(path));
  }
}

/**
 * This process's instance of `file`: shared with the readers that hold it when
 * `readOnly`, else new; refused as locked while the process holds the file
 * otherwise. `release` closes it when its last user is done.
 */
async function instanceOf(
  file: string,
  readOnly: boolean,
  create: () => Promise<Instance>,
): Promise<{ instance: Instance; release(): void }> {
  let held = openFiles.get(file);
  if (held && !(readOnly && held.readOnly)) throw new HeldHere();
  if (held) {
    held.users++;
  } else {
    // Set before awaiting, so that a concurrent open shares this instance rather than making a second.
    held = { instance: create(), readOnly, users: 1 };
    openFiles.set(file, held);
  }
  const mine = held;
  const release = () => {
    if (--mine.users > 0) return;
    if (openFiles.get(file) === mine) openFiles.delete(file);
    void mine.instance.then((i) => i.closeSync(), () => {});
  };
  try {
    return { instance: await mine.instance, release };
  } catch (e) {
    release();
    throw e;
  }
}

/**
 * Opens (creating when writable) a DuckDB file, waiting up to `waitMs` while
 * another process holds it.
 *
 * @example
 * const db = await openDatabase("workspace/demo-isd.duckdb", { readOnly: true });
 * const rows = await db.all("select count(*) as n from users");
 */
export async function openDatabase(
  path: string,
  options: { readOnly?: boolean; waitMs?: number; memoryLimit?: string } = {},
): Promise<Database> {
  const { DuckDBInstance } = await duckdb();
  const config: Record<string, string> = {
    // DuckDB's memory is native, outside V8's heap: bound it so a workspace never doubles the process.
    memory_limit: options.memoryLimit ?? "512MB",
    threads: "2",
    // A workspace is a store, not a door: no query (the notebook and `workspace sql` API included) may read or
    // write files outside it, fetch extensions, or switch that back on.
    enable_external_access: "false",
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
    lock_configuration: "true",
  };
  if (options.readOnly) config.access_mode = "READ_ONLY";
  const deadline = Date.now() + (options.waitMs ?? 10_000);
  const file = await realFile(path);
  const readOnly = !!options.readOnly;
  for (;;) {
    try {
      const share = await instanceOf(file, readOnly, () => DuckDBInstance.create(path, config));
      try {
        return wrap(path, readOnly, share.release, await share.instance.connect(), await duckdb());
      } catch (e) {
        share.release();
        throw e;
      }
    } catch (e) {
      const message = (e as Error).message;
      const locked = e instanceof HeldHere || LOCKED.test(message);
      if (!locked || Date.now() > deadline) {
        throw new CodedError(
          locked ? "server.busy" : "internal",
          locked
            ? `${path} is in use by another process (a diagnosis or build of the same customer), or held open by ` +
              "this one (a lookup session); try again when it ends"
            : `${path}: ${message}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function wrap(
  path: string,
  readOnly: boolean,
  release: () => void,
  connection: DuckDBConnection,
  lib: DuckDBModule,
): Database {
  let closed = false;
  const listType = lib.LIST(lib.VARCHAR);
  // Lists bind as VARCHAR[] (DuckDB cannot infer an empty list's type); other values by their own type.
  const bind = (params: SqlParam[] = []) => ({
    values: params.map((p) => Array.isArray(p) ? lib.listValue([...p]) : p) as never,
    types: params.map((p) => Array.isArray(p) ? listType : undefined) as never,
  });
  const read = (sql: string, params?: SqlParam[]) => {
    const { values, types } = bind(params);
    return connection.runAndReadAll(sql, values, types);
  };
  return {
    path,
    readOnly,
    connection,
    async run(sql, params) {
      const { values, types } = bind(params);
      await connection.run(sql, values, types);
    },
    async rows(sql, params) {
      return (await read(sql, params)).getRowsJS();
    },
    async all(sql, params) {
      const reader = await read(sql, params);
      return reader.getRowObjectsJS().map((row) => {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(row)) {
          out[k] = typeof v === "bigint" && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)
            ? Number(v)
            : v;
        }
        return out;
      });
    },
    close() {
      if (closed) return;
      closed = true;
      connection.closeSync();
      release();
    },
  };
}
