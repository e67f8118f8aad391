/**
 * roster-check: validates an export on its own, before and without the
 * platform. Reports what breaks OneRoster's rules and what will break a
 * roster sync, as findings (codes in roster-check-codes.ts, documented in
 * docs/roster-check.md).
 */
import {
  type Enrollment,
  type EntityFile,
  fileMode,
  GUARDIAN_ROLES,
  isActiveInSource,
  isGuardian,
  type Roster,
  type SourceIssue,
  type User,
} from "../model/roster.ts";
import { isValidEmail, normalizeEmail } from "../normalize.ts";
import { type Finding, finding, type FindingCode } from "../model/findings.ts";
import { IdTable } from "../id-table.ts";
import { IntList } from "../int-list.ts";
import { UserFields, UserTable } from "../model/user-table.ts";
import { nextTurn } from "../turn.ts";
import { indexSource, type SourceIndex } from "./indexes.ts";
import { listText, userName } from "./describe.ts";
import {
  dateOrder,
  type EnrollmentChecks,
  enrollmentChecks,
  fix,
  FIX_IN_SIS,
  ISO_DATE,
  schoolReference,
  unresolvedReference,
} from "./roster-check-enrollments.ts";

/** More guardians than this on one student is reported. */
export const MAX_GUARDIANS = 6;

const STAFF = new Set([
  "teacher",
  "administrator",
  "aide",
  "proctor",
  "counselor",
  "principal",
  "siteAdministrator",
  "districtAdministrator",
  "systemAdministrator",
]);

/**
 * Checks a roster (its reader's issues included) and returns roster-check findings.
 *
 * @example
 * const findings = checkRoster(await readOneRosterCsv("export.zip", { tolerateMissing: true }));
 */
export function checkRoster(roster: Roster, src: SourceIndex = indexSource(roster)): Finding[] {
  const checks = enrollmentChecks(roster, src);
  for (const e of roster.enrollments) checks.check(e);
  return checkedRoster(roster, src, checks);
}

/**
 * Every finding of roster-check, its enrollments checked by `checks` and the parts that read no enrollment by
 * `parts` (some of them perhaps already run). With `streamed`, enrollments were checked before enrollments.csv's own
 * refused rows were known, and `src.rejected` has them now.
 */
function checkedRoster(
  roster: Roster,
  src: SourceIndex,
  checks: EnrollmentChecks,
  streamed = false,
  parts: RosterParts = rosterParts(roster, src),
): Finding[] {
  const out: Finding[] = [];
  const [refs, links, mails, vals] = parts.all();
  // Loops, not spreads: an export may have millions of findings, more than a call takes arguments.
  for (
    const part of [
      fromIssues(roster.issues),
      refs,
      checks.references(streamed ? src.rejected : undefined),
      links,
      mails,
      vals,
      checks.dates,
      volume(roster, checks),
    ]
  ) {
    for (const f of part) out.push(f);
  }
  return out;
}

/**
 * The parts of roster-check that read no enrollment (references between the other files, agent links, emails,
 * values), run one at a time, so that a streamed check can run them while enrollments.csv is still being read.
 */
interface RosterParts {
  /** Runs the next piece of a part; false once every part has run. */
  step(): boolean;
  /**
   * Every part's findings, in report order (the parts not run yet run now), without those a refused row's id now
   * silences: a part run before enrollments.csv's refused rows were known may have reported an id one of them has.
   */
  all(): Finding[][];
}

/**
 * A part of roster-check run a piece at a time: it yields after each {@link PIECE_ROWS} rows of a large file and
 * returns its findings.
 */
type Pieces = Generator<void, Finding[], void>;

/**
 * Rows of users.csv (or classes.csv) a part goes through between two turns of the event loop (about 25 ms of work at
 * 1,000,000 students). The smaller files are gone through in one piece.
 */
const PIECE_ROWS = 16_384;

