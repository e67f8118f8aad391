/**
 * How diagnose, lookup and the workspace tool use a workspace: decide whether
 * the stored roster still stands for the export, rebuild what changed, reuse
 * the stored platform snapshot when `--cached` asks for it (and say how old
 * it is), and choose the workspace folder.
 */
import { VERSION } from "../version.ts";
import { createHash } from "node:crypto";
import type { Roster } from "../model/roster.ts";
import type { PlatformSnapshot } from "../model/snapshot.ts";
import type { Notice } from "../model/findings.ts";
import type { SourceSettings } from "../settings/schema.ts";
import { type LoadedSettings, resolveSettingsPath } from "../settings/load.ts";
import { CodedError, errorCode } from "../errors.ts";
import type { LookupSource } from "../app/lookup.ts";
import { exportIdentity, exportStamp } from "./hash.ts";
import { openWorkspace, type RosterIdentity, type Workspace, WORKSPACE_FORMAT } from "./store.ts";
import { workspaceLookupSource } from "./slice.ts";
import type { NoWorkspaceReason } from "./cannot-answer.ts";

/** The default workspace folder, relative to the working directory (gitignored). */
export const DEFAULT_WORKSPACE_DIR = "workspace";

/** How a run uses the workspace. */
export interface WorkspaceUse {
  dir: string;
  /** Re-read the source and the platform even when the stored roster still matches the export. */
  refresh?: boolean;
  /** Do not read the platform: compare with the stored snapshot (the report says how old it is). */
  cached?: boolean;
}

/** What the workspace did in one run, for the shells to print. */
export interface WorkspaceOutcome {
  path: string;
  /** `current`: the workspace held this export's roster already (not stored again); `built`: it was read and stored. */
  roster: "current" | "built";
  contentHash: string | null;
  /** `cached`: the stored snapshot stood in for the platform; `stored`: the platform was read and stored. */
  platform?: "cached" | "stored";
  platformReadAt?: string;
}

/**
 * The workspace folder: `--workspace DIR`, else CDT_WORKSPACE_DIR, else
 * `workspace/` when that folder exists; undefined means no workspace.
 *
 * @example
 * workspaceDir(undefined, { CDT_WORKSPACE_DIR: "/data/cdt" }) // "/data/cdt"
 */
export async function workspaceDir(
  flag: string | undefined,
  env: Record<string, string | undefined>,
): Promise<string | undefined> {
  if (flag) return flag;
  if (env.CDT_WORKSPACE_DIR) return env.CDT_WORKSPACE_DIR;
  try {
    return (await Deno.stat(DEFAULT_WORKSPACE_DIR)).isDirectory ? DEFAULT_WORKSPACE_DIR : undefined;
  } catch {
    return undefined;
  }
}

