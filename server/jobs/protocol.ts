/**
 * What the server sends a job process and what comes back: plain JSON data
 * (a job process shares nothing with the server but these messages).
 */
import type { LoadedSettings } from "../../lib/settings/load.ts";
import type { Report, ToolName } from "../../lib/model/findings.ts";
import type { ErrorCode } from "../../lib/errors.ts";
import type { Resolved } from "../../lib/credentials/resolver.ts";
import type { Environment } from "../../lib/platform/connect.ts";
import type { LookupQuery, LookupResult } from "../../lib/app/lookup.ts";
import type { SearchIndex } from "../../lib/search.ts";

/** Where the job reads the platform: a URL resolved by the server (secrets and all) and a label for messages. */
export interface PlatformTarget {
  environment: Environment;
  url: string;
  /** The server as messages show it, never with a password. */
  server: string;
  statementTimeoutMs?: number;
}

interface JobBase {
  customerId: string;
  settingsDir: string;
  /** The customer's settings as the server loaded them (plain data, so it crosses to the job process). */
  loaded?: LoadedSettings;
  platform: PlatformTarget;
  /** Credentials the source names, resolved by the server. */
  credentials: Record<string, Resolved>;
}

/** A diagnosis or a lookup. */
export type Job =
  | JobBase & {
    kind: "diagnose";
    tools: readonly ToolName[];
    /** Record the run in the history these variables name (CDT_STATE_DATABASE_URL, CDT_HISTORY_DIR); absent: not recorded. */
    history?: Record<string, string>;
    /** Width of the charts in CSS pixels. */
    chartWidth?: number;
  }
  | JobBase & { kind: "lookup"; query: LookupQuery };

/** A diagnosis's report (with each finding's status when the history holds an earlier run), its charts (SVG markup) and its search index. */
export interface DiagnoseResult {
  kind: "diagnose";
  report: Report;
  charts: string[];
  /** The customer's people and classes, for the search box (built where the roster and the platform are in memory). */
  index: SearchIndex;
  /** What the history made of the run; absent when none is configured. */
  history?: { recorded: boolean; where: string; error?: string };
}

/** What a job answers. */
export type JobResult = DiagnoseResult | { kind: "lookup"; result: LookupResult };

/** Job process → server. */
export type JobMessage =
  | { type: "done"; result: JobResult }
  | { type: "failed"; code: ErrorCode; message: string };
