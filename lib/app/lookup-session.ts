/**
 * A lookup session: many lookups for one customer over what stays open
 * between them (the settings, the platform connection and the workspace), as
 * a notebook or a support engineer's run of questions asks them. One lookup
 * alone is {@link lookupPerson}; a session saves what each of those opens and
 * closes again (the workspace file, the connection, the embedded database).
 */
import type { Environment, PlatformConnection } from "../platform/connect.ts";
import { openPlatform } from "./open-platform.ts";
import { type LoadedSettings, loadSettings } from "../settings/load.ts";
import { createAuditor } from "../audit.ts";
import { type LookupWorkspace, openLookupWorkspace, WorkspaceCannotAnswer } from "../workspace/use.ts";
import { type LookupOptions, LookupQuery, type LookupResult, lookupWith } from "./lookup.ts";

export { WorkspaceCannotAnswer };

/** Options of {@link openLookupSession}: those of a lookup, without the query. */
export interface LookupSessionOptions extends Omit<LookupOptions, "query"> {
  /**
   * Close the workspace after this long without a lookup (it is opened again
   * on the next one), so that a diagnosis elsewhere can store into it;
   * default 60 s. DuckDB lets readers or one writer hold the file.
   */
  idleMs?: number;
  /**
   * Even while lookups keep coming, let the workspace go once it has been held this long, and wait
   * {@link RELEASE_MS} before the next lookup opens it again, so that a diagnosis waiting to store into it (it waits
   * 10 s, asking every 100 ms) gets its turn; default: never. The server sets it.
   */
  maxHoldMs?: number;
}

/** How long a session that let its workspace go after `maxHoldMs` waits before opening it again. */
export const RELEASE_MS = 300;

/** A lookup asked of a session after its close(). */
export class LookupSessionClosed extends Error {
  override name = "LookupSessionClosed";
}

/** How one lookup of a session runs. */
export interface LookupTurn {
  /** A lookup aborted before its turn comes is not run; it rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Wraps the lookup when its turn comes (the server takes a slot of its job queue there, not while waiting). */
  around?: <T>(run: () => Promise<T>) => Promise<T>;
}

/** Lookups over one customer's open settings, connection and workspace. */
export interface LookupSession {
  readonly customerId: string;
  readonly environment: Environment;
  /** One lookup, the same result as {@link lookupPerson} gives. */
  lookup(query: LookupQuery, turn?: LookupTurn): Promise<LookupResult>;
  /** Closes the workspace and the connection the session opened (a connection passed in stays open). */
  close(): Promise<void>;
}

/**
 * Opens a lookup session. The workspace is used while it holds the export as
 * it is now: before each lookup the export's file names, sizes and times are
 * compared with the stored roster's, and a changed export is read directly
 * (the result's `rosterFrom` says which, and why).
 *
 * @example
 * const session = await openLookupSession({ customerId: "demo-isd", settingsDir, workspace: { dir: "workspace" } });
 * try {
 *   const student = await session.lookup({ kind: "student", key: "stu-1001" });
 *   const parent = await session.lookup({ kind: "parent", key: "rosa.ruiz@example.org" });
 * } finally {
 *   await session.close();
 * }
 */
export async function openLookupSession(options: LookupSessionOptions): Promise<LookupSession> {
  const loaded: LoadedSettings = options.loaded ?? await loadSettings(options.settingsDir, options.customerId);
  const auditor = options.auditor === undefined ? await createAuditor(options.env ?? {}) : options.auditor;
  const environment = options.environment ?? loaded.settings.oneshelf_environment;
  const idleMs = options.idleMs ?? 60_000;
  let connection: Promise<PlatformConnection> | undefined;
  let ws: LookupWorkspace | undefined;
  let refresh = options.workspace?.refresh;
  // Lookups run one after another: one may reopen the workspace that another would still be reading.
  let tail: Promise<unknown> = Promise.resolve();
  let idle: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  let heldSince = 0;
  const closeWorkspace = () => {
    ws?.close();
    ws = undefined;
  };
  const workspace = async (): Promise<LookupWorkspace> => {
    if (ws?.source && options.maxHoldMs !== undefined && performance.now() - heldSince > options.maxHoldMs) {
      // Held long enough: a writer waiting for the file gets a moment to take it.
      closeWorkspace();
      await new Promise((r) => setTimeout(r, RELEASE_MS));
    }
    if (ws && await ws.current()) return ws;
    closeWorkspace();
    // --refresh rebuilds once, for the session's first lookup that gets that far; later ones use what it built.
    const workspace = options.workspace && { ...options.workspace, refresh };
    ws = await openLookupWorkspace({ ...options, workspace }, loaded);
    heldSince = performance.now();
    refresh = false;
    return ws;
  };
  const platform = () =>
    options.connection ? Promise.resolve(options.connection) : connection ??= openPlatform(environment, {
      env: options.env,
      applicationName: "cdt lookup",
    }).catch((e) => {
      // A connection that failed to open is tried again by the next lookup.
      connection = undefined;
      throw e;
    });

  return {
    customerId: loaded.settings.customer_id,
    environment,
    async lookup(query, turn = {}) {
      if (closed) throw new LookupSessionClosed("this lookup session is closed");
      const parsed = LookupQuery.parse(query);
      const around = turn.around ?? ((run) => run());
      const run = tail.then(() => {
        turn.signal?.throwIfAborted();
        return around(async () => {
          turn.signal?.throwIfAborted();
          clearTimeout(idle);
          try {
            const held = await workspace();
            if (options.workspaceOnly && !held.source) {
              throw new WorkspaceCannotAnswer(
                held.reason ?? "none",
                held.note ?? "no workspace holds this customer's roster",
              );
            }
            let damaged = false;
            try {
              return await lookupWith(
                { ...options, query: parsed, environment, auditor, connection: await platform() },
                loaded,
                held,
                (e) => damaged = e.reason === "unavailable",
              );
            } catch (e) {
              damaged ||= e instanceof WorkspaceCannotAnswer && e.reason === "unavailable";
              throw e;
            } finally {
              // A workspace that failed under the lookup is let go: the next lookup opens it afresh.
              if (damaged) closeWorkspace();
            }
          } finally {
            if (!closed) {
              const timer = setTimeout(closeWorkspace, idleMs);
              // A held workspace must not keep a notebook's or a script's process alive.
              Deno.unrefTimer(timer);
              idle = timer;
            }
          }
        });
      });
      tail = run.catch(() => {});
      return await run;
    },
    async close() {
      closed = true;
      await tail;
      clearTimeout(idle);
      closeWorkspace();
      const opened = connection;
      connection = undefined;
      if (opened) await (await opened.catch(() => undefined))?.close();
    },
  };
}
