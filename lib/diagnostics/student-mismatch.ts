/**
 * Student Mismatch Resolver: which students each parent account can see,
 * against what the roster's guardians say (shared/findings.md, tool
 * `student-mismatch`). Links made by `invite` or `support` are not roster
 * links: they are listed, never reported as unexpected.
 */
import { type DiagnosticContext, diagnosticContext } from "./context.ts";
import { fileMode, isGuardian, type Roster } from "../model/roster.ts";
import type { ParentStudent, PlatformSnapshot } from "../model/snapshot.ts";
import { normalizeEmail } from "../normalize.ts";
import { type Finding, finding } from "../model/findings.ts";
import { groupBy, type PlatformIndex, type SourceIndex } from "./indexes.ts";
import type { GuardianIndex } from "./guardians.ts";
import { userName } from "./describe.ts";
import { NumberMap } from "../int-list.ts";
import { readerOf } from "../model/platform-tables.ts";
import type { Rows } from "../model/rows.ts";
import { release } from "../release.ts";

type StudentRef = {
  platformId: number | null;
  sourcedId: string | null;
  name: string;
  causedBy?: { code: string; entity: Record<string, string | number> };
};

/**
 * Reports every `student-mismatch` code.
 *
 * @example
 * findStudentMismatches(roster, platform).filter((f) => f.code === "parent_link.mismatch")
 */
