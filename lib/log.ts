/**
 * The application log (logs/app.log, or CDT_APP_LOG): JSON lines with a
 * level, never a secret (every line is redacted).
 */
import { join } from "node:path";
import { appendLine, LOGS_DIR } from "./audit.ts";
import { redact } from "./credentials/redact.ts";

/** Log levels, least severe first. */
export type Level = "debug" | "info" | "warn" | "error";

/**
 * Appends one line to the application log.
 *
 * @example
 * await appLog("error", "diagnose failed", { customer: "lincoln-usd", error: e.message });
 */
export async function appLog(level: Level, message: string, fields: Record<string, unknown> = {}): Promise<void> {
  try {
    const path = Deno.env.get("CDT_APP_LOG") ?? join(LOGS_DIR, "app.log");
    await appendLine(path, redact(JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })));
  } catch {
    // A log that cannot be written must never stop the work it records.
  }
}
