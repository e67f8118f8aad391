/**
 * A roster's users as columns: two per student at 1,000,000 students, and
 * as objects about 390 bytes each (the object, its origin, its agents'
 * list and its own strings), 750 MB of the heap the collector traced on
 * every full collection. Here ids and agents are numbers in one table of
 * ids, names and other repeated values are numbered once each, the lists
 * the reader shares (roles, orgs, grades) are kept once each, and the
 * strings nearly every user has its own of (username, identifier, email)
 * are packed. A row is an object again only while a caller holds it.
 */
import { isActiveInSource, type RoleAssignment, type Status, type User } from "./roster.ts";
import { IdTable } from "../id-table.ts";
import { Column, ColumnTable, type Rows, TextColumn } from "./rows.ts";

const NONE = -1;

/** What a user's list field holds. */
type List = readonly string[] | readonly RoleAssignment[];

/**
 * Users kept as columns. `push` takes a user apart; `at` and iteration give
 * each back as a fresh object with the same fields, in the same order, as
 * the reader built it (an absent optional field is there, undefined). The lists a row gives back (roles, orgs, grades) are
 * frozen and shared between rows, as the reader shares them; its agents are
 * a fresh array. `indexOf` finds a user's row by sourcedId without another
 * table of the ids. The columns are own properties so that two tables
 * compare by their rows (as `assertEquals` does); read them through `at`,
 * iteration and `indexOf` only.
 *
 * @example
 * const users = new UserTable();
 * users.push(user); // a User, as a reader builds it
 * users.at(users.indexOf(user.sourcedId))?.email === user.email // true
 */
export class UserTable extends ColumnTable<User> {
  /** Every sourcedId and agent id, numbered in order of first appearance. */
  readonly #ids = new IdTable();
  /** Each row's sourcedId, by number. */
  readonly idNumbers = new Column(Int32Array);
  /** By id number: the first row with that sourcedId, plus one (0: only named as an agent). */
  readonly firstRow = new Column(Int32Array);
  /** Each row's agents: numbers of ids, row after row; row i's end at `agentEnds[i]`. */
  readonly agents = new Column(Int32Array);
  readonly agentEnds = new Column(Int32Array);
  #agentCount = 0;
  /** Statuses, roles, names and origin files, numbered in order of first appearance. */
  readonly #values = new IdTable(1024);
  readonly status = new Column(Int32Array);
  readonly roleNames = new Column(Int32Array);
  readonly givenNames = new Column(Int32Array);
  readonly familyNames = new Column(Int32Array);
  readonly middleNames = new Column(Int32Array);
  readonly files = new Column(Int32Array);
  readonly lines = new Column(Int32Array);
  /** 0 false, 1 true. */
  readonly enabled = new Column(Int8Array);
  /** The distinct lists, each kept frozen once, numbered: by the very list first, then by what it holds. */
  readonly lists: List[] = [];
  readonly #listByIdentity = new Map<List, number>();
  readonly #listByText = new Map<string, number>();
  readonly roles = new Column(Int32Array);
  readonly orgs = new Column(Int32Array);
  readonly grades = new Column(Int32Array);
  /**
   * Each row's username where it is not the start of its email; null where it is (most often the whole email, or its
   * part before the @), and then `usernameInEmail` says how many of the email's characters it is (-1: here instead).
   * At 1,000,000 students that was 55 MB of usernames kept twice.
   */
  readonly usernames = new TextColumn();
  readonly usernameInEmail = new Column(Int32Array);
  readonly identifiers = new TextColumn();
  readonly emails = new TextColumn();
  /** The rare rows with extension columns. */
  readonly extensions = new Map<number, Record<string, string>>();

  /**
   * The table of `users` (a roster built by hand or by another reader).
   *
   * @example
   * UserTable.from(roster.users).length === roster.users.length // true
   */
  static from(users: Iterable<User>): UserTable {
    return new UserTable().pushAll(users);
  }

