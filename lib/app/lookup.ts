/**
 * Person lookup: everything the roster and the platform say about one
 * student, parent, teacher or class, side by side, with the findings that
 * concern them. Reads only a focused slice of each side, so it answers in
 * seconds on a large district; the slice is closed over the person's family
 * and classes so the findings match a full diagnosis.
 */
import { hasControl } from "../text.ts";
import { z } from "zod";
import { GUARDIAN_ROLES, type Roster } from "../model/roster.ts";
import type { PlatformSnapshot } from "../model/snapshot.ts";
import type { Finding } from "../model/findings.ts";
import { DEFAULT_TOOLS, DIAGNOSTICS } from "../diagnostics/run.ts";
import { compareFindings } from "../model/findings.ts";
import { foldForSearch, normalizeEmail } from "../normalize.ts";
import { type Auditor, createAuditor, recordCounts } from "../audit.ts";
import type { Environment, PlatformConnection } from "../platform/connect.ts";
import { openPlatform } from "./open-platform.ts";
import { type PlatformFocus, readFocusedSnapshot } from "../platform/focus.ts";
import {
  type LoadedSettings,
  loadSettings,
  requireEmbeddedExport,
  resolveSettingsPath,
  SettingsError,
} from "../settings/load.ts";
import { type LookupWorkspace, openLookupWorkspace } from "../workspace/use.ts";
import { WorkspaceCannotAnswer } from "../workspace/cannot-answer.ts";

/**
 * A lookup key: text without control characters (a NUL reached the database as an internal error; no id, email,
 * number or name holds one).
 */
export const LookupKey = z.string().trim().min(1).refine((k) => !hasControl(k), {
  message: "must not hold control characters",
});

/** Who to look up. */
export const LookupQuery = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("student"), key: LookupKey }),
  z.object({ kind: z.literal("parent"), key: LookupKey }),
  z.object({ kind: z.literal("teacher"), key: LookupKey }),
  z.object({ kind: z.literal("class"), key: LookupKey }),
]);
export type LookupQuery = z.infer<typeof LookupQuery>;

/** What a lookup found. */
export interface LookupResult {
  query: LookupQuery;
  customer: string;
  environment: Environment;
  /** The focused roster: the person, their family or class, and the rows around them. */
  roster: Roster;
  /** The focused platform slice. */
  platform: PlatformSnapshot;
  /** Source ids of the person looked up (with their twins), or of the class's members. */
  people: string[];
  /** Ids and values a finding must name to concern this lookup. */
  concern: Array<string | number>;
  findings: Finding[];
  /** Milliseconds spent reading each side. */
  timings: { sourceMs: number; platformMs: number };
  /** Where the roster side came from: the export, or the workspace (with when it was read, and why not when it could not be used). */
  rosterFrom?: { kind: "export" | "workspace"; readAt?: string; note?: string };
}

/** Options of {@link lookupPerson}. */
export interface LookupOptions {
  /** The customer's settings, when the caller loaded them already. */
  loaded?: LoadedSettings;
  customerId: string;
  settingsDir: string;
  query: LookupQuery;
  environment?: Environment;
  sourcePath?: string;
  env?: Record<string, string | undefined>;
  /** Where the read is recorded; default the process's auditor; null only in pure tests. */
  auditor?: Auditor | null;
  /** An open platform connection to use (and leave open); default: open one for this call. */
  connection?: PlatformConnection;
  /**
   * Answer the roster side from this workspace folder when it holds the customer's current export; `refresh`
   * rebuilds it first; `maxRows` bounds what one lookup reads from it (the server's process sets it).
   */
  workspace?: { dir: string; refresh?: boolean; maxRows?: number; memoryLimit?: string };
  /**
   * Answer only from the workspace: a lookup the workspace cannot answer (none yet, other settings, a changed export,
   * more rows than `workspace.maxRows`, a workspace that fails to read) rejects with {@link WorkspaceCannotAnswer}
   * instead of reading the export in this process. The server sets it: it reads a district's export only in a job
   * worker, never in its own heap. Without it, a workspace that fails mid-lookup is left for the export.
   */
  workspaceOnly?: boolean;
}

/**
 * Looks up one person or class.
 *
 * @example
 * const result = await lookupPerson({ customerId: "demo-isd", settingsDir, environment: "embedded",
 *   query: { kind: "parent", key: "rosa.ruiz@example.org" } });
 */
