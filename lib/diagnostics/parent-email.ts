/**
 * Parent Email Conflict Detector: guardians sharing one email, empty or
 * invalid emails, and source emails that differ from the account's
 * (shared/findings.md, tool `parent-email`).
 */
import { type DiagnosticContext, diagnosticContext } from "./context.ts";
import type { Roster, User } from "../model/roster.ts";
import type { PlatformSnapshot } from "../model/snapshot.ts";
import { isValidEmail, normalizeEmail } from "../normalize.ts";
import { type Finding, finding } from "../model/findings.ts";
import { userName } from "./describe.ts";
import { IdTable } from "../id-table.ts";

/**
 * Reports every `parent-email` code.
 *
 * @example
 * findParentEmailConflicts(roster, platform).filter((f) => f.code === "parent_email.shared")
 */
export function findParentEmailConflicts(
  roster: Roster,
  platform: PlatformSnapshot,
  ctx: DiagnosticContext = diagnosticContext(roster, platform),
): Finding[] {
  const source = ctx.source;
  const g = ctx.guardians;
  const out: Finding[] = [];

  // Emails numbered in an IdTable and counted; a list only for an email two guardians share (at 1,000,000
  // students, a Map of a million and a half lists took 3 s).
  const emails = new IdTable(g.guardians.length);
  const emailOf = new Int32Array(g.guardians.length).fill(-1);
  for (let i = 0; i < g.guardians.length; i++) {
    const email = normalizeEmail(g.guardians.email(i));
    if (email) emailOf[i] = emails.add(email);
  }
  const count = new Int32Array(emails.size);
  for (const e of emailOf) if (e !== -1) count[e]++;
  const byEmail = new Map<number, User[]>();
  for (let i = 0; i < g.guardians.length; i++) {
    const e = emailOf[i];
    if (e === -1 || count[e] < 2) continue;
    const list = byEmail.get(e);
    if (list) list.push(g.guardians.at(i)!);
    else byEmail.set(e, [g.guardians.at(i)!]);
  }
  // In order of each email's first guardian (the order its number and its list were made in).
  for (const [e, guardians] of byEmail) {
    const email = emails.at(e);
    const studentsOf = guardians.map((x) => new Set(g.studentsOf(x.sourcedId)));
    const sameFamily = oneFamily(studentsOf);
    const students = [...new Set(studentsOf.flatMap((s) => [...s]))].sort();
    const name = (id: string) => {
      const u = source.users.get(id);
      return u ? userName(u) : id;
    };
    out.push(finding({
      code: "parent_email.shared",
      severity: sameFamily ? "warning" : "error",
      entity: { email },
      message: `${guardians.length} guardians share ${email} (${sameFamily ? "same family" : "different families"}): ` +
        guardians.map((x, i) =>
          `${userName(x)} ${x.sourcedId} of ${[...studentsOf[i]].map(name).join(", ") || "no students"}`
        ).join("; "),
      details: {
        kind: sameFamily ? "same_family" : "different_families",
        guardians: guardians.map((x, i) => ({
          sourcedId: x.sourcedId,
          name: userName(x),
          role: x.role,
          students: [...studentsOf[i]].sort(),
        })),
        students: students.map((s) => ({ sourcedId: s, name: name(s) })),
      },
      resolution: sameFamily
        ? {
          action: "investigate",
          explanation:
            "One login serves both guardians of the same children; usually fine. If each guardian needs their own login, the district gives each an email in the SIS.",
        }
        : {
          action: "fix_in_sis",
          explanation:
            "Unrelated families share one login, so each sees the other's children. The district must give each guardian their own email in the SIS.",
        },
    }));
  }

  for (let i = 0; i < g.guardians.length; i++) {
    // The table holds each guardian's email as normalised: no array of a million more.
    const email = emailOf[i] === -1 ? "" : emails.at(emailOf[i]);
    const account = g.accountAt(i);
    const invalid = !isValidEmail(email);
    const differs = account?.by === "source_id" && normalizeEmail(account.parent.email) !== email;
    if (!invalid && !differs) continue;
    // Made whole only for a finding (a million guardians made whole took a second and 300 MB of garbage).
    const guardian = g.guardians.at(i)!;
    if (invalid) {
      out.push(finding({
        code: "parent_email.invalid",
        entity: { sourcedId: guardian.sourcedId, email },
        message: `Guardian ${userName(guardian)} (${guardian.sourcedId}) has ${
          email ? `an invalid email "${guardian.email.trim()}"` : "no email"
        }; no parent login can be made`,
        details: { sourceEmail: guardian.email, students: g.studentsOf(guardian.sourcedId).sort() },
        resolution: {
          action: "fix_in_sis",
          explanation:
            "The district corrects the guardian's email in the SIS; the next sync creates or updates the login.",
        },
      }));
    }
    if (differs) {
      out.push(finding({
        code: "parent_email.platform_mismatch",
        entity: { sourcedId: guardian.sourcedId, platformId: account.parent.id },
        message: `Guardian ${userName(guardian)} (${guardian.sourcedId}) has ${email || "no email"} in the roster ` +
          `but the parent account ${account.parent.id} logs in as ${normalizeEmail(account.parent.email)}`,
        details: { sourceEmail: email, platformEmail: normalizeEmail(account.parent.email) },
        resolution: {
          action: "resync",
          explanation:
            "The guardian's email changed in the SIS; a roster sync updates the login. Tell the parent which email to sign in with.",
        },
      }));
    }
  }
  return out;
}

/** True when the guardians' student sets form one family: connected by shared students. */
function oneFamily(sets: Array<Set<string>>): boolean {
  if (sets.some((s) => s.size === 0)) return false;
  const reached = new Set([0]);
  const queue = [0];
  while (queue.length) {
    const i = queue.pop()!;
    for (let j = 0; j < sets.length; j++) {
      if (reached.has(j)) continue;
      if ([...sets[i]].some((s) => sets[j].has(s))) {
        reached.add(j);
        queue.push(j);
      }
    }
  }
  return reached.size === sets.length;
}