function rosterParts(roster: Roster, src: SourceIndex): RosterParts {
  // A finding that holds only while an id is not refused, with that id; looked at again only if more were refused.
  const excuses = new Map<Finding, string>();
  const excuse = (f: Finding, id: string) => excuses.set(f, id);
  const refusedAtStart = src.rejected.size;
  const run: Array<() => Pieces> = [
    () => references(roster, src, excuse),
    () => guardians(roster, src, excuse),
    () => emails(roster),
    () => values(roster),
  ];
  const done: Finding[][] = [];
  let running: Pieces | undefined;
  // A part that threw (run ahead, where no one hears it) throws the same error again whenever it is asked.
  let failure: { error: unknown } | undefined;
  const step = () => {
    if (failure) throw failure.error;
    if (done.length === run.length) return false;
    try {
      running ??= run[done.length]();
      const next = running.next();
      if (next.done) {
        done.push(next.value);
        running = undefined;
      }
    } catch (error) {
      failure = { error };
      throw error;
    }
    return true;
  };
  return {
    step,
    all() {
      while (step());
      if (!excuses.size || src.rejected.size === refusedAtStart) return done;
      return done.map((part) =>
        part.filter((f) => {
          const id = excuses.get(f);
          return id === undefined || !src.rejected.has(id);
        })
      );
    },
  };
}

/** roster-check run while an export is read: see {@link rosterCheckStream}. */
export interface RosterCheckStream {
  /**
   * For the reader's `onEnrollments`: starts the enrollment checks over the roster read so far. With `sent` (the
   * worker has every byte of enrollments.csv once it settles), the checks that read no enrollment run then, a piece
   * per turn of the event loop, while the worker reads on.
   */
  start(roster: Roster, sent?: Promise<void>): (enrollment: Enrollment, user?: number) => void;
  /** Enrollments checked as they were read. */
  readonly streamed: number;
  /** Settles once the checks that read no enrollment have run (or will not run before {@link findings}). */
  readonly early: Promise<void>;
  /** Every finding, once the read is done (a roster read without streaming is checked whole). */
  findings(roster: Roster): Finding[];
  /** Stops the checks run ahead (a read that failed): nothing runs after it. */
  cancel(): void;
}

/**
 * roster-check with enrollments checked as the export is read and never
 * kept: the same findings as {@link checkRoster}, without holding ten
 * million enrollment records at once. The checks that read no enrollment
 * run while enrollments.csv is read on the second core, where this thread
 * would otherwise wait for it.
 *
 * @example
 * const stream = rosterCheckStream();
 * const roster = await readOneRosterCsv(path, { tolerateMissing: true, onEnrollments: stream.start });
 * const findings = stream.findings(roster);
 */
export function rosterCheckStream(): RosterCheckStream {
  let started: { src: SourceIndex; checks: EnrollmentChecks; parts: RosterParts } | undefined;
  let streamed = 0;
  let stopped = false;
  let early = Promise.resolve();
  return {
    start(roster, sent) {
      const src = indexSource(roster);
      const checks = enrollmentChecks(roster, src);
      const parts = rosterParts(roster, src);
      started = { src, checks, parts };
      // Not before the worker has every byte: they are sent from this thread, which a long piece of work would keep
      // from sending them. A turn between pieces lets the reader take the worker's rows. A part that fails fails
      // again, where it is reported, when findings() runs it.
      if (sent) {
        early = (async () => {
          await sent;
          do await nextTurn(); while (!stopped && parts.step());
        })().catch(() => {});
      }
      return (e, user) => {
        streamed++;
        checks.check(e, user);
      };
    },
    get streamed() {
      return streamed;
    },
    get early() {
      return early;
    },
    findings(roster) {
      stopped = true;
      if (!started) return checkRoster(roster);
      const { src, checks, parts } = started;
      for (const e of roster.enrollments) checks.check(e);
      // The index was built before enrollments.csv was read: its own refused rows are added now, for every
      // check that follows and for the references checked before they were known.
      for (const r of roster.rejected) src.rejected.add(r.sourcedId);
      return checkedRoster(roster, src, checks, true, parts);
    },
    cancel() {
      stopped = true;
    },
  };
}

type Entity = Record<string, string | number>;