export function findStudentMismatches(
  roster: Roster,
  platform: PlatformSnapshot,
  ctx: DiagnosticContext = diagnosticContext(roster, platform),
): Finding[] {
  const source = ctx.source;
  const plat = ctx.plat;
  const g = ctx.guardians;
  const out: Finding[] = [];
  const canSayAbsent = fileMode(roster, "users") === "bulk";

  const links = new ParentLinks(platform.parentStudents);
  // The students' fields by id, read by row (no student made whole for each of a million and a half links).
  const studentFields: StudentFields = {
    rowOf: (id) => plat.studentById.rowOf(id),
    // From the records the index was built over: its row places point into those.
    deletedAt: readerOf(ctx.platform.students, "deletedAt"),
    sourceId: readerOf(ctx.platform.students, "sourceId"),
  };
  const studentRef = (sourcedId: string): StudentRef => {
    const s = plat.studentBySource.get(sourcedId);
    const active = s && s.deletedAt === null ? s : undefined;
    const user = source.users.get(sourcedId);
    return {
      platformId: active?.id ?? null,
      sourcedId,
      name: user ? userName(user) : active ? `${active.firstName} ${active.lastName}`.trim() : "",
      ...(active ? {} : { causedBy: { code: "student.missing_in_platform", entity: { sourcedId } } }),
    };
  };

  // Accounts whose guardian is absent from the source (shared/findings.md, clarified): a student naming that
  // guardian in agentSourcedIds still relates them, by sourcedId only; roster links to anyone else are
  // unexpected, caused by parent.not_in_source. Only a bulk users file can say a guardian is absent.
  const absent = canSayAbsent ? absentGuardianAccounts(platform, source, g) : new Map<number, AbsentAccount>();
  const accounts = [...g.accounts];
  for (const parentId of absent.keys()) if (!g.hasGuardians(parentId)) accounts.push(parentId);

  // Accounts that guardians map to: what they see against what the roster says.
  for (const parentId of accounts) {
    const guardianIds = g.guardianIdsOf(parentId);
    const gone = absent.get(parentId);
    const given = guardianIds.flatMap((id) => g.studentsOf(id));
    // Most accounts see just what their guardians give them: told apart without a Set or an object.
    if (!gone && links.agree(parentId, given, studentFields)) continue;
    const guardians = g.guardiansOf(parentId);
    const expected = new Set<string>(gone?.students);
    for (const s of given) expected.add(s);
    const parent = plat.parentById.get(parentId)!;
    // With no active guardian at all, every unexpected roster link is the absent guardian's doing.
    const unexpectedCause = guardians.length === 0 && gone?.notInSource
      ? { code: "parent.not_in_source", entity: { platformId: parent.id, sourcedId: parent.sourceId! } }
      : undefined;
    const visible = new Set<string>();
    const unexpected: StudentRef[] = [];
    const otherLinks: Array<StudentRef & { origin: string }> = [];
    const linked = links.of(parentId);
    const visibleIds = new Set<number>();
    for (const link of linked) {
      const student = plat.studentById.get(link.studentId);
      if (!student || student.deletedAt !== null) continue;
      visibleIds.add(student.id);
      // Made only for a link a finding lists: most links are the expected roster links.
      const ref = () => ({
        platformId: student.id,
        sourcedId: student.sourceId,
        name: `${student.firstName} ${student.lastName}`.trim(),
      });
      if (student.sourceId !== null) visible.add(student.sourceId);
      if (link.origin !== "roster") otherLinks.push({ ...ref(), origin: link.origin });
      // A student whose row the reader could not read is not said to be unrelated: the roster cannot tell.
      else if (
        student.sourceId === null || (!expected.has(student.sourceId) && !source.rejected.has(student.sourceId))
      ) {
        unexpected.push(unexpectedCause ? { ...ref(), causedBy: unexpectedCause } : ref());
      }
    }
    const missing = [...expected].filter((s) => !visible.has(s)).sort().map((s) => {
      const ref = studentRef(s);
      const stale = staleLink(s, linked, plat);
      return stale && !ref.causedBy
        ? {
          ...ref,
          causedBy: {
            code: "transfer.parent_link_on_stale_record",
            entity: { parentPlatformId: parentId, studentPlatformId: stale },
          },
        }
        : ref;
    });
    if (unexpected.length === 0 && missing.length === 0) continue;
    const email = normalizeEmail(parent.email);
    const names = (refs: StudentRef[]) =>
      refs.map((r) => `${r.name || "?"} (${r.sourcedId ?? `platform ${r.platformId}`})`).join(", ");
    out.push(finding({
      code: "parent_link.mismatch",
      entity: { parentPlatformId: parent.id, email },
      message: `Parent account ${email} (platform ${parent.id}; ` +
        (guardians.length
          ? `guardian${guardians.length > 1 ? "s" : ""} ${
            guardians.map((x) => `${userName(x)} ${x.sourcedId}`).join(", ")
          })`
          : `guardian ${parent.sourceId} is not in the roster)`) +
        (missing.length
          ? ` cannot see ${missing.length} student${missing.length === 1 ? "" : "s"} the roster gives them: ${
            names(missing)
          }`
          : "") +
        (missing.length && unexpected.length ? ";" : "") +
        (unexpected.length
          ? ` sees ${unexpected.length} student${
            unexpected.length === 1 ? "" : "s"
          } through roster links the roster does not give them: ${names(unexpected)}`
          : ""),
      details: {
        unexpected,
        missing,
        guardians: guardians.map((x) => x.sourcedId),
        otherLinks,
        visiblePlatformIds: [...visibleIds].sort((a, b) => a - b),
      },
      resolution: unexpectedCause && unexpected.length
        ? {
          action: "contact_district",
          explanation:
            "The SIS no longer lists this guardian, yet the account still sees these students through roster links. Confirm the custody change with the district; the fix script removes the links.",
        }
        : {
          action: "relink_parent",
          explanation: missing.some((m) => m.causedBy?.code === "student.missing_in_platform")
            ? "Fix student.missing_in_platform first; the roster sync then links the parent. Other links: the fix script relinks them."
            : "The parent's roster links differ from the guardians' students; a roster sync or the fix script relinks them.",
        },
    }));
  }

  // Guardians with students but no account.
  for (let i = 0; i < g.guardians.length; i++) {
    const sourcedId = g.guardians.sourcedId(i);
    if (g.accountOf(sourcedId)) continue;
    const students = g.studentsOf(sourcedId).sort();
    if (students.length === 0) continue;
    const guardian = g.guardians.at(i)!;
    const email = normalizeEmail(guardian.email);
    out.push(finding({
      code: "parent.missing_in_platform",
      entity: { sourcedId: guardian.sourcedId, email },
      message:
        `Guardian ${userName(guardian)} (${guardian.sourcedId}, ${email || "no email"}) of ${students.length} student${
          students.length === 1 ? "" : "s"
        } ` +
        `(${
          students.map((s) => studentRef(s)).map((r) => `${r.name} ${r.sourcedId}`).join(", ")
        }) has no parent account in the platform`,
      details: { students: students.map(studentRef), sourceEmail: guardian.email, role: guardian.role },
      resolution: email
        ? {
          action: "resync",
          explanation:
            "A roster sync creates the account; if the email is shared or invalid, fix that first (parent-email findings).",
        }
        : {
          action: "fix_in_sis",
          explanation: "The guardian has no email, so no login can be made; the district must add one in the SIS.",
        },
    }));
  }

  // Rostered accounts that no active guardian maps to.
  for (const [parentId, account] of absent) {
    if (!account.notInSource) continue;
    const parent = plat.parentById.get(parentId)!;
    const sourceId = parent.sourceId!;
    const user = source.users.get(sourceId);
    out.push(finding({
      code: "parent.not_in_source",
      entity: { platformId: parent.id, sourcedId: sourceId },
      message:
        `Parent account ${normalizeEmail(parent.email)} (platform ${parent.id}, ${parent.sourceId}) is active but ` +
        (user
          ? `the roster has ${parent.sourceId} as ${user.role}, ${user.status}`
          : "its guardian is not in the roster"),
      details: {
        email: normalizeEmail(parent.email),
        linkedStudents: links.of(parent.id).map((l) => ({
          platformId: l.studentId,
          origin: l.origin,
        })),
        ...(user ? { sourceRole: user.role, sourceStatus: user.status } : {}),
      },
      resolution: {
        action: "contact_district",
        explanation:
          "The SIS no longer lists this guardian; confirm with the district before a sync removes the account's roster links.",
      },
    }));
  }
  return out;
}

