/**
 * A reviewable SQL script for the findings that have a mechanical fix:
 * relink a parent, soft-delete stale enrollments, move a student's campus.
 * One commented block per finding, inside BEGIN … ROLLBACK: running it
 * changes nothing until a person edits the last line to COMMIT. The tools
 * never run it.
 */
import type { Finding, Report } from "../model/findings.ts";
import { DetailsError, detailsOf } from "../model/details.ts";
import { printable, safeJson } from "../text.ts";

/** Codes this script can fix. */
export const FIXABLE_CODES = [
  "parent_link.mismatch",
  "transfer.parent_link_on_stale_record",
  "transfer.stale_enrollments",
  "transfer.campus_not_updated",
] as const;

/** The script and what it covers. */
export interface FixScript {
  sql: string;
  /** Findings with a block of statements. */
  fixed: Finding[];
  /** Fixable findings that lack what a mechanical fix needs (explained in the script). */
  skipped: Finding[];
}

// Values in statements are the report's numeric platform ids only, never text: nothing a district wrote
// can reach SQL but a comment. Text goes into `--` comments made printable: a line break in a value shows as
// `\n` and cannot end the comment; an escape sequence cannot hide a statement from the reviewer's terminal.
const id = (v: unknown): number => {
  if (typeof v !== "number" || !Number.isSafeInteger(v)) throw new Error(`not a platform id: ${safeJson(v)}`);
  return v;
};
const comment = (s: string) => printable(s).replace(/\*\//g, "* /");

const link = (parentId: number, studentId: number) =>
  `insert into parent_students (parent_id, student_id, origin, created_at) values (${id(parentId)}, ${
    id(studentId)
  }, 'roster', now())\n` +
  `  on conflict (parent_id, student_id) do update set deleted_at = null where parent_students.deleted_at is not null;`;
const unlink = (parentId: number, studentId: number) =>
  `update parent_students set deleted_at = now() where parent_id = ${id(parentId)} and student_id = ${
    id(studentId)
  } and deleted_at is null;`;

/**
 * Statements for one finding, or a reason why it has no mechanical fix.
 *
 * @example
 * statementsFor(finding) // ["update enrollments set deleted_at = now() …"]
 */
export function statementsFor(f: Finding): string[] | string {
  try {
    return fixFor(f);
  } catch (e) {
    // A report from another version, or edited by hand: that finding is skipped, the script goes on.
    if (e instanceof DetailsError) return `its details do not have this version's shape (${e.message})`;
    throw e;
  }
}

function fixFor(f: Finding): string[] | string {
  switch (f.code) {
    case "parent_link.mismatch": {
      const d = detailsOf(f, f.code);
      const parent = id(f.entity.parentPlatformId);
      const out = d.unexpected.filter((s) => s.platformId !== null).map((s) => unlink(parent, s.platformId!));
      for (const s of d.missing) if (s.platformId !== null) out.push(link(parent, s.platformId));
      const unfixable = d.missing.filter((s) => s.platformId === null).length;
      if (out.length === 0) {
        return `its ${unfixable} missing student(s) have no platform record yet: fix student.missing_in_platform first`;
      }
      return out;
    }
    case "transfer.parent_link_on_stale_record": {
      const d = detailsOf(f, f.code);
      const parent = id(f.entity.parentPlatformId);
      const active = d.activeRecords[0];
      if (!active) return "the finding names no active record to link";
      return [unlink(parent, id(f.entity.studentPlatformId)), link(parent, id(active.platformId))];
    }
    case "transfer.stale_enrollments": {
      const ids = detailsOf(f, f.code).classes.map((c) => id(c.platformId));
      return [
        `update enrollments set deleted_at = now(), updated_at = now()\n  where id in (${
          ids.join(", ")
        }) and student_id = ${id(f.entity.platformId)} and deleted_at is null;`,
      ];
    }
    case "transfer.campus_not_updated": {
      const d = detailsOf(f, f.code);
      const target = d.sourceSchool.platformId;
      if (target === null) {
        return `the platform has no active campus for ${d.sourceSchool.sourcedId}: fix campus.missing_in_platform first`;
      }
      const from = d.platformCampus?.platformId ?? null;
      return [
        `update students set campus_id = ${id(target)}, updated_at = now()\n  where id = ${
          id(f.entity.platformId)
        } and campus_id ${from === null ? "is null" : `= ${id(from)}`} and deleted_at is null;`,
      ];
    }
    default:
      return "no mechanical fix";
  }
}

/**
 * Renders the fix script for a report's fixable findings.
 *
 * @example
 * const { sql, fixed } = renderFixScript(report);
 * await Deno.writeTextFile("fix.sql", sql);
 */
export function renderFixScript(report: Report): FixScript {
  const fixed: Finding[] = [];
  const skipped: Finding[] = [];
  const blocks: string[] = [];
  // One statement, one place: a fix two findings share (a relink that a stale record and a mismatch both ask
  // for) is written once, and the later block says where.
  const written = new Map<string, number>();
  for (const f of report.findings) {
    if (!(FIXABLE_CODES as readonly string[]).includes(f.code)) continue;
    const statements = statementsFor(f);
    const n = blocks.length + 1;
    const head = `-- [${n}] ${comment(f.code)} ${comment(safeJson(f.entity))}\n-- ${comment(f.message)}\n`;
    if (typeof statements === "string") {
      skipped.push(f);
      blocks.push(`${head}-- not fixed here: ${comment(statements)}`);
      continue;
    }
    fixed.push(f);
    const lines = statements.map((st) => {
      const earlier = written.get(st);
      if (earlier !== undefined) return `-- (done in block [${earlier}])`;
      written.set(st, n);
      return st;
    });
    blocks.push(`${head}${lines.join("\n")}`);
  }
  const sql = [
    `-- Customer Data Tools fix script for ${comment(report.customer)} (${comment(report.environment)}), generated ${
      comment(report.generatedAt)
    }`,
    `-- ${fixed.length} finding(s) with a mechanical fix; ${skipped.length} fixable finding(s) need another fix first.`,
    "-- Review every block. This script ends in ROLLBACK and changes nothing until a person replaces",
    "-- the last line with COMMIT. Customer Data Tools never runs it.",
    "",
    "BEGIN;",
    "",
    ...blocks.flatMap((b) => [b, ""]),
    "ROLLBACK; -- change to COMMIT once reviewed",
    "",
  ].join("\n");
  return { sql, fixed, skipped };
}