/** The reader's issues, as findings. */
function fromIssues(issues: SourceIssue[]): Finding[] {
  const out: Finding[] = [];
  for (const issue of issues) {
    const d = issue.data ?? {};
    const details = { count: issue.count, lines: issue.lines, ...d };
    const add = (code: FindingCode, entity: Entity, explanation: string, severity?: "error" | "warning" | "info") =>
      out.push(
        finding({
          code,
          entity: entity as never,
          message: messageOf(issue),
          // The issue's count, lines and data: IssueDetails for every code `add` is given (details.ts).
          details: details as never,
          resolution: fix(explanation),
          severity,
        }),
      );
    const file = d.file ?? issue.file;
    switch (issue.kind) {
      case "missing_manifest":
        add(
          "manifest.missing",
          { file: "manifest.csv" },
          "Add manifest.csv (propertyName,value) with oneroster.version and a file.<name> row per file.",
        );
        break;
      case "version":
        add(
          "manifest.version",
          { file: "manifest.csv" },
          "Set oneroster.version to 1.1 or 1.2.",
          issue.severity === "info" ? "info" : "warning",
        );
        break;
      case "manifest_header":
      case "bad_manifest_value":
        add(
          "manifest.malformed",
          { file: "manifest.csv", line: issue.lines[0] ?? 0 },
          "Write each manifest row as propertyName,value.",
          issue.severity === "error" ? "error" : "warning",
        );
        break;
      case "missing_file":
        add(
          "manifest.file_missing",
          { file },
          "Include the file, or declare it absent in manifest.csv.",
          issue.severity === "error" ? "error" : "warning",
        );
        break;
      case "declared_absent":
        add("manifest.file_not_absent", { file }, "Declare the file bulk or delta in manifest.csv, or leave it out.");
        break;
      case "undeclared_file":
        add("manifest.file_undeclared", { file }, "Declare the file in manifest.csv (file.<name>,bulk).");
        break;
      case "file_name":
        add(
          "manifest.file_name_case",
          { file: issue.file },
          "Name the file exactly as the spec does; names are case-sensitive.",
        );
        break;
      case "layout":
        add("manifest.not_at_root", { file: issue.file }, "Zip the files at the archive's root, without a folder.");
        break;
      case "empty_file":
        add(
          "file.empty",
          { file: issue.file },
          "Write at least the header row, or declare the file absent.",
          issue.severity === "error" ? "error" : "warning",
        );
        break;
      case "required_column":
        add(
          "header.required_missing",
          { file: issue.file, column: d.column },
          "Add the column; the file cannot be read without it.",
        );
        break;
      case "column_order":
        add(
          "header.column_order",
          { file: issue.file },
          "Write the spec's columns in the spec's order; extension columns go after them.",
        );
        break;
      case "unknown_column":
        add(
          "header.unknown_column",
          { file: issue.file, column: d.column },
          "Rename vendor columns metadata.<ns>.<field>, or drop them.",
        );
        break;
      case "misspelt_column":
        add("header.misspelt_column", { file: issue.file, column: d.column }, `Rename the column ${d.intended}.`);
        break;
      case "duplicate_column":
        add("header.duplicate_column", { file: issue.file, column: d.column }, "Keep one column of each name.");
        break;
      case "header_spaces":
        add("header.padded_name", { file: issue.file, column: d.column }, "Remove the spaces around the header name.");
        break;
      case "missing_column":
        add(
          "header.optional_missing",
          { file: issue.file, column: d.column },
          "Nothing to do unless the district uses that field.",
        );
        break;
      case "bad_row":
        add(
          "row.rejected",
          { file: issue.file, line: issue.lines[0] ?? 0 },
          "Correct the value in the SIS; a sync skips these rows.",
        );
        break;
      case "field_count":
        add(
          "row.field_count",
          { file: issue.file, line: issue.lines[0] ?? 0 },
          "Quote fields that hold commas; every row needs the header's number of fields.",
        );
        break;
      case "duplicate_id":
        if (d.role && d.firstRole && d.role !== d.firstRole) {
          add(
            "identity.id_across_roles",
            { sourcedId: d.sourcedId },
            "Give each person one sourcedId and one row (roles.csv carries several roles in 1.2).",
          );
        } else {
          add("identity.duplicate_id", { file: issue.file, sourcedId: d.sourcedId }, "Export each record once.");
        }
        break;
      case "unresolved_reference":
        add(
          "reference.unresolved",
          { file: issue.file, sourcedId: d.sourcedId, column: d.column, target: d.target },
          "Export the referenced record, or drop the reference.",
        );
        break;
      case "lenient_value":
        add(
          "value.nonstandard",
          { file: issue.file, column: d.column ?? "", value: d.value ?? "" },
          "Write the value as the spec spells it.",
        );
        break;
      case "grade_code":
        add(
          "value.grade_code",
          { file: issue.file, value: d.value },
          "Use CEDS grade codes: IT, PR, PK, TK, KG, 01 … 13, PS, UG, Other.",
        );
        break;
      case "bad_date":
        add(
          "value.bad_date",
          { file: issue.file, column: d.column },
          "Write dates as YYYY-MM-DD and dateLastModified as an ISO 8601 datetime.",
        );
        break;
    }
  }
  return out;
}

