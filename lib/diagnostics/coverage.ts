/**
 * Notices about the run as a whole, which lead the report: an export that
 * looks truncated (a half-written file reads as a mass withdrawal), files
 * that are deltas or absent, rows the reader could not read.
 */
import { type DiagnosticContext, diagnosticContext } from "./context.ts";
import { ENTITY_FILES, fileMode, isActiveInSource, type Roster } from "../model/roster.ts";
import type { PlatformSnapshot } from "../model/snapshot.ts";
import { UserFields } from "../model/user-table.ts";
import { readerOf } from "../model/platform-tables.ts";
import type { Rows } from "../model/rows.ts";
import type { Notice } from "../model/findings.ts";

/** Below this many active platform records a group is too small to judge. */
const MIN_GROUP = 20;
/** Above this share of platform records absent from the source, the export looks incomplete. */
const ABSENT_SHARE = 0.5;

/**
 * Notices for the report's head.
 *
 * @example
 * coverageNotices(roster, platform)[0].code // "source.looks_incomplete"
 */
export function coverageNotices(
  roster: Roster,
  platform: PlatformSnapshot,
  ctx: DiagnosticContext = diagnosticContext(roster, platform),
): Notice[] {
  const notices: Notice[] = [];
  const source = ctx.source;
  const plat = ctx.plat;

  // A district the platform holds nothing for: one opening line, not thousands of errors read one by one.
  const active = (rows: Rows<{ deletedAt: string | null }>) => rows.some((r) => r.deletedAt === null);
  const users = new UserFields(roster.users);
  let sourceStudents = 0;
  for (let i = 0; i < users.length; i++) if (users.role(i) === "student" && users.active(i)) sourceStudents++;
  if (
    sourceStudents > 0 && !active(platform.campuses) && !active(platform.students) && !active(platform.teachers) &&
    !active(platform.classes)
  ) {
    notices.push({
      code: "platform.empty_district",
      severity: "warning",
      message: `The platform holds nothing for ${platform.district.name} (${platform.district.slug}): no active ` +
        `campus, student, teacher or class, while the roster has ${sourceStudents.toLocaleString("en-US")} active ` +
        `student${sourceStudents === 1 ? "" : "s"}. Every roster record below is reported missing for that one ` +
        `reason: run the district's first roster sync, or check --customer and --env.`,
      details: { district: platform.district.slug, sourceStudents },
    });
  }

  const incomplete: Array<{ scope: string; absent: number; total: number }> = [];
  /** Counts the active, rostered rows among `rows` (those at `indices` when given) and those `present` lacks. */
  const check = <R extends { sourceId: string | null; deletedAt: string | null }>(
    scope: string,
    rows: Rows<R>,
    present: (i: number, sourceId: string) => boolean,
    indices?: readonly number[],
  ) => {
    let total = 0;
    let absent = 0;
    const n = indices ? indices.length : rows.length;
    // Read field by field: no row made.
    const deletedAt = readerOf(rows, "deletedAt");
    const sourceIdAt = readerOf(rows, "sourceId");
    for (let k = 0; k < n; k++) {
      const i = indices ? indices[k] : k;
      const sourceId = sourceIdAt(i);
      if (deletedAt(i) !== null || sourceId === null) continue;
      total++;
      if (!present(i, sourceId)) absent++;
    }
    if (total >= MIN_GROUP && absent / total > ABSENT_SHARE) incomplete.push({ scope, absent, total });
  };
  if (fileMode(roster, "users") === "bulk") {
    // Each platform person's active source user, joined once per run (people.ts), by the context's rows.
    const students = ctx.platform.students;
    const sourceStudent = ctx.people.sourceStudent;
    const sourceTeacher = ctx.people.sourceTeacher;
    check("students", students, (i) => sourceStudent[i] !== -1);
    check("teachers", ctx.platform.teachers, (i) => sourceTeacher[i] !== -1);
    const byCampus = new Map<number, number[]>();
    const campusOf = readerOf(students, "campusId");
    for (let i = 0; i < students.length; i++) {
      const campusId = campusOf(i);
      if (campusId === null) continue;
      const list = byCampus.get(campusId);
      if (list) list.push(i);
      else byCampus.set(campusId, [i]);
    }
    for (const [campusId, indices] of byCampus) {
      check(
        `students of ${plat.campusById.get(campusId)?.name ?? `campus ${campusId}`}`,
        students,
        (i) => sourceStudent[i] !== -1,
        indices,
      );
    }
  }
  if (fileMode(roster, "classes") === "bulk") {
    check("classes", platform.classes, (_, id) => {
      const c = source.classes.get(id);
      return !!c && isActiveInSource(c);
    });
  }
  if (incomplete.length) {
    notices.push({
      code: "source.looks_incomplete",
      severity: "warning",
      message: `The export looks incomplete: ${
        incomplete.map((i) => `${i.absent} of ${i.total} active platform ${i.scope} are absent from it`).join("; ")
      }. A truncated or partial export reads as mass withdrawals: check the export before acting on not_in_source findings.`,
      details: { groups: incomplete },
    });
  }

  for (const file of ENTITY_FILES) {
    const mode = fileMode(roster, file);
    if (mode === "delta") {
      notices.push({
        code: "source.delta_export",
        severity: "warning",
        message:
          `${file}.csv is a delta export (changes only): it cannot show what is gone, so no ${file} record is reported as not_in_source. Use a bulk export to find those.`,
        details: { file },
      });
    } else if (mode === "absent" && file !== "courses" && file !== "academicSessions") {
      notices.push({
        code: "source.file_absent",
        severity: "warning",
        message: `${file}.csv is absent from the export: nothing is reported as missing from it or absent from it.`,
        details: { file },
      });
    }
  }

  const rejected = roster.issues.filter((i) => i.kind === "bad_row").reduce((n, i) => n + i.count, 0);
  if (rejected > 0) {
    notices.push({
      code: "source.rejected_rows",
      severity: "warning",
      message: `${rejected} row${
        rejected === 1 ? "" : "s"
      } of the export could not be read (listed below); the records they name are not reported as absent.`,
      details: { rows: rejected },
    });
  }
  return notices;
}
