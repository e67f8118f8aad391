/** Plain-text renderings of the history for a terminal: a customer's runs, one subject's timeline. */
import type { RunSummary } from "./record.ts";
import type { TimelineEntry } from "./timeline.ts";

const pad = (s: string, n: number) => s.padEnd(n);
const num = (n: number | undefined) => (n === undefined ? "–" : String(n));
// Terminal output: control characters in recorded text never reach the terminal as such.
// deno-lint-ignore no-control-regex -- control characters are what is removed
const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ");

/**
 * A customer's runs, newest first, one line each.
 *
 * @example
 * console.log(renderRuns("demo-isd", await store.runs("demo-isd")));
 */
export function renderRuns(customer: string, runs: readonly RunSummary[]): string {
  if (!runs.length) return `No recorded runs of ${clean(customer)}.\n`;
  const out = [`Runs of ${clean(customer)} (newest first)`, ""];
  out.push(
    `  ${pad("generatedAt", 20)}  ${pad("env", 10)}  ${"errors".padStart(6)}  ${"warn".padStart(5)}  ${
      "new".padStart(5)
    }  ${"reop".padStart(4)}  ${"resolved".padStart(8)}  source / notices`,
  );
  for (const r of runs) {
    const notices = r.warnings.filter((w) => w === "source.sudden_drop" || w === "source.looks_incomplete");
    out.push(
      `  ${pad(r.generatedAt, 20)}  ${pad(clean(r.environment), 10)}  ${String(r.summary.error).padStart(6)}  ${
        String(r.summary.warning).padStart(5)
      }  ${num(r.delta?.new).padStart(5)}  ${num(r.delta?.reopened).padStart(4)}  ${
        num(r.delta?.resolved).padStart(8)
      }  ${clean(r.source.identity).slice(0, 23)}${notices.length ? `  ! ${notices.join(", ")}` : ""}`,
    );
  }
  return out.join("\n") + "\n";
}

/**
 * The timeline of one person or class: each finding about them and the runs it was open in.
 *
 * @example
 * console.log(renderTimeline("demo-isd", "stu-1042", timeline(await store.subjectRuns("demo-isd", "stu-1042")), 30));
 */
export function renderTimeline(
  customer: string,
  subject: string,
  entries: readonly TimelineEntry[],
  runCount: number,
): string {
  const head = `Findings about ${clean(subject)} in ${runCount} recorded run${runCount === 1 ? "" : "s"} of ${
    clean(customer)
  }`;
  if (!entries.length) return `${head}: none.\n`;
  const out = [head, ""];
  for (const e of entries) {
    out.push(`  ${e.code} (${e.severity})`);
    out.push(`    ${clean(e.message)}`);
    for (const s of e.spans) {
      out.push(`    appeared ${s.appeared}, ${s.cleared ? `cleared ${s.cleared}` : "still open"}`);
    }
  }
  return out.join("\n") + "\n";
}
