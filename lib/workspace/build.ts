/**
 * Builds or refreshes a customer's workspace without running a diagnosis:
 * the roster (read again only when the export changed, or on refresh) and
 * the platform snapshot (read-only, as every read of the platform).
 */
import type { Environment } from "../platform/connect.ts";
import { explainDatabaseError } from "../platform/connect.ts";
import { openPlatform } from "../app/open-platform.ts";
import { readSnapshot } from "../platform/read.ts";
import { loadSettings, requireEmbeddedExport, resolveSettingsPath } from "../settings/load.ts";
import { readSource } from "../sources/mod.ts";
import { createResolver } from "../credentials/mod.ts";
import { exportStamp } from "./hash.ts";
import { openWorkspace, type PlatformState, type RosterState } from "./store.ts";
import { rosterIdentity, rosterIsCurrent, rosterViaWorkspace, sourcePathOf } from "./use.ts";

/** Options of {@link buildWorkspace}. */
export interface BuildOptions {
  customerId: string;
  settingsDir: string;
  dir: string;
  environment?: Environment;
  env?: Record<string, string | undefined>;
  /** Read the export again even when unchanged. */
  refresh?: boolean;
  /** Also read and store the platform snapshot; default true. */
  platform?: boolean;
}

/** What a build did. */
export interface BuildResult {
  path: string;
  roster: RosterState;
  rosterReused: boolean;
  platform?: PlatformState;
  seconds: { roster: number; platform: number };
}

/**
 * Builds (or brings up to date) one customer's workspace.
 *
 * @example
 * const built = await buildWorkspace({ customerId: "demo-isd", settingsDir, dir: "workspace", environment: "embedded" });
 */
export async function buildWorkspace(options: BuildOptions): Promise<BuildResult> {
  const loaded = await loadSettings(options.settingsDir, options.customerId);
  const source = loaded.settings.source;
  const environment = options.environment ?? loaded.settings.oneshelf_environment;
  const resolver = await createResolver(options.env ?? {});
  const ws = await openWorkspace(options.dir, loaded.settings.customer_id, { write: true });
  try {
    let t = performance.now();
    await requireEmbeddedExport(loaded);
    const path = sourcePathOf(source, (p) => resolveSettingsPath(loaded, p));
    const identity = await rosterIdentity(source, path, false);
    // Up to date already: nothing to read.
    const reused = await rosterIsCurrent(ws, identity, !!options.refresh);
    if (!reused) {
      await rosterViaWorkspace(
        ws,
        identity,
        true,
        () => readSource(source, { resolvePath: (p) => resolveSettingsPath(loaded, p), env: options.env, resolver }),
      );
    }
    const rosterSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    let platform: PlatformState | undefined;
    if (options.platform !== false) {
      const conn = await openPlatform(environment, { env: options.env, resolver, applicationName: "cdt workspace" });
      try {
        const readAt = new Date();
        const snapshot = await readSnapshot(conn, loaded.settings.customer_id).catch((e) => {
          throw explainDatabaseError(e, conn);
        });
        platform = await ws.savePlatform(snapshot, { readAt, environment });
      } finally {
        await conn.close();
      }
    }
    return {
      path: ws.path,
      roster: (await ws.rosterState())!,
      rosterReused: reused,
      platform,
      seconds: { roster: rosterSeconds, platform: (performance.now() - t) / 1000 },
    };
  } finally {
    ws.close();
  }
}

/** A workspace's state, for `deno task workspace status`. */
export interface WorkspaceStatus {
  path: string;
  bytes: number;
  roster: RosterState | null;
  /** Whether the export's files are still the ones the roster was read from (null: a network source). */
  exportUnchanged: boolean | null;
  platform: PlatformState | null;
  reports: number;
}

/**
 * Describes a customer's workspace without changing it.
 *
 * @example
 * const status = await workspaceStatus({ customerId: "demo-isd", settingsDir, dir: "workspace" });
 */
export async function workspaceStatus(
  options: { customerId: string; settingsDir: string; dir: string },
): Promise<WorkspaceStatus> {
  const loaded = await loadSettings(options.settingsDir, options.customerId);
  const ws = await openWorkspace(options.dir, loaded.settings.customer_id);
  try {
    const roster = await ws.rosterState();
    const path = sourcePathOf(loaded.settings.source, (p) => resolveSettingsPath(loaded, p));
    const stamp = path === undefined ? null : await exportStamp(path).catch(() => "");
    const [{ n }] = await ws.sql(`select count(*) as n from reports`);
    return {
      path: ws.path,
      bytes: (await Deno.stat(ws.path)).size,
      roster,
      exportUnchanged: roster && stamp !== null ? roster.stamp === stamp : null,
      platform: await ws.platformState(),
      reports: Number(n),
    };
  } finally {
    ws.close();
  }
}