export async function lookupPerson(options: LookupOptions): Promise<LookupResult> {
  const loaded = options.loaded ?? await loadSettings(options.settingsDir, options.customerId);
  // The auditor first: a lookup that cannot be audited fails before it reads anything.
  const auditor = options.auditor === undefined ? await createAuditor(options.env ?? {}) : options.auditor;
  options = { ...options, auditor };
  const ws = await openLookupWorkspace(options, loaded);
  try {
    return await lookupWith(options, loaded, ws);
  } finally {
    ws.close();
  }
}

/**
 * One lookup with the settings loaded, the auditor chosen (`options.auditor`)
 * and the workspace opened already: what {@link lookupPerson} and a
 * lookup session (`openLookupSession`) share.
 *
 * @example
 * const result = await lookupWith({ ...options, auditor: null }, loaded, await openLookupWorkspace(options, loaded));
 */
export async function lookupWith(
  options: LookupOptions,
  loaded: LoadedSettings,
  ws: LookupWorkspace,
  /** Told when the workspace failed under the lookup and the export answered instead. */
  onWorkspaceFailed?: (e: WorkspaceCannotAnswer) => void,
): Promise<LookupResult> {
  try {
    return await lookupOnce(options, loaded, ws);
  } catch (e) {
    if (!(e instanceof WorkspaceCannotAnswer) || !ws.source || options.workspaceOnly) throw e;
    // Only an export on disk can stand in (a REST source's roster is only in the workspace): else the real cause.
    if (!options.sourcePath && loaded.settings.source.kind !== "oneroster-csv") throw e;
    onWorkspaceFailed?.(e);
    // The workspace failed under the lookup (a damaged file, say): the export answers, and the result says why.
    const instead: LookupWorkspace = {
      note: `${e.message}; read the export instead`,
      reason: e.reason,
      current: () => Promise.resolve(false),
      close() {},
    };
    return await lookupOnce(options, loaded, instead);
  }
}

