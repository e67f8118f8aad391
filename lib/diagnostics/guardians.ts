/**
 * Guardians and the parent accounts they map to (shared/findings.md):
 * a guardian is an active source user with role parent, guardian or relative;
 * its students are the union of both `agentSourcedIds` directions; it maps to
 * the active platform parent with its sourcedId as source_id, failing that to
 * the active parent with the same normalized email.
 */
import { GUARDIAN_ROLES, type Roster, type User } from "../model/roster.ts";
import { PickedUsers, UserFields, UserIds } from "../model/user-table.ts";
import type { Parent, PlatformSnapshot } from "../model/snapshot.ts";
import { normalizeEmail } from "../normalize.ts";
import { IntList, NumberMap } from "../int-list.ts";
import { release } from "../release.ts";
import { groupBy, keyedByRow, type KeyedRows } from "./indexes.ts";
import type { Rows } from "../model/rows.ts";
import { readerOf } from "../model/platform-tables.ts";

/** The account a guardian maps to, and how. */
export interface GuardianAccount {
  parent: Parent;
  by: "source_id" | "email";
}

/** A segment longer than this is freed of repeats with a Set, not by scanning what it kept so far. */
const SCAN_LIMIT = 32;

/**
 * Guardians, their students and their accounts, kept by number: the
 * guardians' and students' ids numbered in IdTables, each guardian's students
 * and each account's guardians one stretch of an Int32Array. At 1,000,000
 * students a Set of students per guardian, an object per mapped guardian and
 * an array per account were three million small objects for the collector to
 * trace through every later step of the run.
 */
export class GuardianIndex {
  /** Active source guardians, in roster order: rows of the roster's users, made only while a caller holds one. */
  readonly guardians: PickedUsers;
  /** Platform parent ids that guardians map to, in the order first mapped. */
  readonly accounts: readonly number[];
  /** Guardian ids (a repeated id has one number). */
  readonly #ids: IdSubset;
  /** Active student ids: the numbers in #students. */
  readonly #studentIds: IdSubset;
  /** By row of `guardians`: its number in #ids. */
  readonly #numbers: Int32Array;
  /** Guardian number n's students: #students[#start[n] .. #start[n + 1]), in the order first linked. */
  readonly #start: Int32Array;
  readonly #students: Int32Array;
  /** The platform's parents, and by row of `guardians` the row of the parent it maps to (-1: none). */
  readonly #parents: Rows<Parent>;
  readonly #parentRow: Int32Array;
  /** By row of `guardians`: whether it maps by email (else by source id). */
  readonly #byEmail: Uint8Array;
  /** By guardian number: its last row that maps to an account (as a Map set row by row keeps it), or -1. */
  readonly #mappedRow: Int32Array;
  /** Account number (place in `accounts`) by parent id. */
  readonly #accountNumber: NumberMap;
  /** Account k's guardians: rows #byAccount[#accountStart[k] .. #accountStart[k + 1]) of `guardians`, in roster order. */
  readonly #accountStart: Int32Array;
  readonly #byAccount: Int32Array;

