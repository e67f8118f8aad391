/**
 * The one import a notebook needs: the same API the tools use — settings,
 * read-only platform connections, roster sources, diagnostics, reports,
 * lookups, charts — plus display helpers.
 *
 * @example
 * import * as cdt from "./mod.ts";
 * const { report } = await cdt.diagnoseCustomer({ customerId: "demo-isd", settingsDir: cdt.settingsDir(undefined, {}), environment: "embedded" });
 */
export {
  DEFAULT_SETTINGS_DIR,
  listCustomerIds,
  loadSettings,
  resolveSettingsPath,
  settingsDir,
} from "./settings/load.ts";
export { openPlatform } from "./app/open-platform.ts";
export { readOnly, redactUrl } from "./platform/connect.ts";
export type { Environment, PlatformConnection } from "./platform/connect.ts";
export { readSnapshot } from "./platform/read.ts";
export type { PlatformSnapshot } from "./model/snapshot.ts";
export { readSource } from "./sources/mod.ts";
export type { Roster } from "./model/roster.ts";
// A roster's and a snapshot's enrollments: read them with `at(i)`, `length` and `for … of` (or `[...rows]` for an array).
export type { Rows } from "./model/rows.ts";
export { EnrollmentTable } from "./model/enrollment-table.ts";
export { PlatformEnrollmentTable } from "./model/platform-enrollment-table.ts";
export { PickedUsers, UserFields, UserTable } from "./model/user-table.ts";
export {
  ParentStudentTable,
  ParentTable,
  PlatformClassTable,
  readerOf,
  RecordTable,
  StudentTable,
  TeacherTable,
} from "./model/platform-tables.ts";
export { diagnoseCustomer } from "./app/diagnose.ts";
export { DEFAULT_TOOLS, runDiagnostics } from "./diagnostics/run.ts";
export { CODES } from "./model/findings.ts";
export type { Finding, Report } from "./model/findings.ts";
export { renderReport } from "./report/mod.ts";
export { renderFixScript, statementsFor } from "./report/fix-script.ts";
export { lookupPerson } from "./app/lookup.ts";
export { LookupSessionClosed, openLookupSession, WorkspaceCannotAnswer } from "./app/lookup-session.ts";
export type { LookupSession, LookupTurn } from "./app/lookup-session.ts";
export { openWorkspace, workspaceFile } from "./workspace/store.ts";
export type { StoredReport, Workspace } from "./workspace/store.ts";
export { buildWorkspace, workspaceStatus } from "./workspace/build.ts";
export { DEFAULT_WORKSPACE_DIR, workspaceDir } from "./workspace/use.ts";
export { renderLookup } from "./report/lookup.ts";
export {
  enrollmentGapsChart,
  findingsByCodeChart,
  findingsPerCampusChart,
  rosterSyncsChart,
  studentsPerCampus,
  studentsPerCampusChart,
} from "./charts.ts";
export { escapeHtml, html } from "./html.ts";
export { findingsTable, finished, rowsTable, show, summaryTable } from "./notebook.ts";
export { checkConnections } from "./app/checks.ts";
export { createResolver } from "./credentials/mod.ts";
export { createAuditor } from "./audit.ts";
export { demoDistrict } from "./demo/demo.ts";
export { ensureDemoExport } from "./demo/export.ts";
