/**
 * The joins by source id between the roster's students and teachers and the
 * platform's, both ways, as row numbers: several tools ask them (missing-data,
 * campus-transfer, the coverage notices), and at 1,000,000 students each asked
 * a million ids of a hash table again, about 2 s in all. A run's context
 * (context.ts) makes each once, on first use.
 */
import type { Roster } from "../model/roster.ts";
import type { PlatformSnapshot } from "../model/snapshot.ts";
import { UserFields } from "../model/user-table.ts";
import { readerOf } from "../model/platform-tables.ts";
import type { Rows } from "../model/rows.ts";
import { activeUser, type PlatformIndex, type SourceIndex } from "./indexes.ts";

/** Both ways between source people and platform people (see {@link platformRows} and {@link activeSourceRows}). */
export interface PeopleJoin {
  /**
   * By row of the roster's users: for an active student, the row among the platform's students of the record its
   * sourcedId finds (the index by source id: the active one of twins); likewise for an active teacher among the
   * teachers; -1 for anyone else, or when the platform has no record.
   */
  readonly platformRow: Int32Array;
  /** By row of the platform's students: the row among the roster's users of the active source student with its source id, or -1. */
  readonly sourceStudent: Int32Array;
  /** By row of the platform's teachers: likewise, the active source teacher. */
  readonly sourceTeacher: Int32Array;
}

/**
 * For each row of `roster.users`, where its record is in the platform (see
 * {@link PeopleJoin.platformRow}). Rows are those of the records `plat` was
 * built over.
 *
 * @example
 * const rows = platformRows(roster, ctx.plat);
 * rows[0] === -1 ? "no platform record" : ctx.platform.students.at(rows[0])
 */
export function platformRows(roster: Roster, plat: PlatformIndex): Int32Array {
  const users = new UserFields(roster.users);
  const out = new Int32Array(users.length).fill(-1);
  for (let i = 0; i < users.length; i++) {
    const role = users.role(i);
    if ((role !== "student" && role !== "teacher") || !users.active(i)) continue;
    const bySource = role === "student" ? plat.studentBySource : plat.teacherBySource;
    const n = bySource.numberOf(users.sourcedId(i));
    if (n !== -1) out[i] = bySource.rowAt(n);
  }
  return out;
}

/**
 * For each row of `people` (the platform's students or teachers), the row
 * among the roster's users of the active source user with its source id and
 * `role`, or -1.
 *
 * @example
 * const students = activeSourceRows(ctx.platform.students, ctx.source, "student");
 * students[0] !== -1 // the first platform student is an active source student
 */
export function activeSourceRows(
  people: Rows<{ sourceId: string | null }>,
  source: SourceIndex,
  role: "student" | "teacher",
): Int32Array {
  const sourceIdAt = readerOf(people, "sourceId");
  const out = new Int32Array(people.length).fill(-1);
  for (let i = 0; i < out.length; i++) {
    const sourceId = sourceIdAt(i);
    if (sourceId === null) continue;
    const n = activeUser(source.users, sourceId, role);
    if (n !== -1) out[i] = source.users.rowAt(n);
  }
  return out;
}

/**
 * A run's joins, each made on first use.
 *
 * @example
 * const people = peopleJoin(roster, platform, () => ctx.source, () => ctx.plat);
 * people.sourceStudent[0]
 */
export function peopleJoin(
  roster: Roster,
  platform: PlatformSnapshot,
  source: () => SourceIndex,
  plat: () => PlatformIndex,
): PeopleJoin {
  let platformRow: Int32Array | undefined;
  let sourceStudent: Int32Array | undefined;
  let sourceTeacher: Int32Array | undefined;
  return {
    get platformRow() {
      return platformRow ??= platformRows(roster, plat());
    },
    get sourceStudent() {
      return sourceStudent ??= activeSourceRows(platform.students, source(), "student");
    },
    get sourceTeacher() {
      return sourceTeacher ??= activeSourceRows(platform.teachers, source(), "teacher");
    },
  };
}
