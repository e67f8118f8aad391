/**
 * The last line of defence of a long-running server: an exception or a
 * rejection nobody handled is logged (redacted) and the server keeps serving.
 * Diagnoses and lookups run in job processes, so what reaches here is the server's
 * own plumbing (a socket reset, a stream torn down), after which it is safe to
 * go on; the requests concerned have already failed on their own.
 */
import { redact } from "../lib/credentials/redact.ts";

/** Where a caught crash is reported. */
export type CrashLog = (kind: "uncaught exception" | "unhandled rejection", message: string) => void;

/**
 * Installs the handlers; returns a function that removes them.
 *
 * @example
 * installCrashGuards((kind, message) => appLog("error", kind, { error: message }));
 */
export function installCrashGuards(log: CrashLog): () => void {
  const describe = (e: unknown) => redact(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  const onError = (event: ErrorEvent) => {
    event.preventDefault();
    log("uncaught exception", describe(event.error ?? event.message));
  };
  const onRejection = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    log("unhandled rejection", describe(event.reason));
  };
  globalThis.addEventListener("error", onError);
  globalThis.addEventListener("unhandledrejection", onRejection);
  return () => {
    globalThis.removeEventListener("error", onError);
    globalThis.removeEventListener("unhandledrejection", onRejection);
  };
}
