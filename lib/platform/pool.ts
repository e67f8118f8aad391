/**
 * One open platform connection per environment, for a long-running process
 * (the server): the embedded demo database is built once, remote pools are
 * reused, all closed together.
 */
import type { Environment, PlatformConnection } from "./connect.ts";
import { type OpenOptions, openPlatform } from "../app/open-platform.ts";

/** Lazily opened connections by environment. */
export class PlatformPool {
  #open = new Map<Environment, Promise<PlatformConnection>>();

  constructor(readonly options: OpenOptions = {}) {}

  /**
   * The environment's connection, opened on first use.
   *
   * @example
   * const conn = await pool.get("embedded");
   */
  get(environment: Environment): Promise<PlatformConnection> {
    let conn = this.#open.get(environment);
    if (!conn) {
      conn = openPlatform(environment, {
        ...this.options,
        applicationName: this.options.applicationName ?? "cdt server",
      });
      // A failed open is not cached: the next request tries again.
      conn.catch(() => this.#open.delete(environment));
      this.#open.set(environment, conn);
    }
    return conn;
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    const all = [...this.#open.values()];
    this.#open.clear();
    await Promise.allSettled(all.map(async (c) => (await c).close()));
  }
}
