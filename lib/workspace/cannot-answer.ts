/** Why a workspace does not answer a lookup, where only the workspace may (the server's process). */

/**
 * Why a workspace cannot answer a lookup: none is named or found, it holds no roster yet, its roster was read with
 * other settings, the export changed since, it could not be opened, or the lookup reaches more rows than allowed.
 */
export type NoWorkspaceReason = "none" | "empty" | "settings" | "changed" | "unavailable" | "large";

/**
 * A lookup a workspace does not answer where only the workspace may answer (the server's process): the reason, and a
 * message that says why.
 *
 * @example
 * try { await session.lookup(q) } catch (e) { if (e instanceof WorkspaceCannotAnswer) e.reason }
 */
export class WorkspaceCannotAnswer extends Error {
  override name = "WorkspaceCannotAnswer";
  constructor(readonly reason: NoWorkspaceReason, message: string) {
    super(message);
  }
}