  /** Use {@link indexGuardians}. */
  constructor(parts: {
    guardians: PickedUsers;
    ids: IdSubset;
    studentIds: IdSubset;
    /** Each guardian row's number in `ids`. */
    numbers: Int32Array;
    links: { guardians: ArrayLike<number>; students: ArrayLike<number> };
    parents: Rows<Parent>;
    parentRow: Int32Array;
    byEmail: Uint8Array;
  }) {
    this.guardians = parts.guardians;
    this.#ids = parts.ids;
    this.#studentIds = parts.studentIds;
    this.#numbers = parts.numbers;
    [this.#start, this.#students] = groupDistinct(parts.ids.size, parts.links.guardians, parts.links.students);
    this.#parents = parts.parents;
    this.#parentRow = parts.parentRow;
    this.#byEmail = parts.byEmail;
    this.#mappedRow = new Int32Array(parts.ids.size).fill(-1);
    // Each mapped guardian's parent id, read without making the parent where the parents are columns.
    const idAt = readerOf(parts.parents, "id");
    const parentIdOf = Float64Array.from(parts.parentRow, (p) => p === -1 ? NaN : idAt(p));
    // Made once at their size, outside the heap: at 1,000,000 students, arrays and a Map grown push by push left
    // their smaller copies in the old generation (see int-list.ts).
    const mapped = parentIdOf.filter((_, row) => parts.parentRow[row] !== -1);
    const accountNumber = NumberMap.over(mapped);
    const accounts: number[] = [];
    const rowGroup = new Int32Array(mapped.length);
    const rows = new Int32Array(mapped.length);
    let count = 0;
    parts.parentRow.forEach((p, row) => {
      if (p === -1) return;
      this.#mappedRow[parts.numbers[row]] = row;
      const id = parentIdOf[row];
      let k = accountNumber.get(id);
      if (k === -1) {
        accountNumber.set(id, k = accounts.length);
        accounts.push(id);
      }
      rowGroup[count] = k;
      rows[count++] = row;
    });
    this.accounts = accounts;
    this.#accountNumber = accountNumber;
    [this.#accountStart, this.#byAccount] = groupDistinct(accounts.length, rowGroup, rows);
    release(rowGroup, rows);
  }

  /** True when `sourcedId` is an active guardian's. */
  has(sourcedId: string): boolean {
    return this.#ids.indexOf(sourcedId) !== -1;
  }

  /**
   * True when the id numbered `n` in {@link userIds} is an active guardian's: {@link has} without asking a hash table.
   */
  hasNumber(n: number): boolean {
    return this.#ids.ofNumber(n) !== -1;
  }

  /** The numbering of the roster's ids the index was built with (for {@link hasNumber}). */
  get userIds(): UserIds {
    return this.#ids.ids;
  }

  /** The active students of a guardian (both directions), in the order first linked; empty for none. */
  studentsOf(sourcedId: string): string[] {
    const n = this.#ids.indexOf(sourcedId);
    if (n === -1) return [];
    const out: string[] = [];
    for (let i = this.#start[n]; i < this.#start[n + 1]; i++) out.push(this.#studentIds.at(this.#students[i]));
    return out;
  }

  /** The account a guardian maps to, and how; undefined for none. */
  accountOf(sourcedId: string): GuardianAccount | undefined {
    return this.#accountOfNumber(this.#ids.indexOf(sourcedId));
  }

  /** {@link accountOf} the guardian at row `row` of `guardians` (its id's, as any row with that id maps it). */
  accountAt(row: number): GuardianAccount | undefined {
    return this.#accountOfNumber(this.#numbers[row]);
  }

  #accountOfNumber(n: number): GuardianAccount | undefined {
    const row = n === -1 ? -1 : this.#mappedRow[n];
    if (row === -1) return undefined;
    return { parent: this.#parents.at(this.#parentRow[row])!, by: this.#byEmail[row] ? "email" : "source_id" };
  }

  /** The guardians mapped to a parent account, in roster order; empty for none. */
  guardiansOf(parentId: number): User[] {
    const k = this.#accountNumber.get(parentId);
    if (k === -1) return [];
    const out: User[] = [];
    for (let i = this.#accountStart[k]; i < this.#accountStart[k + 1]; i++) {
      out.push(this.guardians.at(this.#byAccount[i])!);
    }
    return out;
  }

  /** The sourcedIds of the guardians mapped to a parent account, in roster order (no guardian made whole). */
  guardianIdsOf(parentId: number): string[] {
    const k = this.#accountNumber.get(parentId);
    if (k === -1) return [];
    const out: string[] = [];
    for (let i = this.#accountStart[k]; i < this.#accountStart[k + 1]; i++) {
      out.push(this.guardians.sourcedId(this.#byAccount[i]));
    }
    return out;
  }

  /** True when some guardian maps to the parent account. */
  hasGuardians(parentId: number): boolean {
    return this.#accountNumber.has(parentId);
  }
}

/**
 * Numbers for some of the ids a {@link UserIds} numbers (0, 1, 2… in the order added), with the way back: an id's
 * number here found by its number there, an array read.
 *
 * @example
 * const students = new IdSubset(UserIds.of(roster.users));
 * students.add(7) // 0
 * students.ofNumber(7) // 0
 */
class IdSubset {
  /** By number in `ids`: the number here, or -1. */
  readonly #of: Int32Array;
  /** By number here: the number in `ids`. */
  readonly #members = new IntList(1024);

  constructor(readonly ids: UserIds) {
    this.#of = new Int32Array(ids.size).fill(-1);
  }

  /** The number here of the id numbered `n` in `ids`, given one if it has none. */
  add(n: number): number {
    let here = this.#of[n];
    if (here === -1) {
      here = this.#of[n] = this.#members.length;
      this.#members.push(n);
    }
    return here;
  }

  /** The number here of the id numbered `n` in `ids`, or -1. */
  ofNumber(n: number): number {
    return this.#of[n];
  }

  /** The number here of `id`, or -1. */
  indexOf(id: string): number {
    const n = this.ids.indexOf(id);
    return n === -1 ? -1 : this.#of[n];
  }

  /** The id numbered `n` here. */
  at(n: number): string {
    return this.ids.at(this.#members.at(n));
  }

  get size(): number {
    return this.#members.length;
  }
}

/**
 * Pairs (group, value) grouped by group number (0 ≤ group < groups), each
 * group's values in the order given with repeats dropped: `start` (groups + 1
 * offsets) and the values.
 */
function groupDistinct(
  groups: number,
  group: ArrayLike<number>,
  value: ArrayLike<number>,
): [Int32Array, Int32Array] {
  const [start, placed] = groupBy(groups, group, value);
  // Drop repeats within each group, keeping first occurrences, and close the gaps.
  const distinct = new Int32Array(groups + 1);
  let out = 0;
  for (let g = 0; g < groups; g++) {
    const from = start[g];
    const to = start[g + 1];
    distinct[g] = out;
    const seen = to - from > SCAN_LIMIT ? new Set<number>() : undefined;
    for (let i = from; i < to; i++) {
      const v = placed[i];
      if (seen) {
        if (seen.has(v)) continue;
        seen.add(v);
      } else {
        let repeat = false;
        for (let j = distinct[g]; j < out; j++) {
          if (placed[j] === v) {
            repeat = true;
            break;
          }
        }
        if (repeat) continue;
      }
      placed[out++] = v;
    }
  }
  distinct[groups] = out;
  return [distinct, placed.slice(0, out)];
}

/**
 * Builds the guardian index for a roster and a snapshot (once per run: see DiagnosticContext).
 *
 * @example
 * const g = indexGuardians(roster, platform);
 * g.studentsOf("par-000001") // ["stu-000001", "stu-000002"]
 */
export function indexGuardians(roster: Roster, platform: PlatformSnapshot): GuardianIndex {
  // Ids as numbers (UserIds: a user table's own, or made once for an array) and sets of them as IdSubsets: at
  // 1,000,000 students, asking hash tables for each student's, guardian's and agent's id took 1.5 s.
  // Read field by field: at 1,000,000 students, two million users made whole only to read their role (user-table.ts).
  const users = new UserFields(roster.users);
  const userIds = UserIds.of(roster.users);
  const activeStudents = new IdSubset(userIds);
  const picked = new IntList(users.length >> 1);
  for (let i = 0; i < users.length; i++) {
    if (!users.active(i)) continue;
    const role = users.role(i);
    if (role === "student") activeStudents.add(userIds.ofRow(i));
    else if (GUARDIAN_ROLES.has(role)) picked.push(i);
  }
  const guardians = new PickedUsers(users, picked.view().slice());
  picked.free();
  const ids = new IdSubset(userIds);
  const rowNumber = new Int32Array(guardians.length);
  for (let row = 0; row < guardians.length; row++) rowNumber[row] = ids.add(userIds.ofRow(guardians.rows[row]));
  // Each link as a pair of numbers, in the order found: the guardians' own lists first, then the students'.
  const links = { guardians: new IntList(guardians.length), students: new IntList(guardians.length) };
  for (let row = 0; row < guardians.length; row++) {
    userIds.agentsOf(guardians.rows[row], (a) => {
      const student = activeStudents.ofNumber(a);
      if (student === -1) return;
      links.guardians.push(rowNumber[row]);
      links.students.push(student);
    });
  }
  for (let i = 0; i < users.length; i++) {
    if (users.role(i) !== "student") continue;
    const student = activeStudents.ofNumber(userIds.ofRow(i));
    if (student === -1) continue;
    userIds.agentsOf(i, (a) => {
      const guardian = ids.ofNumber(a);
      if (guardian === -1) return;
      links.guardians.push(guardian);
      links.students.push(student);
    });
  }

  // The first active parent of each source id and of each email.
  // Read by row: no parent made to be indexed (a million at 1,000,000 students).
  const deletedAt = readerOf(platform.parents, "deletedAt");
  const parentSourceId = readerOf(platform.parents, "sourceId");
  const parentEmail = readerOf(platform.parents, "email");
  const bySource = keyedByRow(platform.parents, (i) => deletedAt(i) === null ? parentSourceId(i) : null);
  // By email only when a guardian is not found by its source id (few are): every parent's email normalised and
  // hashed took about a second at 1,000,000 students.
  let byEmailIndex: KeyedRows<Parent> | undefined;
  const byEmail = () =>
    byEmailIndex ??= keyedByRow(
      platform.parents,
      (i) => deletedAt(i) === null ? normalizeEmail(parentEmail(i)) || null : null,
    );
  // Each guardian's parent as its row among the platform's parents (-1: none): no parent object kept a guardian.
  const parentRow = new Int32Array(guardians.length).fill(-1);
  const viaEmail = new Uint8Array(guardians.length);
  for (let row = 0; row < guardians.length; row++) {
    const bySourceId = bySource.numberOf(guardians.sourcedId(row));
    if (bySourceId !== -1) {
      parentRow[row] = bySource.rowAt(bySourceId);
      continue;
    }
    const email = normalizeEmail(guardians.email(row));
    const byMail = email ? byEmail().numberOf(email) : -1;
    if (byMail !== -1) parentRow[row] = byEmailIndex!.rowAt(byMail);
    viaEmail[row] = 1;
  }
  const index = new GuardianIndex({
    guardians,
    ids,
    studentIds: activeStudents,
    numbers: rowNumber,
    links: { guardians: links.guardians.view(), students: links.students.view() },
    parents: platform.parents,
    parentRow,
    byEmail: viaEmail,
  });
  links.guardians.free();
  links.students.free();
  return index;
}