/**
 * The platform's active parent-student links, grouped by parent in their
 * order: one array of row numbers, not an array of link objects per parent.
 */
/** The platform students' fields a link check reads: a student's row by id, and its fields by row. */
interface StudentFields {
  rowOf(id: number): number;
  deletedAt(row: number): string | null;
  sourceId(row: number): string | null;
}

class ParentLinks {
  // The links' fields by row, read from the columns where the links are a table (no link made whole).
  readonly #studentId: (i: number) => number;
  readonly #origin: (i: number) => string;
  /** Parent id → group k; the group's rows are #order[#start[k] .. #start[k + 1]). */
  readonly #group: NumberMap;
  readonly #start: Int32Array;
  readonly #order: Int32Array;

  constructor(rows: Rows<ParentStudent>) {
    this.#studentId = readerOf(rows, "studentId");
    this.#origin = readerOf(rows, "origin");
    const parentIdAt = readerOf(rows, "parentId");
    const deletedAt = readerOf(rows, "deletedAt");
    // Made once at their size, outside the heap (see int-list.ts): a million parents at 1,000,000 students.
    const parentIds = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) parentIds[i] = parentIdAt(i);
    this.#group = NumberMap.over(parentIds);
    const groupOf = new Int32Array(rows.length);
    const active = new Int32Array(rows.length);
    let count = 0;
    let groups = 0;
    for (let i = 0; i < rows.length; i++) {
      if (deletedAt(i) !== null) continue;
      let k = this.#group.get(parentIds[i]);
      if (k === -1) this.#group.set(parentIds[i], k = groups++);
      groupOf[count] = k;
      active[count++] = i;
    }
    [this.#start, this.#order] = groupBy(groups, groupOf.subarray(0, count), active.subarray(0, count));
    release(groupOf, active, parentIds);
  }

