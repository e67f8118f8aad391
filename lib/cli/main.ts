/** The one way every tool runs: errors printed (redacted), logged, mapped to exit codes. */
import { exitCodeFor, formatError } from "./errors.ts";
import { appLog } from "../log.ts";

/**
 * Runs a tool's main function and sets the exit code: its return value, or
 * 2 for usage and configuration errors, 1 for failures.
 *
 * @example
 * if (import.meta.main) await runMain("diagnose", main);
 */
export async function runMain(tool: string, main: (args: string[]) => Promise<number>): Promise<void> {
  const started = performance.now();
  try {
    Deno.exitCode = await main(Deno.args);
    await appLog("info", `${tool} finished`, {
      tool,
      exitCode: Deno.exitCode,
      ms: Math.round(performance.now() - started),
    });
  } catch (e) {
    const message = formatError(e, !!Deno.env.get("CDT_DEBUG"));
    Deno.stderr.writeSync(new TextEncoder().encode(message + "\n"));
    Deno.exitCode = exitCodeFor(e);
    await appLog(Deno.exitCode === 2 ? "warn" : "error", message, { tool, exitCode: Deno.exitCode });
  }
}
