/**
 * The server's lookups from the customers' workspaces: one lookup session per
 * customer, environment and settings, held in the server's own process so a
 * lookup costs its queries and not a job process's start and an export's read.
 * Only a workspace that holds the export as it is now answers here; anything
 * else ({@link WorkspaceCannotAnswer}) goes to a job process, which reads the
 * export in its own heap.
 *
 * One process, one DuckDB instance per file (lib/workspace/duckdb.ts): the
 * sessions live in the server's isolate, never in a worker thread (a worker stopped
 * while it holds a workspace would keep the file locked for the life of the
 * process), so a workspace is opened once however many sessions read it, and
 * is let go after each session's idle time for a diagnosis elsewhere to store
 * into it.
 */
import { join } from "node:path";
import { type LookupSession, type LookupTurn, openLookupSession } from "../../lib/app/lookup-session.ts";
import type { LookupQuery, LookupResult } from "../../lib/app/lookup.ts";
import type { Environment } from "../../lib/platform/connect.ts";
import type { PlatformPool } from "../../lib/platform/pool.ts";
import type { Settings } from "../../lib/settings/schema.ts";
import { CodedError } from "../../lib/errors.ts";

/** The most rows of a workspace one lookup reads in the server's process, by default. */
export const DEFAULT_MAX_ROWS = 5_000;

/**
 * DuckDB's memory for each workspace file the server holds open, outside V8's heap. A lookup reads a few hundred rows:
 * at 200,000 students its median was the same (142–146 ms) with 64MB, 128MB or DuckDB's 512MB, and 32 sessions of
 * different customers now hold at most 4 GB there instead of 16. A query past it fails, and the lookup goes to a job
 * process (`unavailable`).
 */
export const SESSION_MEMORY_LIMIT = "128MB";

/** How long a session holds a workspace file, idle or busy, before letting a diagnosis elsewhere have it. */
export const SESSION_HOLD_MS = 5_000;

/** What {@link WorkspaceLookups} needs. */
export interface WorkspaceLookupsOptions {
  /** The workspace folder (CDT_WORKSPACE_DIR). */
  dir: string;
  settingsDir: string;
  /** The server's connections; their statement timeout should be shorter than `deadlineMs`. */
  pool: PlatformPool;
  /**
   * How long a request waits for its lookup, from when it is asked: past it the request is answered with
   * `limit.exceeded`, a lookup still waiting for its turn is not run, and one running keeps its slot until its
   * queries end (the statement timeout bounds them).
   */
  deadlineMs: number;
  /** Sessions kept at most; the least recently used is closed first. Default 32. */
  maxSessions?: number;
  /**
   * A session lets its workspace go after this long without a lookup, and after holding it this long while lookups
   * keep coming (for `RELEASE_MS`); default {@link SESSION_HOLD_MS}. A diagnosis elsewhere waits 10 s to store
   * into the file: it gets it within that time either way.
   */
  idleMs?: number;
  /**
   * The most rows one lookup reads in the server's process (people, a family, a class's members, enrollments, the
   * export's orgs, issues and rejected rows); a larger one goes to a job process, under its heap budget. Default
   * {@link DEFAULT_MAX_ROWS}: a person and their family, or a class, are far below it.
   */
  maxRows?: number;
}

/** A session and the lookups that hold it (from before it opens until each lookup ends): it is not closed under them. */
interface Held {
  session: Promise<LookupSession>;
  leases: number;
}

/** Lookup sessions by customer, environment and settings. */
export class WorkspaceLookups {
  #sessions = new Map<string, Held>();
  /** Evicted sessions still closing (each waits for its running lookup); close() waits for them. */
  #closing = new Set<Promise<void>>();
  #closed = false;

  constructor(readonly options: WorkspaceLookupsOptions) {}

  /**
   * One lookup from the customer's workspace; rejects with {@link WorkspaceCannotAnswer} when the workspace does not
   * hold the export as it is now. `around` wraps the lookup when its turn comes (the server takes a job slot there).
   *
   * @example
   * const result = await lookups.lookup(settings, "staging", { kind: "student", key: "stu-1" }, (run) => queue.run(run));
   */
  async lookup(
    settings: Settings,
    env: Environment,
    query: LookupQuery,
    around?: LookupTurn["around"],
  ): Promise<LookupResult> {
    if (this.#closed) throw new Error("the server's workspace lookups are closed");
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = new CodedError(
          "limit.exceeded",
          `the lookup of ${settings.customer_id} went past its deadline (${
            this.options.deadlineMs / 1000
          } s) (CDT_SERVER_JOB_SECONDS sets it)`,
        );
        controller.abort(e);
        reject(e);
      }, this.options.deadlineMs);
    });
    // Held from now until the lookup itself ends (past a deadline too): no eviction closes a session under it.
    const held = this.#hold(settings, env);
    const answer = held.session.then((session) => session.lookup(query, { signal: controller.signal, around }));
    answer.catch(() => {}).finally(() => {
      held.leases--;
      this.#evict();
    });
    try {
      return await Promise.race([answer, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sessions open now. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Closes every session, those evicted included (each waits for its running lookup); later lookups are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.allSettled([...all.map(async (h) => (await h.session).close()), ...this.#closing]);
  }

  #hold(settings: Settings, env: Environment): Held {
    // Settings changed on disk make a new session; the old one is closed when it is the least recently used.
    const key = JSON.stringify([settings.customer_id, env, settings]);
    let held = this.#sessions.get(key);
    if (held) {
      this.#sessions.delete(key);
    } else {
      const { dir, settingsDir, pool, idleMs } = this.options;
      const session = pool.get(env).then((connection) =>
        openLookupSession({
          customerId: settings.customer_id,
          settingsDir,
          // Checked and loaded once, by authorize(): the session does not read the file again.
          loaded: { settings, file: join(settingsDir, `${settings.customer_id}.json`), warnings: [] },
          environment: env,
          connection,
          workspace: { dir, maxRows: this.options.maxRows ?? DEFAULT_MAX_ROWS, memoryLimit: SESSION_MEMORY_LIMIT },
          workspaceOnly: true,
          auditor: null,
          idleMs: idleMs ?? SESSION_HOLD_MS,
          maxHoldMs: idleMs ?? SESSION_HOLD_MS,
        })
      );
      const opened: Held = { session, leases: 0 };
      session.then(
        // Only a session that opened pushes the least recently used out: one that fails to open takes no one's place.
        () => this.#evict(),
        // A session that failed to open is forgotten: the next lookup opens another.
        () => {
          if (this.#sessions.get(key) === opened) this.#sessions.delete(key);
        },
      );
      held = opened;
    }
    held.leases++;
    this.#sessions.set(key, held);
    return held;
  }

  /** Closes the least recently used sessions beyond `maxSessions`, of those no lookup holds. */
  #evict(): void {
    let over = this.#sessions.size - (this.options.maxSessions ?? 32);
    for (const [key, held] of this.#sessions) {
      if (over <= 0) break;
      if (held.leases > 0) continue;
      this.#sessions.delete(key);
      over--;
      const closing = held.session.then((x) => x.close()).catch(() => {});
      this.#closing.add(closing);
      closing.finally(() => this.#closing.delete(closing));
    }
  }
}