  /** A parent's active links, in the platform's order. */
  of(parentId: number): Array<{ studentId: number; origin: string }> {
    const k = this.#group.get(parentId);
    const out: Array<{ studentId: number; origin: string }> = [];
    if (k === -1) return out;
    for (let i = this.#start[k]; i < this.#start[k + 1]; i++) {
      const row = this.#order[i];
      out.push({ studentId: this.#studentId(row), origin: this.#origin(row) });
    }
    return out;
  }

  /**
   * True when the parent's links to active students agree with the students
   * `given` (source ids) by its guardians: every roster link is to a given
   * student, and every given student is linked somehow. False also when the
   * lists are too long to compare pair by pair; the caller then looks closely.
   */
  agree(parentId: number, given: readonly string[], student: StudentFields): boolean {
    const k = this.#group.get(parentId);
    const from = k === -1 ? 0 : this.#start[k];
    const to = k === -1 ? 0 : this.#start[k + 1];
    if ((to - from) * given.length > 1024) return false;
    for (let i = from; i < to; i++) {
      const row = this.#order[i];
      if (this.#origin(row) !== "roster") continue;
      const s = student.rowOf(this.#studentId(row));
      if (s === -1 || student.deletedAt(s) !== null) continue;
      const sourceId = student.sourceId(s);
      if (sourceId === null || !given.includes(sourceId)) return false;
    }
    for (const id of given) {
      let seen = false;
      for (let i = from; i < to && !seen; i++) {
        const s = student.rowOf(this.#studentId(this.#order[i]));
        seen = s !== -1 && student.deletedAt(s) === null && student.sourceId(s) === id;
      }
      if (!seen) return false;
    }
    return true;
  }
}

/** The platform id of a stale record of `sourcedId`'s student number that the parent is linked to, if any. */
function staleLink(
  sourcedId: string,
  links: Array<{ studentId: number }>,
  plat: PlatformIndex,
): number | undefined {
  const current = plat.studentBySource.get(sourcedId);
  const number = (current?.studentNumber ?? "").trim();
  if (!current || !number) return undefined;
  for (const link of links) {
    const s = plat.studentById.get(link.studentId);
    if (s && s.id !== current.id && (s.studentNumber ?? "").trim() === number) return s.id;
  }
  return undefined;
}

/** A platform parent account that no active source guardian maps to. */
interface AbsentAccount {
  /** Active source students whose agentSourcedIds still name the account's sourcedId. */
  students: Set<string>;
  /** Whether the account is rostered, active and its guardian absent: `parent.not_in_source`. */
  notInSource: boolean;
}

/**
 * Active rostered parent accounts that no active guardian maps to, with the
 * students that still name their sourcedId (the absent guardian maps by
 * sourcedId only). Accounts whose id the reader could not read are left out.
 */
function absentGuardianAccounts(
  platform: PlatformSnapshot,
  source: SourceIndex,
  g: GuardianIndex,
): Map<number, AbsentAccount> {
  const namedBy = new Map<string, Set<string>>();
  // The users the guardians' index was built over, and its numbers of their ids: an agent that is an active
  // guardian (most are) is told by its number, not by asking a hash table for its id.
  const users = g.guardians.fields;
  const ids = g.userIds;
  for (let i = 0; i < users.length; i++) {
    if (users.role(i) !== "student" || !users.active(i)) continue;
    ids.agentsOf(i, (n) => {
      if (g.hasNumber(n)) return;
      const a = ids.at(n);
      const agent = source.users.get(a);
      if (agent && !isGuardian(agent)) return;
      let set = namedBy.get(a);
      if (!set) namedBy.set(a, set = new Set());
      set.add(users.sourcedId(i));
    });
  }
  const out = new Map<number, AbsentAccount>();
  for (const parent of platform.parents) {
    if (parent.deletedAt !== null || parent.sourceId === null || source.rejected.has(parent.sourceId)) continue;
    if (g.has(parent.sourceId)) continue;
    const students = namedBy.get(parent.sourceId) ?? new Set<string>();
    const notInSource = !g.hasGuardians(parent.id);
    if (notInSource || students.size) out.set(parent.id, { students, notInSource });
  }
  return out;
}
