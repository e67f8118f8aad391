/**
 * The roster side of a lookup, answered from a workspace: a few indexed-size
 * queries (the person, their family walked through `user_agents` and shared
 * emails, their enrollments and classes) instead of a scan of the export.
 */
import type { LightUser, LookupQuery, LookupSource, SliceInput } from "../app/lookup.ts";
import type { Roster } from "../model/roster.ts";
import { foldForSearch } from "../normalize.ts";
import type { RosterState, Workspace } from "./store.ts";
import type { Database, SqlParam } from "./duckdb.ts";
import { WorkspaceCannotAnswer } from "./cannot-answer.ts";
import { CLASSES, ENROLLMENTS, ISSUES, ORGS, readRows, REJECTED, USERS } from "./tables.ts";

const LIGHT = `"sourced_id", "role", "agent_sourced_ids", "email_norm", "identifier", "name_fold"`;
/** Guardians and other adults share logins by email; students and teachers do not (the lookup's family rule). */
const SHARES_EMAIL = `"role" not in ('student', 'teacher')`;
/** How many ids (or emails) a lookup source remembers the rows of, per kind, before it forgets them all. */
const REMEMBERED = 100_000;
/** Lists up to this long are spelled out as parameters; longer ones are unnested. */
const SPELLED_OUT = 64;

/**
 * `column in (…values)`, the values appended to `params`. A short list is spelled out, `in ($2, $3, $4)`, so DuckDB
 * reads the column's index; `in (select unnest($2))` is a join that scans the column (3 users among 400,000: 2.8 ms
 * against 10.6 ms; a class's row, 57 ms as a join).
 *
 * @example
 * const params: SqlParam[] = ["x"];
 * isIn(`"sourced_id"`, ["a", "b"], params) // `"sourced_id" in ($2, $3)`, params ["x", "a", "b"]
 */
export function isIn(column: string, values: Iterable<string>, params: SqlParam[]): string {
  const list = [...values];
  if (list.length > SPELLED_OUT) {
    params.push(list);
    return `${column} in (select unnest($${params.length}))`;
  }
  if (list.length === 0) return "false";
  const first = params.length + 1;
  params.push(...list);
  return `${column} in (${list.map((_, i) => `$${first + i}`).join(", ")})`;
}

function light(row: unknown[]): LightUser {
  const [id, role, agents, email, identifier, name] = row as string[];
  return { id, role, agents: agents === "[]" ? [] : JSON.parse(agents), email, identifier, name };
}

/**
 * A lookup source over a workspace's stored roster. With `maxRows`, a lookup that would read more rows than that
 * (people matched, a family, a class's members, the export's issues and rejected rows) rejects with
 * {@link WorkspaceCannotAnswer} `large` before reading them.
 *
 * @example
 * const source = workspaceLookupSource(ws, (await ws.rosterState())!);
 */
export function workspaceLookupSource(ws: Workspace, state: RosterState, maxRows = Infinity): LookupSource {
  return unreadableAsUnavailable(ws.path, sourceOver(ws, state, maxRows));
}

/**
 * The source with every failure to read the workspace (a damaged file, a table missing, DuckDB failing mid-query)
 * turned into {@link WorkspaceCannotAnswer} `unavailable`, so the lookup is answered from the export instead of
 * failing. The source's methods read only the workspace: nothing else can fail in them.
 */
function unreadableAsUnavailable(path: string, source: LookupSource): LookupSource {
  const guarded = { ...source };
  for (const [name, method] of Object.entries(source)) {
    if (typeof method !== "function") continue;
    (guarded as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      try {
        return await method.apply(source, args);
      } catch (e) {
        if (e instanceof WorkspaceCannotAnswer) throw e;
        throw new WorkspaceCannotAnswer(
          "unavailable",
          `the workspace ${path} could not be read: ${(e as Error).message}`,
        );
      }
    };
  }
  return guarded;
}

/**
 * The database with its queries run one at a time, in the order asked: a slice read ahead ({@link
 * LookupSource.prefetch}) runs beside the rest of the lookup, and one DuckDB connection runs one query at a time.
 */