async function lookupOnce(
  options: LookupOptions,
  loaded: LoadedSettings,
  ws: LookupWorkspace,
): Promise<LookupResult> {
  const environment = options.environment ?? loaded.settings.oneshelf_environment;
  const source = loaded.settings.source;
  if (!ws.source && !options.sourcePath && source.kind !== "oneroster-csv") {
    throw new SettingsError(
      `lookup reads OneRoster CSV exports; ${loaded.settings.customer_id}'s source is ${source.kind}. ` +
        `Save a snapshot first (deno task diagnose --customer ${loaded.settings.customer_id} --snapshot DIR) and pass --source DIR`,
    );
  }
  let side = ws.source;
  if (!side) {
    if (!options.sourcePath) await requireEmbeddedExport(loaded);
    side = csvLookupSource(options.sourcePath ?? resolveSettingsPath(loaded, (source as { path: string }).path));
  }
  const { query } = options;
  const key = query.key.trim();

  // The platform's read-only transaction opens at once (connecting and reading the district take tens of ms) while a
  // workspace works out whom to ask for; step 2 gives it the focus. Beside an export's scan, which can take minutes,
  // it waits: an idle transaction that long may be ended by the server.
  let ask!: (focus: PlatformFocus) => void;
  let cancel!: (e: unknown) => void;
  const asked = new Promise<PlatformFocus>((resolve, reject) => (ask = resolve, cancel = reject));
  // Cancelled before the transaction awaits it (or when the platform failed first), it is not an unhandled rejection.
  asked.catch(() => {});
  const readPlatform = async () => {
    const conn = options.connection ??
      await openPlatform(environment, { env: options.env, applicationName: "cdt lookup" });
    try {
      return await readFocusedSnapshot(conn, loaded.settings.customer_id, asked);
    } finally {
      if (!options.connection) await conn.close();
    }
  };
  let reading = side.from === "workspace" ? readPlatform() : undefined;
  // Awaited in step 2; a failure meanwhile is not left unhandled.
  reading?.catch(() => {});

  // 1. The source: the person and their family (from one scan of users.csv, or the workspace's tables).
  const whom = async () => {
    const t0 = performance.now();
    const userIds = new Set<string>();
    const classIds = new Set<string>();
    if (query.kind === "class") {
      const members = await side.classMembers(key);
      for (const c of members.classIds) classIds.add(c);
      for (const u of members.userIds) userIds.add(u);
    }
    const targetUsers = await side.targets(query, key, userIds);
    const targets = new Set(targetUsers.map((u) => u.id));
    const numbers = new Set(targetUsers.filter((u) => u.identifier).map((u) => u.identifier));
    // A class lookup is about the class: its members' families are not read.
    const family = query.kind === "class"
      ? new Set(targets)
      : await side.close(targets, query.kind === "parent" ? [key.toLowerCase()] : []);
    const sourceMs = performance.now() - t0;

    // 2. The platform: the same people by id, number, email or name, with their twins, classes and accounts.
    const platformFrom = performance.now();
    const familyUsers = await side.usersById(family);
    await side.admit?.();
    const focus: PlatformFocus = query.kind === "class" ? { classSourceIds: [...classIds, key], classCodes: [key] } : {
      studentSourceIds: familyUsers.map((u) => u.id),
      studentNumbers: [...numbers],
      teacherSourceIds: [...targets],
      parentSourceIds: familyUsers.map((u) => u.id),
      parentEmails: familyUsers.map((u) => u.email).filter(Boolean),
    };
    if (query.kind === "student") {
      focus.studentSourceIds!.push(key);
      focus.studentNumbers!.push(key);
      if (!/^\S+$/.test(key) || !/\d/.test(key)) focus.studentName = key;
    } else if (query.kind === "teacher") {
      focus.teacherSourceIds!.push(key);
      focus.teacherEmails = [key];
    } else if (query.kind === "parent") {
      focus.parentEmails!.push(key.toLowerCase());
    } else if (/^\d+$/.test(key) && Number.isSafeInteger(Number(key))) {
      // A platform id only when it is one exactly: a longer number (1e+23, or one rounded) is a source id or a code.
      focus.classIds = [Number(key)];
    }
    // While the platform is read, a source that can (a workspace) reads the slice this lookup asks when the platform
    // names nobody and no class the roster does not already reach, as it seldom does; step 3 keeps it only if so.
    const readAhead = side.prefetch?.({
      query,
      key,
      wanted: query.kind === "class" ? new Set([...family, ...userIds]) : family,
      people: new Set([...targets, ...userIds]),
      classIds: new Set(classIds),
      targetClasses: new Set(classIds),
    });
    return { userIds, classIds, targets, family, focus, sourceMs, platformFrom, readAhead: readAhead?.catch(() => {}) };
  };
  let who: Awaited<ReturnType<typeof whom>>;
  try {
    who = await whom();
  } catch (e) {
    // The source side failed: the transaction ends without reading anything more.
    cancel(e);
    await reading?.catch(() => {});
    throw e;
  }
  const { userIds, classIds, targets, family } = who;
  let { sourceMs } = who;
  ask(who.focus);
  // 2 and 3: the platform, then the rows of everyone it names. A lookup that fails here waits for the source's read
  // ahead to end: its caller closes the workspace next.
  const bothSides = async () => {
    const platform = await (reading ??= readPlatform());
    const platformMs = performance.now() - who.platformFrom;

    // 3. Who the lookup is about, on both sides; then the source rows of everyone the slice names.
    const t0 = performance.now();
    const people = personIds(query, key, targets, userIds, platform);
    const named = new Set([...family, ...people]);
    for (const rows of [platform.students, platform.teachers, platform.parents]) {
      for (const r of rows) if (r.sourceId) named.add(r.sourceId);
    }
    const wanted = query.kind === "class"
      ? named
      : await side.close(named, platform.parents.map((p) => normalizeEmail(p.email)));
    const targetClasses = new Set(classIds);
    for (const c of platform.classes) if (c.sourceId) classIds.add(c.sourceId);
    const roster = await side.slice({ query, key, wanted, people, classIds, targetClasses });
    return { platform, platformMs, people, roster, sliceMs: performance.now() - t0 };
  };
  let read: Awaited<ReturnType<typeof bothSides>>;
  try {
    read = await bothSides();
  } catch (e) {
    await who.readAhead;
    throw e;
  }
  const { platform, platformMs, people, roster } = read;
  sourceMs += read.sliceMs;

  // 4. The findings that name this person, their family's accounts or their classes.
  const concern = concernSet(query, key, roster, platform, people);
  const findings: Finding[] = [];
  for (const tool of DEFAULT_TOOLS) {
    for (const f of DIAGNOSTICS[tool](roster, platform)) {
      if (concerns(f, concern)) findings.push(f);
    }
  }
  findings.sort(compareFindings);
  const auditor = options.auditor!;
  await auditor?.write({
    customer: loaded.settings.customer_id,
    environment,
    operation: `lookup ${query.kind}`,
    subject: auditor ? await auditor.subject(`${query.kind}:${key}`) : undefined,
    records: recordCounts(roster, platform, findings.length),
  });
  return {
    query,
    customer: loaded.settings.customer_id,
    environment,
    roster,
    platform,
    people: [...people].sort(),
    concern: [...concern],
    findings,
    timings: { sourceMs: Math.round(sourceMs), platformMs: Math.round(platformMs) },
    rosterFrom: ws.source ? { kind: "workspace", readAt: ws.readAt } : { kind: "export", note: ws.note },
  };
}

