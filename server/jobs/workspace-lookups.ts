/**
 * The server's lookups from the customers' workspaces: one lookup session per
 * customer, environment and settings, held in the server's own process so a
 * lookup costs its queries and not a worker's start and an export's read.
 * Only a workspace that holds the export as it is now answers here; anything
 * else ({@link WorkspaceCannotAnswer}) goes to a job worker, which reads the
 * export in its own heap.
 *
 * One process, one DuckDB instance per file (lib/workspace/duckdb.ts): the
 * sessions live in the server's isolate, never in a worker (a worker stopped
 * while it holds a workspace would keep the file locked for the life of the
 * process), so a workspace is opened once however many sessions read it, and
 * is let go after each session's idle time for a diagnosis elsewhere to store
 * into it.
 */
import { join } from "node:path";
import {
  type LookupSession,
  LookupSessionClosed,
  type LookupTurn,
  openLookupSession,
} from "../../lib/app/lookup-session.ts";
import type { LookupQuery, LookupResult } from "../../lib/app/lookup.ts";
import type { Environment } from "../../lib/platform/connect.ts";
import type { PlatformPool } from "../../lib/platform/pool.ts";
import type { Settings } from "../../lib/settings/schema.ts";
import { CodedError } from "../../lib/errors.ts";

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
  /** A session lets its workspace go after this long without a lookup; default 60 s. */
  idleMs?: number;
  /**
   * The most rows one lookup reads in the server's process (people, a family, a class's members, enrollments, the
   * export's orgs, issues and rejected rows); a larger one goes to a job worker, under its heap budget. Default 50,000.
   */
  maxRows?: number;
}

/** Lookup sessions by customer, environment and settings. */
export class WorkspaceLookups {
  #sessions = new Map<string, Promise<LookupSession>>();
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
    try {
      const ask = async () =>
        (await Promise.race([this.#session(settings, env), deadline])).lookup(query, {
          signal: controller.signal,
          around,
        });
      // A session evicted between being handed out and asked is closed: the next one asked is new.
      const answer = ask().catch((e) => e instanceof LookupSessionClosed && !this.#closed ? ask() : Promise.reject(e));
      // Answered at the deadline; the lookup itself, if it already runs, ends on its own and is not awaited.
      answer.catch(() => {});
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
    await Promise.allSettled([...all.map(async (s) => (await s).close()), ...this.#closing]);
  }

  #session(settings: Settings, env: Environment): Promise<LookupSession> {
    // Settings changed on disk make a new session; the old one is closed when it is the least recently used.
    const key = JSON.stringify([settings.customer_id, env, settings]);
    let session = this.#sessions.get(key);
    if (session) {
      this.#sessions.delete(key);
      this.#sessions.set(key, session);
      return session;
    }
    const { dir, settingsDir, pool, idleMs } = this.options;
    session = pool.get(env).then((connection) =>
      openLookupSession({
        customerId: settings.customer_id,
        settingsDir,
        // Checked and loaded once, by authorize(): the session does not read the file again.
        loaded: { settings, file: join(settingsDir, `${settings.customer_id}.json`), warnings: [] },
        environment: env,
        connection,
        workspace: { dir, maxRows: this.options.maxRows ?? 50_000 },
        workspaceOnly: true,
        auditor: null,
        idleMs,
      })
    );
    const opened = session;
    this.#sessions.set(key, opened);
    opened.then(
      // Only a session that opened pushes the least recently used out: one that fails to open takes no one's place.
      () => this.#evict(),
      () => {
        if (this.#sessions.get(key) === opened) this.#sessions.delete(key);
      },
    );
    return opened;
  }

  #evict(): void {
    for (const [key, s] of this.#sessions) {
      if (this.#sessions.size <= (this.options.maxSessions ?? 32)) break;
      this.#sessions.delete(key);
      const closing = s.then((x) => x.close()).catch(() => {});
      this.#closing.add(closing);
      closing.finally(() => this.#closing.delete(closing));
    }
  }
}