/** The export path a file-based source reads; undefined for a source read over the network. */
export function sourcePathOf(source: SourceSettings, resolve: (p: string) => string): string | undefined {
  return source.kind === "oneroster-csv" || source.kind === "custom-csv" ? resolve(source.path) : undefined;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** What, besides the bytes, shapes the parsed roster: the source settings and the read mode. */
function settingsKey(source: SourceSettings, path: string | undefined, tolerateMissing: boolean): string {
  // The tools' version too: a reader fix must not be hidden behind a roster an older reader parsed.
  return sha256(JSON.stringify({ format: WORKSPACE_FORMAT, reader: VERSION, source, path, tolerateMissing }));
}

/**
 * What a roster read now would be stored under: the export's content hash
 * with the settings (a network source gets a key of its read time, so it is
 * always read again).
 *
 * @example
 * const id = await rosterIdentity({ kind: "oneroster-csv", path: "x.zip" }, "/data/x.zip", false);
 */
export async function rosterIdentity(
  source: SourceSettings,
  path: string | undefined,
  tolerateMissing: boolean,
): Promise<RosterIdentity> {
  const settings = settingsKey(source, path, tolerateMissing);
  if (path === undefined) return { key: `read:${new Date().toISOString()}`, settings, contentHash: null, stamp: null };
  const { contentHash, stamp } = await exportIdentity(path);
  return { key: `sha256:${sha256(settings + contentHash)}`, settings, contentHash, stamp };
}

/** Whether the workspace holds the roster read from the same bytes with the same settings (and no refresh is asked). */
export async function rosterIsCurrent(ws: Workspace, identity: RosterIdentity, refresh: boolean): Promise<boolean> {
  if (refresh || identity.contentHash === null) return false;
  return (await ws.rosterState())?.key === identity.key;
}

/**
 * The roster through the workspace: always read by `read()` (the project's
 * reader), and stored unless the workspace holds it already
 * (rosterIsCurrent). A stored roster is for lookups, notebooks and `--cached`;
 * a whole diagnosis parses the export again, which is faster than the
 * workspace gives a whole roster back: 1.1 s against 1.4 s at 50,000
 * students, 4.8 s against 5.9 s (and 2 GB of memory) at 200,000 (measured,
 * this machine).
 *
 * @example
 * const { roster, current } = await rosterViaWorkspace(ws, identity, false, () => readSource(source));
 */
export async function rosterViaWorkspace(
  ws: Workspace,
  identity: RosterIdentity,
  refresh: boolean,
  read: () => Promise<Roster>,
): Promise<{ roster: Roster; current: boolean }> {
  const current = await rosterIsCurrent(ws, identity, refresh);
  const readAt = new Date();
  const roster = await read();
  if (!current) await ws.saveRoster(roster, identity, readAt);
  return { roster, current };
}

/**
 * The stored platform snapshot for `--cached`, and the notice that leads the
 * report with its age.
 *
 * @example
 * const { snapshot, notice } = await cachedPlatform(ws, "production", new Date());
 */
export async function cachedPlatform(
  ws: Workspace,
  environment: string,
  now: Date,
): Promise<{ snapshot: PlatformSnapshot; notice: Notice; readAt: string }> {
  const state = await ws.platformState();
  if (!state) {
    throw new CodedError(
      "not_found",
      `--cached: ${ws.path} holds no platform snapshot yet; run once without --cached to read and store it`,
    );
  }
  if (state.environment !== environment) {
    throw new CodedError(
      "usage",
      `--cached: the stored snapshot in ${ws.path} is of ${state.environment}, not ${environment}; run without --cached`,
    );
  }
  const ageSeconds = Math.max(0, Math.round((now.getTime() - Date.parse(state.readAt)) / 1000));
  return {
    snapshot: await ws.loadPlatform(),
    readAt: state.readAt,
    notice: {
      code: "platform.cached_snapshot",
      severity: "warning",
      message: `The platform was not read for this report: it compares with the snapshot read at ${state.readAt} ` +
        `(${formatAge(ageSeconds)} ago), stored in ${ws.path}. Run without --cached to read the platform now.`,
      details: { readAt: state.readAt, ageSeconds, workspace: ws.path },
    },
  };
}

/**
 * An age for people: "45 s", "12 min", "3 h 5 min", "2 d 4 h".
 *
 * @example
 * formatAge(3900) // "1 h 5 min"
 */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export { type NoWorkspaceReason, WorkspaceCannotAnswer } from "./cannot-answer.ts";

/** The roster side of a lookup from a workspace, or why it comes from the export instead. */
export interface LookupWorkspace {
  source?: LookupSource;
  readAt?: string;
  note?: string;
  /** Set when `source` is not: why the workspace cannot answer. */
  reason?: NoWorkspaceReason;
  /** Whether the export is still as it was when this workspace was opened (a held workspace checks before each lookup). */
  current(): Promise<boolean>;
  close(): void;
}

/**
 * Opens the workspace a lookup may answer from: only when it holds a roster
 * read with the customer's current settings from the export as it is now
 * (same file names, sizes and times); with `refresh`, the roster is rebuilt
 * first when the export's content changed.
 *
 * @example
 * const ws = await openLookupWorkspace({ workspace: { dir: "workspace" } }, loaded);
 */
export async function openLookupWorkspace(
  options: {
    workspace?: {
      dir: string;
      refresh?: boolean;
      /**
       * The most rows one lookup may read from the workspace (people matched, a family, a class's members, the
       * export's issues and rejected rows); past it the lookup rejects with {@link WorkspaceCannotAnswer} `large`.
       */
      maxRows?: number;
      /** DuckDB's memory for the file (see `OpenWorkspaceOptions.memoryLimit`); the server's sessions set a small one. */
      memoryLimit?: string;
    };
    sourcePath?: string;
    env?: Record<string, string | undefined>;
  },
  loaded: LoadedSettings,
): Promise<LookupWorkspace> {
  const none = (reason: NoWorkspaceReason, note?: string): LookupWorkspace => ({
    note,
    reason,
    current: () => Promise.resolve(false),
    close() {},
  });
  // An export named on the command line is read as it is.
  if (!options.workspace || options.sourcePath) return none("none");
  const { dir } = options.workspace;
  const customerId = loaded.settings.customer_id;
  const source = loaded.settings.source;
  const path = sourcePathOf(source, (p) => resolveSettingsPath(loaded, p));
  if (options.workspace.refresh) {
    const { readSource } = await import("../sources/mod.ts");
    const ws = await openWorkspace(dir, customerId, { write: true });
    try {
      await rosterViaWorkspace(
        ws,
        await rosterIdentity(source, path, false),
        true,
        () => readSource(source, { resolvePath: (p) => resolveSettingsPath(loaded, p), env: options.env }),
      );
    } finally {
      ws.close();
    }
  }
  let ws: Workspace;
  try {
    ws = await openWorkspace(dir, customerId, { waitMs: 2_000, memoryLimit: options.workspace.memoryLimit });
  } catch (e) {
    const code = errorCode(e);
    if (code === "not_found") return none("none");
    return none("unavailable", `the workspace could not be opened (${(e as Error).message}); read the export instead`);
  }
  try {
    const state = await ws.rosterState();
    let note: string | undefined;
    let reason: NoWorkspaceReason = "empty";
    if (!state) note = "the workspace holds no roster yet; read the export instead";
    else if (state.settings !== settingsKey(source, path, false)) {
      reason = "settings";
      note = "the workspace's roster was read with other settings or for roster-check; read the export instead";
    } else if (path !== undefined && await exportStamp(path).catch(() => null) !== state.stamp) {
      reason = "changed";
      note =
        "the export changed since the workspace was built (run diagnose, or lookup --refresh); read the export instead";
    }
    if (note || !state) {
      ws.close();
      return none(reason, note);
    }
    return {
      source: workspaceLookupSource(ws, state, options.workspace.maxRows),
      readAt: state.readAt,
      current: async () => path === undefined || await exportStamp(path).catch(() => null) === state.stamp,
      close: () => ws.close(),
    };
  } catch (e) {
    ws.close();
    throw e;
  }
}

/** A platform snapshot just read, to store. */
export interface PlatformRead {
  snapshot: PlatformSnapshot;
  environment: string;
  readAt: Date;
}

/** The workspace as one diagnosis uses it. */
export interface DiagnoseWorkspace {
  readonly use: WorkspaceUse;
  /** What the workspace did; absent when it could not be used (see `notice`). */
  readonly outcome?: WorkspaceOutcome;
  /** Why the workspace could not be used or saved; the report carries it. */
  readonly notices: Notice[];
  /** The roster: stored, or read by `read` and stored. */
  roster(read: () => Promise<Roster>): Promise<Roster>;
  /** The stored snapshot for `--cached`, with the notice that gives its age. */
  cachedPlatform(environment: string, now: Date): ReturnType<typeof cachedPlatform>;
  /** Stores what the run read from the platform (unless it was cached) and the report. */
  finish(report: import("../model/findings.ts").Report, platform?: PlatformRead): Promise<void>;
  close(): void;
}

/**
 * Opens the customer's workspace for one diagnosis. A workspace that cannot
 * be opened (another process holds it, DuckDB cannot load) does not stop the
 * diagnosis, which then reads the source as without a workspace and says so
 * in the report; only `--cached`, which cannot work without it, fails.
 *
 * @example
 * const ws = await openDiagnoseWorkspace({ dir: "workspace" }, loaded, loaded.settings.source, undefined, false);
 */
export async function openDiagnoseWorkspace(
  use: WorkspaceUse,
  loaded: LoadedSettings,
  source: SourceSettings,
  sourcePath: string | undefined,
  tolerateMissing: boolean,
): Promise<DiagnoseWorkspace> {
  const notices: Notice[] = [];
  let ws: Workspace | undefined;
  try {
    ws = await openWorkspace(use.dir, loaded.settings.customer_id, { write: true });
  } catch (e) {
    if (use.cached) throw e;
    notices.push({
      code: "workspace.unavailable",
      severity: "warning",
      message: `The workspace was not used: ${(e as Error).message}`,
      details: { dir: use.dir },
    });
  }
  const path = sourcePathOf(source, (p) => sourcePath ? p : resolveSettingsPath(loaded, p));
  const outcome: WorkspaceOutcome | undefined = ws ? { path: ws.path, roster: "built", contentHash: null } : undefined;
  return {
    use,
    outcome,
    notices,
    async roster(read) {
      if (!ws) return await read();
      const identity = await rosterIdentity(source, path, tolerateMissing);
      const { roster, current } = await rosterViaWorkspace(ws, identity, !!use.refresh, read);
      outcome!.roster = current ? "current" : "built";
      outcome!.contentHash = identity.contentHash;
      return roster;
    },
    async cachedPlatform(environment, now) {
      const cached = await cachedPlatform(ws!, environment, now);
      outcome!.platform = "cached";
      outcome!.platformReadAt = cached.readAt;
      return cached;
    },
    async finish(report, platform) {
      if (!ws) {
        report.warnings.unshift(...notices);
        return;
      }
      try {
        if (platform) {
          await ws.savePlatform(platform.snapshot, { readAt: platform.readAt, environment: platform.environment });
          outcome!.platform = "stored";
          outcome!.platformReadAt = platform.readAt.toISOString();
        }
        await ws.saveReport(report);
      } catch (e) {
        // The report stands without the workspace: losing a cache must not lose the diagnosis.
        report.warnings.unshift({
          code: "workspace.not_saved",
          severity: "warning",
          message: `The workspace ${ws.path} could not store this run: ${(e as Error).message}`,
          details: { workspace: ws.path },
        });
      }
    },
    close() {
      ws?.close();
    },
  };
}

/** The workspace flags every tool takes. */
export interface WorkspaceFlags {
  workspace?: string;
  "no-workspace"?: boolean;
  refresh?: boolean;
  cached?: boolean;
}

/**
 * The workspace a command line asks for: `--workspace DIR`, CDT_WORKSPACE_DIR,
 * or an existing `workspace/`; `--refresh` and `--cached` imply one (the
 * default folder); `--no-workspace` turns it off.
 *
 * @example
 * await workspaceFromFlags({ cached: true }, {}) // { dir: "workspace", refresh: false, cached: true }
 */
export async function workspaceFromFlags(
  flags: WorkspaceFlags,
  env: Record<string, string | undefined>,
): Promise<WorkspaceUse | undefined> {
  if (flags["no-workspace"]) {
    if (flags.workspace || flags.refresh || flags.cached) {
      throw new CodedError("usage", "--no-workspace cannot go with --workspace, --refresh or --cached");
    }
    return undefined;
  }
  const dir = await workspaceDir(flags.workspace, env) ??
    (flags.refresh || flags.cached ? DEFAULT_WORKSPACE_DIR : undefined);
  return dir === undefined ? undefined : { dir, refresh: !!flags.refresh, cached: !!flags.cached };
}

/**
 * One line for stderr on what the workspace did.
 *
 * @example
 * describeOutcome({ path: "workspace/demo-isd.duckdb", roster: "current", contentHash: "sha256:ab…", platform: "stored" })
 */
export function describeOutcome(outcome: WorkspaceOutcome, now = new Date()): string {
  const roster = outcome.roster === "current"
    ? `stored roster current (export ${outcome.contentHash?.slice(0, 19)}… unchanged)`
    : "roster read and stored";
  const platform = outcome.platform === "cached"
    ? `platform NOT read: snapshot of ${outcome.platformReadAt} (${
      formatAge(Math.max(0, Math.round((now.getTime() - Date.parse(outcome.platformReadAt!)) / 1000)))
    } old)`
    : outcome.platform === "stored"
    ? "platform read and stored"
    : "";
  return `workspace ${outcome.path}: ${roster}${platform ? `; ${platform}` : ""}`;
}