/** The few columns of a user row a lookup needs to find a person and their family. */
export interface LightUser {
  id: string;
  role: string;
  agents: string[];
  email: string;
  identifier: string;
  name: string;
}

/** What {@link LookupSource.slice} reads: the rows of everyone the slice names. */
export interface SliceInput {
  query: LookupQuery;
  key: string;
  wanted: ReadonlySet<string>;
  people: ReadonlySet<string>;
  /** The classes to read; the classes of `people`'s enrollments are added to it. */
  classIds: Set<string>;
  targetClasses: ReadonlySet<string>;
}

/**
 * Where a lookup reads the roster side: the export itself, or a workspace. The roster a slice gives holds plain arrays:
 * a lookup's result crosses to another thread (the server's jobs) as it is, and a table of columns cannot be copied
 * there (a reader's roster keeps its users and enrollments as tables: spread them, as the export's source does).
 */
export interface LookupSource {
  from: "export" | "workspace";
  /** Classes whose sourcedId or class code is `key`, and the users enrolled in class `key`. */
  classMembers(key: string): Promise<{ classIds: string[]; userIds: string[] }>;
  /** The users the query names, and the users in `also`. */
  targets(query: LookupQuery, key: string, also: ReadonlySet<string>): Promise<LightUser[]>;
  usersById(ids: ReadonlySet<string>): Promise<LightUser[]>;
  /** Adds everyone linked to `ids` (guardians, their students, guardians sharing their emails) until nothing new appears. */
  close(ids: Iterable<string>, emails: Iterable<string>): Promise<Set<string>>;
  /** Once the people are known and before the platform is read: refuses a lookup too large for where it runs. */
  admit?(): Promise<void>;
  /**
   * Starts reading the slice of `input` while the platform is read; {@link slice} answers from it when asked exactly
   * that slice, and reads again otherwise. Nothing else is read until it ends. Settles, never rejecting, when the read
   * ends: a lookup that fails before its slice waits for it, so that nothing reads a workspace being closed.
   */
  prefetch?(input: SliceInput): Promise<void>;
  slice(input: SliceInput): Promise<Roster>;
}

/** The CSV reader, loaded when a lookup reads an export: a lookup from a workspace starts without it. */
const csvReader = async () => (await import("../sources/oneroster-csv/read.ts")).readOneRosterCsv;

/** The lookup source of a OneRoster CSV export: one scan of users.csv, then only the records that can name the slice. */
function csvLookupSource(path: string): LookupSource {
  let scanned: Promise<UserGraph> | undefined;
  const graph = () => scanned ??= scanUsers(path);
  return {
    from: "export",
    async classMembers(key) {
      const slice = await (await csvReader())(path, {
        only: ["classes", "enrollments"],
        keep: {
          enrollments: (get) => get("classSourcedId").trim() === key,
          classes: (get) => get("sourcedId").trim() === key || get("classCode").trim() === key,
        },
      });
      return {
        classIds: slice.classes.map((c) => c.sourcedId),
        userIds: Array.from(slice.enrollments, (e) => e.userSourcedId),
      };
    },
    async targets(query, key, also) {
      return (await graph()).users.filter((u) => isTarget(query, key, u) || also.has(u.id));
    },
    async usersById(ids) {
      return (await graph()).users.filter((u) => ids.has(u.id));
    },
    async close(ids, emails) {
      return (await graph()).close(ids, emails);
    },
    slice: async ({ query, key, wanted, people, classIds, targetClasses }) => {
      const roster = await (await csvReader())(path, {
        keep: {
          users: (get) => wanted.has(get("sourcedId").trim()),
          enrollments: (get) => {
            const cls = get("classSourcedId").trim();
            if (query.kind === "class") return targetClasses.has(cls) || cls === key;
            if (!people.has(get("userSourcedId").trim())) return false;
            classIds.add(cls);
            return true;
          },
          classes: (get) => classIds.has(get("sourcedId").trim()) || get("sourcedId").trim() === key,
          courses: () => false,
          academicSessions: () => false,
        },
        // Skip, unparsed, every record that cannot name what is wanted; `keep` decides exactly.
        contains: {
          ...(wanted.size <= 1000 ? { users: [...wanted] } : {}),
          enrollments: query.kind === "class" ? [key, ...targetClasses] : [...people],
          get classes() {
            return [key, ...classIds];
          },
        },
      });
      // A lookup's few users and enrollments as plain rows: its result crosses to another thread (the server's jobs)
      // as is.
      return { ...roster, users: [...roster.users], enrollments: [...roster.enrollments] };
    },
  };
}

