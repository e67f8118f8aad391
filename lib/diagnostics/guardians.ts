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
  const activeStudents = new Set<string>();
  const guardians: User[] = [];
  for (const u of roster.users) {
    if (!isActiveInSource(u)) continue;
    if (u.role === "student") activeStudents.add(u.sourcedId);
    else if (isGuardian(u)) guardians.push(u);
  }
  const guardianIds = new Set(guardians.map((g) => g.sourcedId));
  // A set only for a guardian with students (a million empty sets are 100 MB).
  const studentsOf = new Map<string, Set<string>>();
  const link = (guardian: string, student: string) => {
    let set = studentsOf.get(guardian);
    if (!set) studentsOf.set(guardian, set = new Set());
    set.add(student);
  };
  for (const g of guardians) {
    for (const s of g.agentSourcedIds) if (activeStudents.has(s)) link(g.sourcedId, s);
  }
  for (const u of roster.users) {
    if (u.role !== "student" || !activeStudents.has(u.sourcedId)) continue;
    for (const a of u.agentSourcedIds) if (guardianIds.has(a)) link(a, u.sourcedId);
  }

  const bySource = new Map<string, Parent>();
  const byEmail = new Map<string, Parent>();
  for (const p of platform.parents) {
    if (p.deletedAt !== null) continue;
    if (p.sourceId !== null && !bySource.has(p.sourceId)) bySource.set(p.sourceId, p);
    const email = normalizeEmail(p.email);
    if (email && !byEmail.has(email)) byEmail.set(email, p);
  }
  const accountOf = new Map<string, { parent: Parent; by: "source_id" | "email" }>();
  const guardiansByAccount = new Map<number, User[]>();
  for (const g of guardians) {
    const bySourceId = bySource.get(g.sourcedId);
    const email = normalizeEmail(g.email);
    const account = bySourceId
      ? { parent: bySourceId, by: "source_id" as const }
      : email && byEmail.has(email)
      ? { parent: byEmail.get(email)!, by: "email" as const }
      : undefined;
    if (!account) continue;
    accountOf.set(g.sourcedId, account);
    const list = guardiansByAccount.get(account.parent.id) ?? [];
    list.push(g);
    guardiansByAccount.set(account.parent.id, list);
  }

  return { guardians, studentsOf, accountOf, guardiansByAccount };
}
