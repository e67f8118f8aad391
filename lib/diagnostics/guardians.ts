/**
 * Guardians and the parent accounts they map to (shared/findings.md):
 * a guardian is an active source user with role parent, guardian or relative;
 * its students are the union of both `agentSourcedIds` directions; it maps to
 * the active platform parent with its sourcedId as source_id, failing that to
 * the active parent with the same normalized email.
 */
import { isActiveInSource, isGuardian, type Roster, type User } from "../model/roster.ts";
import type { Parent, PlatformSnapshot } from "../model/snapshot.ts";
import { normalizeEmail } from "../normalize.ts";
import { IdTable } from "../id-table.ts";
import { keyedBy } from "./indexes.ts";

/** Guardians, their students and their accounts. */
export interface GuardianIndex {
  /** Active source guardians, in roster order. */
  guardians: User[];
  /** Active source students of each guardian (both directions); absent for a guardian with none. */
  studentsOf: Map<string, Set<string>>;
  /** The account each guardian maps to, and how. */
  accountOf: Map<string, { parent: Parent; by: "source_id" | "email" }>;
  /** The guardians mapped to each account, by platform parent id. */
  guardiansByAccount: Map<number, User[]>;
}

/**
 * Builds the guardian index for a roster and a snapshot (once per run: see DiagnosticContext).
 *
 * @example
 * const g = indexGuardians(roster, platform);
 * g.studentsOf.get("par-000001") // Set { "stu-000001", "stu-000002" }
 */
export function indexGuardians(roster: Roster, platform: PlatformSnapshot): GuardianIndex {
  // Sets of ids as IdTables: at 1,000,000 students, Sets and Maps of a million strings took seconds to fill.
  const activeStudents = new IdTable(roster.users.length);
  const guardians: User[] = [];
  for (const u of roster.users) {
    if (!isActiveInSource(u)) continue;
    if (u.role === "student") activeStudents.add(u.sourcedId);
    else if (isGuardian(u)) guardians.push(u);
  }
  const guardianIds = new IdTable(guardians.length);
  for (const g of guardians) guardianIds.add(g.sourcedId);
  // A set only for a guardian with students (a million empty sets are 100 MB).
  const studentsOf = new Map<string, Set<string>>();
  const link = (guardian: string, student: string) => {
    let set = studentsOf.get(guardian);
    if (!set) studentsOf.set(guardian, set = new Set());
    set.add(student);
  };
  for (const g of guardians) {
    for (const s of g.agentSourcedIds) if (activeStudents.indexOf(s) !== -1) link(g.sourcedId, s);
  }
  for (const u of roster.users) {
    if (u.role !== "student" || activeStudents.indexOf(u.sourcedId) === -1) continue;
    for (const a of u.agentSourcedIds) if (guardianIds.indexOf(a) !== -1) link(a, u.sourcedId);
  }

  // The first active parent of each source id and of each email.
  const bySource = keyedBy(platform.parents, (p) => p.deletedAt === null ? p.sourceId : null);
  const byEmail = keyedBy(platform.parents, (p) => p.deletedAt === null ? normalizeEmail(p.email) || null : null);
  const accountOf = new Map<string, { parent: Parent; by: "source_id" | "email" }>();
  const guardiansByAccount = new Map<number, User[]>();
  for (const g of guardians) {
    const bySourceId = bySource.get(g.sourcedId);
    const email = normalizeEmail(g.email);
    const byEmailParent = bySourceId || !email ? undefined : byEmail.get(email);
    const account = bySourceId
      ? { parent: bySourceId, by: "source_id" as const }
      : byEmailParent
      ? { parent: byEmailParent, by: "email" as const }
      : undefined;
    if (!account) continue;
    accountOf.set(g.sourcedId, account);
    const list = guardiansByAccount.get(account.parent.id) ?? [];
    list.push(g);
    guardiansByAccount.set(account.parent.id, list);
  }

  return { guardians, studentsOf, accountOf, guardiansByAccount };
}