/** Every user row, lightly, with reverse indexes for closing a family in memory. */
interface UserGraph {
  users: LightUser[];
  /** Adds everyone linked to `ids` (guardians, their students, guardians sharing their emails) until nothing new appears. */
  close(ids: Iterable<string>, emails: Iterable<string>): Set<string>;
}

/** Scans users.csv once, keeping only the columns a lookup needs (no rows are built or validated). */
async function scanUsers(path: string): Promise<UserGraph> {
  const users: LightUser[] = [];
  await (await csvReader())(path, {
    only: ["users"],
    keep: {
      users: (get) => {
        users.push({
          id: get("sourcedId").trim(),
          role: get("role").trim().toLowerCase(),
          agents: get("agentSourcedIds").split(",").map((a) => a.trim()).filter(Boolean),
          email: normalizeEmail(get("email")),
          identifier: get("identifier").trim(),
          name: foldForSearch(`${get("givenName")} ${get("familyName")}`),
        });
        return false;
      },
    },
  });
  const byId = new Map(users.map((u) => [u.id, u]));
  const listing = new Map<string, LightUser[]>();
  const byEmail = new Map<string, LightUser[]>();
  const add = (map: Map<string, LightUser[]>, key: string, u: LightUser) => {
    const list = map.get(key);
    if (list) list.push(u);
    else map.set(key, [u]);
  };
  for (const u of users) {
    for (const a of u.agents) add(listing, a, u);
    if (u.email && u.role !== "student" && u.role !== "teacher") add(byEmail, u.email, u);
  }
  return {
    users,
    close(ids, emails) {
      const out = new Set<string>();
      const queue = [...ids];
      const seenEmails = new Set<string>();
      const visitEmail = (email: string) => {
        if (!email || seenEmails.has(email)) return;
        seenEmails.add(email);
        for (const u of byEmail.get(email) ?? []) queue.push(u.id);
      };
      for (const e of emails) visitEmail(e);
      while (queue.length) {
        const id = queue.pop()!;
        if (out.has(id)) continue;
        out.add(id);
        const u = byId.get(id);
        if (u) {
          for (const a of u.agents) queue.push(a);
          if (u.role !== "student" && u.role !== "teacher") visitEmail(u.email);
        }
        for (const l of listing.get(id) ?? []) queue.push(l.id);
      }
      return out;
    },
  };
}

/** Whether a user row is the one the query names. */
function isTarget(query: LookupQuery, key: string, u: LightUser): boolean {
  const lower = key.toLowerCase();
  switch (query.kind) {
    case "student":
      return (u.role === "student" || u.role === "") &&
        (u.id === key || u.identifier === key || u.name.includes(foldForSearch(key)));
    case "parent":
      return u.email === lower && u.role !== "student" && u.role !== "teacher";
    case "teacher":
      return (u.role === "teacher" || u.role === "") && (u.id === key || u.email === lower);
    case "class":
      return false;
  }
}

/**
 * The source ids of the person (or the class's members): the source's
 * matches, and the platform records matched by the key with every record
 * sharing their student number (a transfer's twins).
 */