function messageOf(issue: SourceIssue): string {
  const where = issue.lines.length ? `${issue.file}:${issue.lines[0]}` : issue.file;
  return `${where}: ${issue.message}${issue.count > 1 ? ` (${issue.count} rows)` : ""}`;
}

/** A user's orgs and its roles' orgs, each once, in that order (no Set for the usual one or two). */
function distinctOrgs(u: User): readonly string[] {
  const ids = u.orgSourcedIds;
  const roles = u.roles;
  if (ids.length + roles.length > 8) return [...new Set([...ids, ...roles.map((r) => r.orgSourcedId ?? "")])];
  const out: string[] = [];
  for (const o of ids) if (!out.includes(o)) out.push(o);
  for (const r of roles) {
    const o = r.orgSourcedId ?? "";
    if (!out.includes(o)) out.push(o);
  }
  return out;
}

/** References between files, checked only into files the export holds in bulk. */
function* references(roster: Roster, src: SourceIndex, excuse: (f: Finding, id: string) => void): Pieces {
  const out: Finding[] = [];
  const bulk = (file: EntityFile) => fileMode(roster, file) === "bulk";
  const courses = new Map(roster.courses.map((c) => [c.sourcedId, c]));
  const sessions = new Map(roster.academicSessions.map((s) => [s.sourcedId, s]));
  const unresolved = (file: string, sourcedId: string, column: string, target: string, what: string) => {
    const f = unresolvedReference(file, sourcedId, column, target, what);
    out.push(f);
    return f;
  };
  const schoolOf = schoolReference(src);
  const school = (file: string, sourcedId: string, column: string, target: string) => {
    const f = schoolOf(file, sourcedId, column, target);
    if (f) {
      out.push(f);
      excuse(f, target);
    }
  };

  if (bulk("orgs")) {
    let rows = 0;
    for (const u of roster.users) {
      if (++rows % PIECE_ROWS === 0) yield;
      for (const o of distinctOrgs(u)) {
        if (o && !src.orgs.has(o) && !src.rejected.has(o)) {
          excuse(unresolved("users.csv", u.sourcedId, "orgSourcedIds", o, "org"), o);
        }
      }
    }
    for (const c of roster.classes) school("classes.csv", c.sourcedId, "schoolSourcedId", c.schoolSourcedId);
    for (const c of roster.courses) {
      if (c.orgSourcedId && !src.orgs.has(c.orgSourcedId)) {
        unresolved("courses.csv", c.sourcedId, "orgSourcedId", c.orgSourcedId, "org");
      }
    }
    // Parent chains that loop.
    const reported = new Set<string>();
    for (const org of roster.orgs) {
      const seen: string[] = [];
      let at: string | undefined = org.sourcedId;
      while (at && !seen.includes(at)) {
        seen.push(at);
        at = src.orgs.get(at)?.parentSourcedId;
      }
      if (at && at === org.sourcedId && !reported.has(org.sourcedId)) {
        for (const id of seen) reported.add(id);
        out.push(finding({
          code: "reference.org_cycle",
          entity: { sourcedId: org.sourcedId },
          message: `orgs.csv: the parents of ${org.sourcedId} loop: ${[...seen, org.sourcedId].join(" → ")}`,
          details: { cycle: seen },
          resolution: fix("Give the district org no parent, and each school the district as parent."),
        }));
      }
    }
  }
  if (bulk("courses") && roster.courses.length) {
    for (const c of roster.classes) {
      if (c.courseSourcedId && !courses.has(c.courseSourcedId)) {
        unresolved("classes.csv", c.sourcedId, "courseSourcedId", c.courseSourcedId, "course");
      }
    }
  }
  if (bulk("academicSessions") && roster.academicSessions.length) {
    for (const c of roster.classes) {
      for (const t of c.termSourcedIds) {
        if (!sessions.has(t)) unresolved("classes.csv", c.sourcedId, "termSourcedIds", t, "session");
      }
    }
    for (const c of roster.courses) {
      if (c.schoolYearSourcedId && !sessions.has(c.schoolYearSourcedId)) {
        unresolved("courses.csv", c.sourcedId, "schoolYearSourcedId", c.schoolYearSourcedId, "session");
      }
    }
    for (const s of roster.academicSessions) {
      if (s.parentSourcedId && !sessions.has(s.parentSourcedId)) {
        unresolved("academicSessions.csv", s.sourcedId, "parentSourcedId", s.parentSourcedId, "session");
      }
    }
  }

  return out;
}