  push(u: User): void {
    const i = this.count;
    const id = this.#id(u.sourcedId);
    this.idNumbers.set(i, id);
    if (this.firstRow.get(id) === 0) this.firstRow.set(id, i + 1);
    this.status.set(i, this.#values.add(u.status));
    this.enabled.set(i, u.enabledUser ? 1 : 0);
    this.roleNames.set(i, this.#values.add(u.role));
    this.roles.set(i, this.#list(u.roles));
    this.orgs.set(i, this.#list(u.orgSourcedIds));
    const inEmail = typeof u.username === "string" && typeof u.email === "string" && u.email.startsWith(u.username)
      ? u.username.length
      : NONE;
    this.usernameInEmail.set(i, inEmail);
    this.usernames.push(inEmail === NONE ? u.username : null);
    this.givenNames.set(i, this.#values.add(u.givenName));
    this.familyNames.set(i, this.#values.add(u.familyName));
    this.middleNames.set(i, this.#values.add(u.middleName));
    this.identifiers.push(u.identifier);
    this.emails.push(u.email);
    for (const a of u.agentSourcedIds) this.agents.set(this.#agentCount++, this.#id(a));
    this.agentEnds.set(i, this.#agentCount);
    this.grades.set(i, this.#list(u.grades));
    if (u.extensions !== undefined) this.extensions.set(i, { ...u.extensions });
    if (u.origin === undefined) this.files.set(i, NONE);
    else {
      this.files.set(i, this.#values.add(u.origin.file));
      // Less the row's number: rows come a line each, so this is most often one small number (8 bits, not 32).
      this.lines.set(i, u.origin.line - i);
    }
    this.count = i + 1;
  }

  /**
   * The row of the first user with `sourcedId`, or -1.
   *
   * @example
   * users.indexOf("stu-000001") // 0
   */
  indexOf(sourcedId: string): number {
    const id = this.#ids.indexOf(sourcedId);
    return id === NONE ? NONE : this.firstRow.get(id) - 1;
  }

  /** How many ids the table numbers: every sourcedId and agent id (see {@link UserIds}). */
  get idCount(): number {
    return this.#ids.size;
  }

  /** The number of a sourcedId or agent id, or -1. */
  idNumberOf(id: string): number {
    return this.#ids.indexOf(id);
  }

  /** The id numbered `n`. */
  idAt(n: number): string {
    return this.#ids.at(n);
  }

  /** Row `i`'s sourcedId (0 ≤ i < length), without making the row; likewise the other `…At`. */
  sourcedIdAt(i: number): string {
    return this.#ids.at(this.idNumbers.get(i));
  }

  roleAt(i: number): string {
    return this.#values.at(this.roleNames.get(i));
  }

  /** Status active and enabledUser not false ({@link isActiveInSource}). */
  activeAt(i: number): boolean {
    return this.enabled.get(i) === 1 && this.#values.at(this.status.get(i)) === "active";
  }

  statusAt(i: number): Status {
    return this.#values.at(this.status.get(i)) as Status;
  }

  /** Shared and frozen, as the row's own. */
  orgsAt(i: number): readonly string[] {
    return this.lists[this.orgs.get(i)] as readonly string[];
  }

  /** A fresh array of the row's agents' ids. */
  agentsAt(i: number): string[] {
    const from = i === 0 ? 0 : this.agentEnds.get(i - 1);
    const to = this.agentEnds.get(i);
    const out = new Array<string>(to - from);
    for (let k = from; k < to; k++) out[k - from] = this.#ids.at(this.agents.get(k));
    return out;
  }

  /** How many agents row `i` names. */
  agentCountAt(i: number): number {
    return this.agentEnds.get(i) - (i === 0 ? 0 : this.agentEnds.get(i - 1));
  }

  emailAt(i: number): string {
    return this.emails.get(i)!;
  }

  protected row(i: number): User {
    const v = this.#values.ids;
    const file = this.files.get(i);
    const email = this.emails.get(i)!;
    const inEmail = this.usernameInEmail.get(i);
    return {
      sourcedId: this.#ids.at(this.idNumbers.get(i)),
      status: v[this.status.get(i)] as Status,
      enabledUser: this.enabled.get(i) === 1,
      role: v[this.roleNames.get(i)] as User["role"],
      roles: this.lists[this.roles.get(i)] as RoleAssignment[],
      orgSourcedIds: this.lists[this.orgs.get(i)] as string[],
      username: inEmail === NONE ? this.usernames.get(i)! : email.slice(0, inEmail),
      givenName: v[this.givenNames.get(i)],
      familyName: v[this.familyNames.get(i)],
      middleName: v[this.middleNames.get(i)],
      identifier: this.identifiers.get(i)!,
      email,
      agentSourcedIds: this.agentsAt(i),
      grades: this.lists[this.grades.get(i)] as string[],
      extensions: this.#extensionsOf(i),
      origin: file === NONE ? undefined : { file: v[file], line: this.lines.get(i) + i },
    };
  }

  /** A row's extension columns, copied like the rest of the row. */
  #extensionsOf(i: number): Record<string, string> | undefined {
    const ext = this.extensions.get(i);
    return ext && { ...ext };
  }

  #id(id: string): number {
    const known = this.#ids.size;
    const n = this.#ids.add(id);
    if (n === known) this.firstRow.set(n, 0);
    return n;
  }

  /** The number of a list: the reader's shared lists by identity; any other by what it holds, kept frozen. */
  #list(list: List): number {
    const had = this.#listByIdentity.get(list);
    if (had !== undefined) return had;
    const text = JSON.stringify(list);
    let n = this.#listByText.get(text);
    if (n === undefined) {
      n = this.lists.length;
      this.lists.push(Object.isFrozen(list) ? list : freezeList(list));
      this.#listByText.set(text, n);
    }
    // Only frozen lists by identity: another may be changed after it is pushed, and then holds something else.
    if (Object.isFrozen(list)) this.#listByIdentity.set(list, n);
    return n;
  }
}

/** A frozen copy of a list, its role assignments frozen copies too. */
function freezeList(list: List): List {
  return Object.freeze(list.map((x) => typeof x === "string" ? x : Object.freeze({ ...x }))) as List;
}

/**
 * The fields of users that a scan over every user reads, by row, without
 * making each user where they are a {@link UserTable} (a scan of two million
 * users made 700 MB of rows for the collector); an array's rows are read as
 * they are. `user(i)` makes the whole row, for the few a scan keeps.
 *
 * @example
 * const users = new UserFields(roster.users);
 * for (let i = 0; i < users.length; i++) if (users.active(i) && users.role(i) === "student") count++;
 */
export class UserFields {
  readonly #table: UserTable | undefined;

  constructor(readonly users: Rows<User>) {
    this.#table = users instanceof UserTable ? users : undefined;
  }

  get length(): number {
    return this.users.length;
  }

  user(i: number): User {
    return this.users.at(i)!;
  }

  sourcedId(i: number): string {
    return this.#table ? this.#table.sourcedIdAt(i) : this.user(i).sourcedId;
  }

  role(i: number): string {
    return this.#table ? this.#table.roleAt(i) : this.user(i).role;
  }

  /** {@link isActiveInSource} of the row. */
  active(i: number): boolean {
    return this.#table ? this.#table.activeAt(i) : isActiveInSource(this.user(i));
  }

  status(i: number): Status {
    return this.#table ? this.#table.statusAt(i) : this.user(i).status;
  }

  orgs(i: number): readonly string[] {
    return this.#table ? this.#table.orgsAt(i) : this.user(i).orgSourcedIds;
  }

  agents(i: number): readonly string[] {
    if (!this.#table) return this.user(i).agentSourcedIds;
    return this.#table.agentCountAt(i) === 0 ? NO_AGENTS : this.#table.agentsAt(i);
  }

  email(i: number): string {
    return this.#table ? this.#table.emailAt(i) : this.user(i).email;
  }
}

const NO_AGENTS: readonly string[] = Object.freeze([]);

/**
 * Every sourcedId and agent id of a roster's users, numbered: a user table's
 * own numbering, or for users in an array one made for the caller. A scan
 * that relates users to one another (guardians to their students) then
 * compares numbers, where asking a hash table for each id took seconds at
 * 1,000,000 students.
 *
 * @example
 * const ids = UserIds.of(roster.users);
 * ids.at(ids.ofRow(0)) === roster.users.at(0)?.sourcedId // true
 * ids.agentsOf(0, (n) => console.log(ids.at(n))); // each agent id of row 0
 */
export class UserIds {
  readonly #table: UserTable | undefined;
  /** For users in an array: the ids, each row's sourcedId's number, and its agents' numbers (row i's end at agentEnds[i]). */
  readonly #ids: IdTable | undefined;
  readonly #rowIds: Int32Array | undefined;
  readonly #agents: Int32Array | undefined;
  readonly #agentEnds: Int32Array | undefined;

  private constructor(users: Rows<User>) {
    if (users instanceof UserTable) {
      this.#table = users;
      return;
    }
    const ids = this.#ids = new IdTable(users.length);
    const rowIds = this.#rowIds = new Int32Array(users.length);
    const agentEnds = this.#agentEnds = new Int32Array(users.length);
    const agents: number[] = [];
    for (let i = 0; i < users.length; i++) {
      const u = users.at(i)!;
      rowIds[i] = ids.add(u.sourcedId);
      for (const a of u.agentSourcedIds) agents.push(ids.add(a));
      agentEnds[i] = agents.length;
    }
    this.#agents = Int32Array.from(agents);
  }

  /** The numbering of `users`: read from a table, made for an array (which must not change while it is used). */
  static of(users: Rows<User>): UserIds {
    return new UserIds(users);
  }

  /** How many ids are numbered (numbers run from 0 to size - 1). */
  get size(): number {
    return this.#table ? this.#table.idCount : this.#ids!.size;
  }

  /** The number of row `i`'s sourcedId. */
  ofRow(i: number): number {
    return this.#table ? this.#table.idNumbers.get(i) : this.#rowIds![i];
  }

  /** Calls `each` with the number of each of row `i`'s agents, in order. */
  agentsOf(i: number, each: (n: number) => void): void {
    if (this.#table) {
      const t = this.#table;
      for (let k = i === 0 ? 0 : t.agentEnds.get(i - 1), end = t.agentEnds.get(i); k < end; k++) each(t.agents.get(k));
      return;
    }
    for (let k = i === 0 ? 0 : this.#agentEnds![i - 1], end = this.#agentEnds![i]; k < end; k++) each(this.#agents![k]);
  }

  /** The number of an id, or -1. */
  indexOf(id: string): number {
    return this.#table ? this.#table.idNumberOf(id) : this.#ids!.indexOf(id);
  }

  /** The id numbered `n`. */
  at(n: number): string {
    return this.#table ? this.#table.idAt(n) : this.#ids!.at(n);
  }
}

/**
 * Some rows of a roster's users, by row number, as rows of their own: the
 * guardians among two million users kept as numbers, each made a user again
 * only while a caller holds it.
 *
 * @example
 * const guardians = new PickedUsers(new UserFields(roster.users), Int32Array.of(3, 7));
 * guardians.at(0)?.sourcedId === roster.users.at(3)?.sourcedId // true
 */
export class PickedUsers extends ColumnTable<User> {
  constructor(readonly fields: UserFields, readonly rows: Int32Array) {
    super();
    this.count = rows.length;
  }

  push(): void {
    throw new TypeError("picked users are read only");
  }

  /** Row `i`'s sourcedId, without making the user. */
  sourcedId(i: number): string {
    return this.fields.sourcedId(this.rows[i]);
  }

  email(i: number): string {
    return this.fields.email(this.rows[i]);
  }

  protected row(i: number): User {
    return this.fields.user(this.rows[i]);
  }
}