function personIds(
  query: LookupQuery,
  key: string,
  targets: Set<string>,
  members: Set<string>,
  platform: PlatformSnapshot,
): Set<string> {
  const people = new Set([...targets, ...members]);
  if (query.kind === "student") {
    const folded = foldForSearch(key);
    // One list of the records, so that a record matched is found again by itself (a table's rows are fresh each time).
    const students = [...platform.students];
    const matched = students.filter((s) =>
      (s.sourceId !== null && (targets.has(s.sourceId) || s.sourceId === key)) ||
      (s.studentNumber ?? "").trim() === key ||
      foldForSearch(`${s.firstName} ${s.lastName}`).includes(folded)
    );
    const numbers = new Set(matched.map((s) => (s.studentNumber ?? "").trim()).filter(Boolean));
    for (const s of students) {
      if (s.sourceId && (matched.includes(s) || numbers.has((s.studentNumber ?? "").trim()))) people.add(s.sourceId);
    }
  } else if (query.kind === "teacher") {
    for (const t of platform.teachers) if (t.sourceId) people.add(t.sourceId);
  } else if (query.kind === "class") {
    const ids = new Set(Array.from(platform.enrollments, (e) => e.studentId ?? e.teacherId));
    for (const s of [...platform.students, ...platform.teachers]) {
      if (s.sourceId && ids.has(s.id)) people.add(s.sourceId);
    }
  }
  return people;
}

/** The values a finding's entity must hold to concern this lookup. */
function concernSet(
  query: LookupQuery,
  key: string,
  roster: Roster,
  platform: PlatformSnapshot,
  people: Set<string>,
): Set<string | number> {
  const concern = new Set<string | number>([key]);
  if (query.kind === "class") {
    // A class lookup concerns the class and its enrollments, not its members' other affairs.
    for (const c of platform.classes) {
      if (c.sourceId === key || c.classCode === key || String(c.id) === key) {
        concern.add(c.id);
        if (c.sourceId) concern.add(c.sourceId);
      }
    }
    for (const c of roster.classes) if (c.sourcedId === key || c.classCode === key) concern.add(c.sourcedId);
    return concern;
  }
  const personIds = new Set<string>(people);
  const personPlatformIds = new Set<number>();
  for (const s of platform.students) {
    if (s.sourceId && personIds.has(s.sourceId)) personPlatformIds.add(s.id);
  }
  const numbers = new Set(
    platform.students.filter((s) => personPlatformIds.has(s.id)).map((s) => (s.studentNumber ?? "").trim()).filter(
      Boolean,
    ),
  );
  for (const s of platform.students) if (numbers.has((s.studentNumber ?? "").trim())) personPlatformIds.add(s.id);
  for (const t of platform.teachers) if (t.sourceId && personIds.has(t.sourceId)) personPlatformIds.add(t.id);
  for (const id of personIds) concern.add(id);
  for (const id of personPlatformIds) concern.add(id);
  for (const n of numbers) concern.add(n);
  // The family: guardians of the person and the accounts linked to them or mapped from those guardians. Wider than
  // the diagnostics' guardian index (guardians.ts), which relates only active people: a lookup of an inactive student
  // must still show its guardians' findings.
  const guardians = roster.users.filter((u) =>
    GUARDIAN_ROLES.has(u.role) &&
    (query.kind === "parent"
      ? normalizeEmail(u.email) === key.toLowerCase()
      : u.agentSourcedIds.some((a) => personIds.has(a)) ||
        roster.users.some((s) => personIds.has(s.sourcedId) && s.agentSourcedIds.includes(u.sourcedId)))
  );
  for (const g of guardians) {
    concern.add(g.sourcedId);
    if (normalizeEmail(g.email)) concern.add(normalizeEmail(g.email));
  }
  const guardianIds = new Set(guardians.map((g) => g.sourcedId));
  for (const p of platform.parents) {
    const linked = platform.parentStudents.some((l) => l.parentId === p.id && personPlatformIds.has(l.studentId));
    const mapped = (p.sourceId !== null && guardianIds.has(p.sourceId)) ||
      guardians.some((g) => normalizeEmail(g.email) && normalizeEmail(g.email) === normalizeEmail(p.email));
    const asked = query.kind === "parent" && normalizeEmail(p.email) === key.toLowerCase();
    if (linked || mapped || asked) {
      concern.add(p.id);
      concern.add(normalizeEmail(p.email));
      if (p.sourceId) concern.add(p.sourceId);
    }
  }
  return concern;
}

/** True when a finding names something in the concern set (campus findings never concern a person). */
export function concerns(f: Finding, concern: ReadonlySet<string | number>): boolean {
  if (f.code.startsWith("campus.")) return false;
  if (f.code.startsWith("class.")) return concern.has(f.entity.sourcedId);
  if (f.code.startsWith("enrollment.")) {
    return concern.has(f.entity.userSourcedId) || concern.has(f.entity.classSourcedId);
  }
  return Object.values(f.entity).some((v) => concern.has(v));
}