/** Agent links: resolvable, guardian↔student, both sides in 1.2, not too many. */
function* guardians(roster: Roster, src: SourceIndex, excuse: (f: Finding, id: string) => void): Pieces {
  const out: Finding[] = [];
  const users = src.users;
  // Field by field: a user is made whole only for a finding (user-table.ts). A table's index numbers its rows (the
  // same user is the same number), so a number's role and id come from the table's columns too.
  const fields = new UserFields(roster.users);
  const table = roster.users instanceof UserTable;
  const roleOf = table ? (n: number) => fields.role(n) : (n: number) => users.at(n)!.role;
  const idOf = table ? (n: number) => fields.sourcedId(n) : (n: number) => users.at(n)!.sourcedId;
  // Every guardian-student link as listed, by the two users' numbers in the index and the side that lists it (1 the
  // guardian's, 2 the student's): numbers in lists, not a Map keyed by pair (2.8 million links at 1,000,000
  // students, each a Map entry and a boxed key).
  const linked = { guardian: new IntList(), student: new IntList(), side: new IntList() };
  for (let i = 0; i < fields.length; i++) {
    if (i % PIECE_ROWS === PIECE_ROWS - 1) yield;
    const agents = fields.agents(i);
    if (agents.length === 0) continue;
    const role = fields.role(i);
    const guardian = GUARDIAN_ROLES.has(role);
    let own = -1;
    for (const a of agents) {
      const number = users.numberOf(a);
      if (number === -1) {
        if (!src.rejected.has(a) && fileMode(roster, "users") === "bulk") {
          const u = fields.user(i);
          const f = finding({
            code: "guardian.unresolved_agent",
            entity: { sourcedId: u.sourcedId, agentSourcedId: a },
            message: `users.csv: ${u.role} ${u.sourcedId} (${
              userName(u)
            }) lists agent "${a}", who is not in the export`,
            details: {},
            resolution: fix("Export the agent, or remove the id from agentSourcedIds."),
          });
          out.push(f);
          excuse(f, a);
        }
        continue;
      }
      // A guardian and a student, one on each side (a user listing itself is never both).
      const otherRole = roleOf(number);
      if (guardian ? otherRole !== "student" : role !== "student" || !GUARDIAN_ROLES.has(otherRole)) {
        const u = fields.user(i);
        const other = users.at(number)!;
        const self = table ? number === i : other === u;
        out.push(finding({
          code: "guardian.not_guardian_student",
          entity: { sourcedId: u.sourcedId, agentSourcedId: a },
          message: self
            ? `users.csv: ${u.role} ${u.sourcedId} (${
              userName(u)
            }) lists itself as an agent; agents link a guardian to a student`
            : `users.csv: ${u.role} ${u.sourcedId} (${userName(u)}) lists ${other.role} ${a} (${
              userName(other)
            }) as an agent; agents link guardians and students only`,
          details: { role: u.role, agentRole: other.role },
          resolution: FIX_IN_SIS(
            self
              ? "Remove the user's own id from its agentSourcedIds."
              : "Remove the link; staff are never a student's agents.",
          ),
        }));
        continue;
      }
      // The row's own number: its row in a table (a repeated id's row is numbered as its first), else by its id
      // unless the index holds this very row at its place.
      if (own === -1) {
        own = !table && users.at(i) === fields.user(i) ? i : users.numberOf(fields.sourcedId(i));
      }
      linked.guardian.push(guardian ? own : number);
      linked.student.push(guardian ? number : own);
      linked.side.push(guardian ? 1 : 2);
    }
  }
  yield;
  const pairs = pairsOf(linked.guardian.view(), linked.student.view(), linked.side.view(), users.size);
  if (roster.source.version === "1.2") {
    for (let p = 0; p < pairs.sides.length; p++) {
      const s = pairs.sides[p];
      if (s === 0 || s === 3) continue;
      const side = s === 1 ? "guardian" : "student";
      const guardian = idOf(linked.guardian.at(p));
      const student = idOf(linked.student.at(p));
      out.push(finding({
        code: "guardian.one_sided_link",
        entity: { guardianSourcedId: guardian, studentSourcedId: student },
        message:
          `users.csv: only the ${side} side links guardian ${guardian} and student ${student}; OneRoster 1.2 requires both`,
        details: { side },
        resolution: fix("List each in the other's agentSourcedIds."),
      }));
    }
  }
  // The students with too many guardians, in the order of their numbers.
  for (let n = 0; n < users.size; n++) {
    if (pairs.count[n] <= MAX_GUARDIANS) continue;
    const student = idOf(n);
    const set: string[] = [];
    for (let q = pairs.start[n]; q < pairs.start[n + 1]; q++) {
      const p = pairs.order[q];
      if (pairs.sides[p] !== 0) set.push(idOf(linked.guardian.at(p)));
    }
    out.push(finding({
      code: "guardian.too_many",
      entity: { sourcedId: student },
      message: `users.csv: student ${student} has ${set.length} guardians (more than ${MAX_GUARDIANS})`,
      details: { guardians: set.sort() },
      resolution: FIX_IN_SIS("Check the SIS contacts: emergency contacts are often exported as guardians."),
    }));
  }
  for (const list of Object.values(linked)) list.free();
  return out;
}