function oneAtATime(db: Database): Database {
  let last: Promise<unknown> = Promise.resolve();
  const queued = <T>(run: () => Promise<T>): Promise<T> => {
    const next = last.then(run, run);
    last = next.catch(() => {});
    return next;
  };
  return {
    path: db.path,
    readOnly: db.readOnly,
    connection: db.connection,
    run: (sql, params) => queued(() => db.run(sql, params)),
    all: (sql, params) => queued(() => db.all(sql, params)),
    rows: (sql, params) => queued(() => db.rows(sql, params)),
    close: () => db.close(),
  };
}

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>) => a.size === b.size && [...a].every((x) => b.has(x));

function sourceOver(ws: Workspace, state: RosterState, maxRows: number): LookupSource {
  const db = oneAtATime(ws.db);
  const bound = (n: number, what: string) => {
    if (n > maxRows) {
      throw new WorkspaceCannotAnswer(
        "large",
        `the lookup reaches more than ${maxRows.toLocaleString("en-US")} ${what}`,
      );
    }
  };
  /** A query's `limit`: one row more than the bound, so that a match of everything stops at the bound. */
  const cap = Number.isFinite(maxRows) ? ` limit ${maxRows + 1}` : "";
  // Light rows (six short columns), read one more than the bound allows so that a match of everyone stops here.
  const users = async (where: string, params: SqlParam[]) => {
    const rows = await db.rows(`select ${LIGHT} from users where ${where} order by seq${cap}`, params);
    bound(rows.length, "people");
    return rows.map(light);
  };
  // Light rows, guardian links and email sharers once read are remembered: the stored roster does not change while
  // this source lives (a rebuilt workspace gets a new one), and a lookup asks the same people again (its family is
  // walked once from the people asked and again from everyone the platform names). Each map is emptied when full.
  const known = {
    users: new Map<string, Array<{ seq: number; user: LightUser }>>(),
    listing: new Map<string, string[]>(),
    sharing: new Map<string, string[]>(),
  };
  /**
   * What `read` gives for each key, the keys not yet known read in one query and remembered. `read` bounds its own
   * answer (capped at the bound, it must not be remembered); the caller bounds the whole.
   */
  const byKey = async <V>(
    map: Map<string, V[]>,
    keys: Iterable<string>,
    read: (missing: string[]) => Promise<Array<[string, V]>>,
  ): Promise<Map<string, V[]>> => {
    const got = new Map<string, V[]>();
    const missing: string[] = [];
    for (const key of new Set(keys)) {
      const had = map.get(key);
      if (had) got.set(key, had);
      else missing.push(key);
    }
    if (missing.length) {
      for (const key of missing) got.set(key, []);
      for (const [key, value] of await read(missing)) got.get(key)?.push(value);
      for (const key of missing) {
        if (map.size >= REMEMBERED) map.clear();
        map.set(key, got.get(key)!);
      }
    }
    return got;
  };
  const usersIn = async (ids: Iterable<string>) => {
    const got = await byKey(known.users, ids, async (missing) => {
      const params: SqlParam[] = [];
      const rows = await db.rows(
        `select seq, ${LIGHT} from users where ${isIn(`"sourced_id"`, missing, params)} order by seq${cap}`,
        params,
      );
      bound(rows.length, "people");
      return rows.map((r) => [String(r[1]), { seq: Number(r[0]), user: light(r.slice(1)) }]);
    });
    const rows = [...got.values()].flat().sort((a, b) => a.seq - b.seq);
    bound(rows.length, "people");
    return rows.map((r) => r.user);
  };
  const fast = (table: string) => !state.slow.includes(table);
  // What every lookup reads whole (the export's orgs, reader issues and rejected rows) is the same for every lookup
  // of this stored roster: read once, and copied into each result so that one caller's changes stay its own.
  let whole: Promise<Pick<Roster, "orgs" | "issues" | "rejected">> | undefined;
  const loadWhole = () => {
    whole ??= (async () => ({
      orgs: await readRows(db, ORGS, { fast: fast("orgs") }),
      issues: await readRows(db, ISSUES, { fast: fast("issues") }),
      rejected: await readRows(db, REJECTED, { fast: fast("rejected") }),
    }))();
    // A read that failed is tried again by the next lookup.
    return whole.catch((e) => (whole = undefined, Promise.reject(e)));
  };
  const wholeTables = async () => structuredClone(await loadWhole());
  let wholeCount: number | undefined;
  const among = (column: string, values: Iterable<string>) => {
    const params: SqlParam[] = [];
    return { where: isIn(column, values, params), params };
  };
  /** Whose enrollments a slice reads: the class's, or the people's. */
  const enrolledWhere = ({ query, key, people, targetClasses }: SliceInput) =>
    query.kind === "class" ? among(`"class_sourced_id"`, [key, ...targetClasses]) : among(`"user_sourced_id"`, people);
  /** Refuses a slice larger than the bound, before reading it. */
  const admitSlice = async (input: SliceInput) => {
    if (!Number.isFinite(maxRows)) return;
    const mine = enrolledWhere(input);
    const [[enrolled]] = await db.rows(`select count(*) from ${ENROLLMENTS.table} where ${mine.where}`, mine.params);
    bound(Number(enrolled), "enrollments");
    bound(input.classIds.size + input.targetClasses.size + 1, "classes");
  };
  /** The rows of a slice that depend only on who it is about: their enrollments and their family's user rows. */
  const readPeople = async (input: SliceInput) => ({
    enrollments: await readRows(db, ENROLLMENTS, { ...enrolledWhere(input), fast: fast("enrollments") }),
    users: await readRows(db, USERS, { ...among(`"sourced_id"`, input.wanted), fast: fast("users") }),
  });
  const readSlice = async (input: SliceInput, readAhead?: Pick<Roster, "enrollments" | "users">): Promise<Roster> => {
    const { query, key, classIds } = input;
    const { enrollments, users } = readAhead ?? await readPeople(input);
    if (query.kind !== "class") { for (const e of enrollments) classIds.add(e.classSourcedId); }
    const classes = await readRows(db, CLASSES, {
      ...among(`"sourced_id"`, [key, ...classIds]),
      fast: fast("classes"),
    });
    // The whole export's orgs, reader issues and rejected rows, as the full diagnosis has them.
    const { orgs, issues, rejected } = await wholeTables();
    return {
      source: state.source,
      fileModes: state.fileModes as Roster["fileModes"],
      orgs,
      users,
      classes,
      enrollments,
      courses: [],
      academicSessions: [],
      issues,
      rejected,
    };
  };
  /** Whether a slice read for `guess` reads the same people as `input` asks: the same query, people and family. */
  const samePeople = (guess: SliceInput, input: SliceInput) =>
    guess.query.kind === input.query.kind && guess.key === input.key && sameSet(guess.wanted, input.wanted) &&
    sameSet(guess.people, input.people) && sameSet(guess.targetClasses, input.targetClasses);
  /** The people's rows being read ahead, and the input they are read for. */
  let ahead: { input: SliceInput; people: Promise<Awaited<ReturnType<typeof readPeople>> | undefined> } | undefined;
  return {
    from: "workspace",
    async classMembers(key) {
      const classes = await db.rows(
        `select "sourced_id" from classes where "sourced_id" = $1 or "class_code" = $1${cap}`,
        [key],
      );
      bound(classes.length, "classes");
      const members = await db.rows(
        `select "user_sourced_id" from enrollments where "class_sourced_id" = $1${cap}`,
        [key],
      );
      bound(members.length, "class members");
      return { classIds: classes.map((r) => String(r[0])), userIds: members.map((r) => String(r[0])) };
    },
    async targets(query: LookupQuery, key: string, also) {
      // The CSV lookup's isTarget, in SQL: the same columns, normalised the same way when the roster was stored.
      const lower = key.toLowerCase();
      switch (query.kind) {
        case "student": {
          // Each way of matching on its own, then the rows by seq: one condition with every way ORed makes DuckDB
          // evaluate them all on every row (30 ms at 400,000 users against 9).
          const params: SqlParam[] = [key, foldForSearch(key)];
          const others = isIn(`"sourced_id"`, also, params);
          return await users(
            `seq in (select seq from users where "role" = 'student' and "sourced_id" = $1
              union all select seq from users where "role" = 'student' and "identifier" = $1
              union all select seq from users where "role" = 'student' and contains("name_fold", $2)
              union all select seq from users where ${others})`,
            params,
          );
        }
        case "parent": {
          const params: SqlParam[] = [lower];
          const others = isIn(`"sourced_id"`, also, params);
          return await users(`("email_norm" = $1 and ${SHARES_EMAIL}) or ${others}`, params);
        }
        case "teacher": {
          const params: SqlParam[] = [key, lower];
          const others = isIn(`"sourced_id"`, also, params);
          return await users(`("role" = 'teacher' and ("sourced_id" = $1 or "email_norm" = $2)) or ${others}`, params);
        }
        case "class":
          return await usersIn(also);
      }
    },
    async usersById(ids) {
      return ids.size ? await usersIn(ids) : [];
    },
    async close(ids, emails) {
      // The family walk of the CSV lookup (guardians, their students, guardians sharing an email), one round of queries per step.
      const out = new Set<string>();
      const seenEmails = new Set<string>();
      let queue = [...ids];
      let pendingEmails: string[] = [];
      const visitEmail = (email: string) => {
        if (!email || seenEmails.has(email)) return;
        seenEmails.add(email);
        pendingEmails.push(email);
      };
      for (const e of emails) visitEmail(e);
      while (queue.length || pendingEmails.length) {
        if (pendingEmails.length) {
          // The role is tested outside (`offset 0` keeps DuckDB from merging the two): a filter beside the
          // indexed one makes DuckDB scan the column instead of reading the index, 6 ms instead of 1.
          const sharing = await byKey(known.sharing, pendingEmails, async (missing) => {
            const params: SqlParam[] = [];
            const rows = await db.rows(
              `select "email_norm", "sourced_id" from (select "email_norm", "sourced_id", "role" from users where ${
                isIn(`"email_norm"`, missing, params)
              } offset 0) where ${SHARES_EMAIL}${cap}`,
              params,
            );
            bound(rows.length, "people sharing an email");
            return rows.map((r) => [String(r[0]), String(r[1])]);
          });
          const ids = [...sharing.values()].flat();
          bound(ids.length, "people sharing an email");
          pendingEmails = [];
          for (const id of ids) queue.push(id);
        }
        const fresh = [...new Set(queue)].filter((id) => !out.has(id));
        queue = [];
        if (!fresh.length) continue;
        bound(out.size + fresh.length, "people in the family");
        for (const id of fresh) out.add(id);
        for (const u of await usersIn(fresh)) {
          for (const a of u.agents) queue.push(a);
          if (u.role !== "student" && u.role !== "teacher") visitEmail(u.email);
        }
        const listing = await byKey(known.listing, fresh, async (missing) => {
          const params: SqlParam[] = [];
          const rows = await db.rows(
            `select "agent_sourced_id", "user_sourced_id" from user_agents where ${
              isIn(`"agent_sourced_id"`, missing, params)
            }${cap}`,
            params,
          );
          bound(rows.length, "guardian links");
          return rows.map((r) => [String(r[0]), String(r[1])]);
        });
        const listed = [...listing.values()].flat();
        bound(listed.length, "guardian links");
        for (const id of listed) queue.push(id);
      }
      return out;
    },
    async admit() {
      if (!Number.isFinite(maxRows)) return;
      // What every lookup reads whole (the export's orgs, issues and rejected rows): counted, by the first lookup of
      // this workspace, before anything else is read.
      if (wholeCount === undefined) {
        const [[count]] = await db.rows(
          `select (select count(*) from ${ORGS.table}) + (select count(*) from ${ISSUES.table}) + (select count(*) from ${REJECTED.table})`,
        );
        wholeCount = Number(count);
      }
      bound(wholeCount, "orgs, issues and rejected rows of the export");
    },
    prefetch(input) {
      // Its own copy of the sets it reads by: the caller's may change while it reads.
      const mine = {
        ...input,
        wanted: new Set(input.wanted),
        people: new Set(input.people),
        targetClasses: new Set(input.targetClasses),
      };
      // A read that fails or is refused as too large is not kept; the slice asked later reads (and fails) on its own.
      ahead = { input: mine, people: admitSlice(mine).then(() => readPeople(mine)).catch(() => undefined) };
      // What every lookup reads whole is read once per workspace: the first lookup reads it here too.
      return Promise.all([ahead.people, loadWhole().catch(() => {})]).then(() => {});
    },
    async slice(input: SliceInput): Promise<Roster> {
      const guess = ahead;
      ahead = undefined;
      const people = await guess?.people;
      await admitSlice(input);
      // The platform's classes are read after it, always: a student's family's classes are among them.
      return await readSlice(input, people && guess && samePeople(guess.input, input) ? people : undefined);
    },
  };
}
