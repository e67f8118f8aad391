/**
 * The timeline of one person or class across recorded runs: in which run
 * each finding about them appeared and in which it cleared ("which night did
 * this student drop out?").
 */
import { aboutPerson } from "../report/person.ts";
import type { RecordedFinding } from "./record.ts";

/** A run, oldest first, with its findings about the subject. */
export interface SubjectRun {
  id: string;
  generatedAt: string;
  findings: readonly RecordedFinding[];
}

/** One stretch of runs in which a finding was open. */
export interface OpenSpan {
  /** generatedAt of the run it appeared in. */
  appeared: string;
  /** generatedAt of the first run without it; null while still open. */
  cleared: string | null;
}

/** One finding about the subject and when it was open. */
export interface TimelineEntry {
  key: string;
  code: string;
  severity: string;
  /** The message of its latest appearance. */
  message: string;
  spans: OpenSpan[];
}

/**
 * True when one of the finding's entity values is the subject (a sourcedId,
 * platform id, email, student number or class id; emails compared case-blind).
 *
 * @example
 * isAbout({ entity: { sourcedId: "stu-1" } }, "stu-1") // true
 */
export function isAbout(f: Pick<RecordedFinding, "entity">, subject: string): boolean {
  return aboutPerson(f, subject);
}

/**
 * Folds runs (oldest first) into open spans per finding key.
 *
 * @example
 * timeline(runs)[0].spans // [{ appeared: "2026-11-24T02:00:00Z", cleared: "2026-11-26T02:00:00Z" }]
 */
export function timeline(runs: readonly SubjectRun[]): TimelineEntry[] {
  const entries = new Map<string, TimelineEntry>();
  let previous = new Set<string>();
  for (const run of runs) {
    const now = new Set<string>();
    for (const f of run.findings) {
      now.add(f.key);
      let entry = entries.get(f.key);
      if (!entry) {
        entry = { key: f.key, code: f.code, severity: f.severity, message: f.message, spans: [] };
        entries.set(f.key, entry);
      }
      entry.message = f.message;
      entry.severity = f.severity;
      if (!previous.has(f.key)) entry.spans.push({ appeared: run.generatedAt, cleared: null });
    }
    for (const key of previous) {
      if (!now.has(key)) entries.get(key)!.spans.at(-1)!.cleared = run.generatedAt;
    }
    previous = now;
  }
  return [...entries.values()].sort((a, b) =>
    a.spans[0].appeared < b.spans[0].appeared
      ? -1
      : a.spans[0].appeared > b.spans[0].appeared
      ? 1
      : a.key < b.key
      ? -1
      : 1
  );
}