/** Guardian-student links (see {@link pairsOf}) grouped into pairs. */
interface LinkPairs {
  /** Per link: the sides (1 the guardian's, 2 the student's, 3 both) of its pair when it is the pair's first link, else 0. */
  sides: Uint8Array;
  /** Per student number: how many distinct guardians it has. */
  count: Int32Array;
  /** The links by student, each student's in the order listed: `order[start[n]]` to `order[start[n + 1] - 1]`. */
  order: Int32Array;
  start: Int32Array;
}

/**
 * Groups links (a guardian's number, a student's and the side that lists it, by link) into pairs: by student with a
 * counting sort (which keeps each student's links in the order they were listed), then each guardian's first link to
 * the student at hand found by stamping the guardian with that student. Linear in links and users, whatever their
 * counts (a student with 100,000 guardians included).
 *
 * @example
 * pairsOf(Int32Array.of(0, 0), Int32Array.of(1, 1), Int32Array.of(1, 2), 2).sides // Uint8Array [3, 0]
 */
function pairsOf(guardian: Int32Array, student: Int32Array, side: Int32Array, users: number): LinkPairs {
  const links = side.length;
  const start = new Int32Array(users + 1);
  for (let p = 0; p < links; p++) start[student[p] + 1]++;
  for (let n = 0; n < users; n++) start[n + 1] += start[n];
  const order = new Int32Array(links);
  const next = start.slice(0, users);
  for (let p = 0; p < links; p++) order[next[student[p]]++] = p;
  const sides = new Uint8Array(links);
  const count = new Int32Array(users);
  // stamp[g] is the student (plus one) whose links last met guardian g; first[g], g's first link to that student.
  const stamp = new Int32Array(users);
  const first = new Int32Array(users);
  for (let n = 0; n < users; n++) {
    for (let q = start[n]; q < start[n + 1]; q++) {
      const p = order[q];
      const g = guardian[p];
      if (stamp[g] === n + 1) sides[first[g]] |= side[p];
      else {
        stamp[g] = n + 1;
        first[g] = p;
        sides[p] = side[p];
        count[n]++;
      }
    }
  }
  return { sides, count, order, start };
}

