/** Progress lines on a terminal's stderr, rewritten in place. */
import type { DiagnoseProgress } from "../app/diagnose.ts";

/**
 * A progress callback that writes to `write` (stderr), or nothing when
 * stderr is not a terminal.
 *
 * @example
 * const onProgress = progressPrinter(Deno.stderr.isTerminal(), (s) => Deno.stderr.writeSync(encode(s)));
 */
export function progressPrinter(
  enabled: boolean,
  write: (text: string) => void,
): ((p: DiagnoseProgress) => void) | undefined {
  if (!enabled) return undefined;
  const started = performance.now();
  const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
  const lines = new Map<string, string>();
  return (p) => {
    let key: string;
    let text: string;
    if (p.stage === "source") {
      key = `source ${p.file}`;
      text = `source: ${p.file} ${p.rows.toLocaleString("en-US")} rows${p.done ? " ✓" : " …"}`;
    } else if (p.stage === "fetch") {
      key = `fetch ${p.endpoint}`;
      text = p.retry
        ? `fetch: ${p.endpoint}: ${p.retry}`
        : `fetch: ${p.endpoint} ${p.pages} pages, ${p.rows.toLocaleString("en-US")}${
          p.total !== undefined ? ` of ${p.total.toLocaleString("en-US")}` : ""
        } rows${p.done ? " ✓" : " …"}`;
    } else if (p.stage === "platform") {
      key = `platform ${p.table}`;
      text = `platform: ${p.table} ${p.rows.toLocaleString("en-US")} rows${p.done ? " ✓" : " …"}`;
    } else {
      key = `tool ${p.tool}`;
      text = `running ${p.tool}`;
    }
    const done = p.stage === "tool" || ("done" in p && p.done) || (p.stage === "fetch" && !!p.retry);
    if (lines.get(key) === text) return;
    lines.set(key, text);
    write(`\r\x1b[2K[${seconds()}s] ${text}${done ? "\n" : ""}`);
  };
}