/** Email syntax, guardians on a person's email, and emails on several guardians. */
function* emails(roster: Roster): Pieces {
  const out: Finding[] = [];
  // Emails numbered as first met (kept packed: 2.4 million of them at 1,000,000 students); by number, the row of the
  // first student or staff member and of the first guardian (-1: none), and every guardian's row once there are two.
  const users = new UserFields(roster.users);
  const numbers = IdTable.packed(users.length);
  const person = new Int32Array(users.length).fill(-1);
  const firstGuardian = new Int32Array(users.length).fill(-1);
  const moreGuardians = new Map<number, number[]>();
  let rows = 0;
  // Field by field: a user is made whole only for a finding (user-table.ts).
  for (let i = 0; i < users.length; i++) {
    if (++rows % PIECE_ROWS === 0) yield;
    const email = normalizeEmail(users.email(i));
    if (!email) continue;
    if (!isValidEmail(email)) {
      const u = users.user(i);
      out.push(finding({
        code: "email.invalid",
        severity: isGuardian(u) ? "error" : "warning",
        entity: { sourcedId: u.sourcedId, email },
        message: `users.csv: ${u.role} ${u.sourcedId} (${userName(u)}) has an invalid email "${u.email.trim()}"`,
        details: { role: u.role },
        resolution: FIX_IN_SIS(
          isGuardian(u)
            ? "Correct the guardian's email; no parent login can be made without it."
            : "Correct the email in the SIS.",
        ),
      }));
    }
    if (!users.active(i)) continue;
    const role = users.role(i);
    const guardian = GUARDIAN_ROLES.has(role);
    if (!guardian && role !== "student" && !STAFF.has(role)) continue;
    const n = numbers.add(email);
    if (guardian) {
      const first = firstGuardian[n];
      if (first === -1) firstGuardian[n] = i;
      else {
        // Pushed, not copied: 100,000 guardians on one email must not cost 100,000 copies.
        const more = moreGuardians.get(n);
        if (more) more.push(i);
        else moreGuardians.set(n, [first, i]);
      }
    } else if (person[n] === -1) person[n] = i;
  }
  for (let n = 0; n < numbers.size; n++) {
    if (n % PIECE_ROWS === PIECE_ROWS - 1) yield;
    const first = firstGuardian[n];
    if (first === -1) continue;
    const email = numbers.at(n);
    const ids = (moreGuardians.get(n) ?? [first]).map((row) => users.sourcedId(row));
    const personRow = person[n];
    if (personRow !== -1) {
      const person = `${users.role(personRow)} ${users.sourcedId(personRow)}`;
      for (const id of ids) {
        out.push(finding({
          code: "email.guardian_shares_person_email",
          entity: { sourcedId: id, email },
          message: `users.csv: guardian ${id}'s email ${email} is also the email of ${person}`,
          details: { person },
          resolution: FIX_IN_SIS(
            "Give the guardian their own email; a login shared with a student or staff member breaks downstream systems.",
          ),
        }));
      }
    }
    if (ids.length >= 2) {
      out.push(finding({
        code: "email.shared_by_guardians",
        entity: { email },
        message: `users.csv: ${ids.length} guardians share ${email}: ${listText(ids)}`,
        details: { guardians: ids },
        resolution: FIX_IN_SIS(
          "One login will serve all of them; give each guardian their own email unless they are one family.",
        ),
      }));
    }
  }
  return out;
}

/** Enumerations the reader keeps as written, date order, terms within school years. */
function* values(roster: Roster): Pieces {
  const out: Finding[] = [];
  const sessions = new Map(roster.academicSessions.map((s) => [s.sourcedId, s]));
  const courses = new Map(roster.courses.map((c) => [c.sourcedId, c]));
  const order = (file: string, sourcedId: string, begin: string | undefined, end: string | undefined, what: string) => {
    const f = dateOrder(file, sourcedId, begin, end, what);
    if (f) out.push(f);
  };
  let rows = 0;
  for (const c of roster.classes) {
    if (++rows % PIECE_ROWS === 0) yield;
    if (c.classType && !["homeroom", "scheduled"].includes(c.classType)) {
      out.push(finding({
        code: "value.invalid_enum",
        entity: { file: "classes.csv", sourcedId: c.sourcedId, column: "classType" },
        message: `classes.csv: ${c.sourcedId} has classType "${c.classType}"; expected homeroom or scheduled`,
        details: { value: c.classType },
        resolution: fix("Use homeroom or scheduled."),
      }));
    }
    const year = sessions.get(courses.get(c.courseSourcedId)?.schoolYearSourcedId ?? "");
    for (const t of c.termSourcedIds) {
      const term = sessions.get(t);
      if (!year || !term || term === year || !ISO_DATE.test(term.startDate) || !ISO_DATE.test(year.startDate)) continue;
      if (
        term.startDate < year.startDate ||
        (ISO_DATE.test(term.endDate) && ISO_DATE.test(year.endDate) && term.endDate > year.endDate)
      ) {
        out.push(finding({
          code: "value.term_outside_school_year",
          entity: { sourcedId: c.sourcedId, termSourcedId: t },
          message:
            `classes.csv: ${c.sourcedId}'s term ${t} (${term.startDate}–${term.endDate}) falls outside its school year ${year.sourcedId} (${year.startDate}–${year.endDate})`,
          details: { term: [term.startDate, term.endDate], schoolYear: [year.startDate, year.endDate] },
          resolution: fix("Give the class this year's terms."),
        }));
      }
    }
  }
  for (const s of roster.academicSessions) {
    if (!["gradingPeriod", "semester", "schoolYear", "term"].includes(s.type)) {
      out.push(finding({
        code: "value.invalid_enum",
        entity: { file: "academicSessions.csv", sourcedId: s.sourcedId, column: "type" },
        message:
          `academicSessions.csv: ${s.sourcedId} has type "${s.type}"; expected gradingPeriod, semester, schoolYear or term`,
        details: { value: s.type },
        resolution: fix("Use one of the spec's session types."),
      }));
    }
    order("academicSessions.csv", s.sourcedId, s.startDate, s.endDate, "starts");
  }
  return out;
}

/** Counts per school, schools without students, classes without a teacher. */
function volume(roster: Roster, checks: EnrollmentChecks): Finding[] {
  const out: Finding[] = [];
  const counts = new Map<string, { students: number; teachers: number; classes: number; enrollments: number }>();
  const schools = roster.orgs.filter((o) => o.type === "school" && isActiveInSource(o));
  for (const s of schools) counts.set(s.sourcedId, { students: 0, teachers: 0, classes: 0, enrollments: 0 });
  const users = new UserFields(roster.users);
  for (let u = 0; u < users.length; u++) {
    const role = users.role(u);
    const student = role === "student";
    if ((!student && role !== "teacher") || !users.active(u)) continue;
    // Each org once (no Set for the usual one or two).
    const own = users.orgs(u);
    const orgs = own.length > 8 ? [...new Set(own)] : own;
    for (let i = 0; i < orgs.length; i++) {
      const o = orgs[i];
      if (i > 0 && orgs.lastIndexOf(o, i - 1) !== -1) continue;
      const c = counts.get(o);
      if (c && student) c.students++;
      else if (c) c.teachers++;
    }
  }
  for (const [school, n] of checks.bySchool) {
    const c = counts.get(school);
    if (c) c.enrollments += n;
  }
  const taught = checks.taught;
  for (const cls of roster.classes) {
    if (!isActiveInSource(cls)) continue;
    const c = counts.get(cls.schoolSourcedId);
    if (c) c.classes++;
    if (!taught.has(cls.sourcedId) && fileMode(roster, "enrollments") === "bulk") {
      out.push(finding({
        code: "volume.class_without_teacher",
        entity: { sourcedId: cls.sourcedId },
        message: `classes.csv: class ${cls.sourcedId} (${cls.title.trim()}) has no active teacher enrollment`,
        details: { school: cls.schoolSourcedId },
        resolution: FIX_IN_SIS("Assign the class's teacher in the SIS; without one nobody manages it in Bookmarked."),
      }));
    }
  }
  for (const s of schools) {
    const c = counts.get(s.sourcedId)!;
    out.push(finding({
      code: "volume.school_counts",
      entity: { sourcedId: s.sourcedId },
      message:
        `${s.name}: ${c.students} students, ${c.teachers} teachers, ${c.classes} classes, ${c.enrollments} enrollments`,
      details: { name: s.name, ...c },
      resolution: {
        action: "investigate",
        explanation: "Compare with what the district expects; a school far below its usual size is a partial export.",
      },
    }));
    if (c.students === 0 && fileMode(roster, "users") === "bulk") {
      out.push(finding({
        code: "volume.school_without_students",
        entity: { sourcedId: s.sourcedId },
        message: `orgs.csv: school ${s.sourcedId} (${s.name}) has no active student`,
        details: c,
        resolution: FIX_IN_SIS(
          "A new or closed school, or students exported under the district org: check with the district.",
        ),
      }));
    }
  }
  return out;
}
