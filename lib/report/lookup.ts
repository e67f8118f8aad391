/** Renders a person lookup for a terminal: the roster's records beside the platform's, then the findings. */
import type { LookupResult } from "../app/lookup.ts";
import { GUARDIAN_ROLES, type User } from "../model/roster.ts";
import { normalizeEmail } from "../normalize.ts";
import { gradeText } from "../diagnostics/describe.ts";
import { markdownText, printableLines } from "../text.ts";

/**
 * Plain-text lookup report; every line made printable (a value's control
 * characters and line breaks show as escapes).
 *
 * @example
 * console.log(renderLookup(await lookupPerson({ … })));
 */
export function renderLookup(r: LookupResult): string {
  const out: string[] = [];
  const { roster, platform } = r;
  const orgName = (id: string) => roster.orgs.find((o) => o.sourcedId === id)?.name ?? id;
  const campusName = (
    id: number | null,
  ) => (id === null ? "no campus" : platform.campuses.find((c) => c.id === id)?.name ?? `campus ${id}`);
  const people = new Set(r.people);
  const state = (deletedAt: string | null) => (deletedAt ? `DELETED ${deletedAt}` : "active");
  const userLine = (u: User) =>
    `${u.role} ${u.sourcedId} ${u.givenName.trim()} ${u.familyName.trim()}` +
    [
      u.role === "student" ? gradeText(u.grades[0]) : "",
      u.orgSourcedIds.filter((o) => roster.orgs.some((x) => x.sourcedId === o && x.type === "school")).map(orgName)
        .join(" + "),
      u.identifier ? `number ${u.identifier}` : "",
      u.email.trim() ? `<${u.email.trim()}>` : "",
      u.status === "active" && u.enabledUser ? "active" : `${u.status}${u.enabledUser ? "" : ", disabled"}`,
    ].filter(Boolean).map((x) => `, ${x}`).join("");

  out.push(
    `Lookup ${r.query.kind} "${r.query.key}" in ${r.customer} (${r.environment}): read the source in ${
      (r.timings.sourceMs / 1000).toFixed(1)
    } s, the platform in ${(r.timings.platformMs / 1000).toFixed(1)} s`,
  );
  out.push("");

  // The roster
  out.push(`ROSTER (${roster.source.kind} ${roster.source.version})`);
  const focusUsers = r.query.kind === "parent"
    ? roster.users.filter((u) => GUARDIAN_ROLES.has(u.role) && normalizeEmail(u.email) === r.query.key.toLowerCase())
    : roster.users.filter((u) => people.has(u.sourcedId));
  if (r.query.kind === "class") {
    for (const c of roster.classes.filter((c) => c.sourcedId === r.query.key || c.classCode === r.query.key)) {
      out.push(`  class ${c.sourcedId} ${c.title}, ${orgName(c.schoolSourcedId)}, ${c.status}`);
    }
    out.push(`  members (${focusUsers.length}):`);
    for (const u of focusUsers) out.push(`    ${userLine(u)}`);
  } else if (focusUsers.length === 0) {
    out.push("  nobody matches in the roster");
  } else {
    for (const u of focusUsers) {
      out.push(`  ${userLine(u)}`);
      const guardians = roster.users.filter((g) =>
        GUARDIAN_ROLES.has(g.role) &&
        (g.agentSourcedIds.includes(u.sourcedId) || u.agentSourcedIds.includes(g.sourcedId))
      );
      if (u.role === "student") {
        out.push(
          `    guardians: ${
            guardians.map((g) =>
              `${g.sourcedId} ${g.givenName} ${g.familyName} <${normalizeEmail(g.email) || "no email"}>`
            ).join("; ") || "none"
          }`,
        );
      }
      if (GUARDIAN_ROLES.has(u.role)) {
        const kids = roster.users.filter((s) =>
          s.role === "student" && (u.agentSourcedIds.includes(s.sourcedId) || s.agentSourcedIds.includes(u.sourcedId))
        );
        out.push(
          `    students: ${
            kids.map((s) => `${s.sourcedId} ${s.givenName} ${s.familyName} (${s.status})`).join("; ") || "none"
          }`,
        );
      }
      const classes = [...roster.enrollments].filter((e) => e.userSourcedId === u.sourcedId).map((e) => {
        const c = roster.classes.find((x) => x.sourcedId === e.classSourcedId);
        return `${c?.title ?? e.classSourcedId} (${e.classSourcedId}${e.status === "active" ? "" : `, ${e.status}`})`;
      });
      if (u.role === "student" || u.role === "teacher") {
        out.push(`    classes (${classes.length}): ${classes.join("; ") || "none"}`);
      }
    }
  }
  out.push("");

  // The platform
  out.push("PLATFORM");
  const linksOf = (studentId: number) => platform.parentStudents.filter((l) => l.studentId === studentId);
  if (r.query.kind === "parent") {
    const accounts = platform.parents.filter((p) => normalizeEmail(p.email) === r.query.key.toLowerCase());
    if (accounts.length === 0) out.push("  no parent account with this email");
    for (const p of accounts) {
      out.push(
        `  parent account ${p.id} <${p.email}>, source ${p.sourceId ?? "none (made by hand)"}, ${state(p.deletedAt)}`,
      );
      for (const l of platform.parentStudents.filter((l) => l.parentId === p.id)) {
        const s = platform.students.find((x) => x.id === l.studentId);
        // A deleted link, or a link to a deleted record, shows the parent nothing.
        const sees = !p.deletedAt && !l.deletedAt && !!s && !s.deletedAt;
        out.push(
          `    ${sees ? "sees" : "does not see"} ${
            s
              ? `student ${s.id} ${s.firstName} ${s.lastName} (${s.sourceId ?? "no source id"}, ${
                campusName(s.campusId)
              }, student ${state(s.deletedAt)})`
              : `student ${l.studentId}`
          }: ${l.origin} link, ${state(l.deletedAt)}`,
        );
      }
    }
  } else {
    const records = [
      ...platform.students.filter((s) => s.sourceId && people.has(s.sourceId)),
      ...platform.teachers.filter((t) => t.sourceId && people.has(t.sourceId)),
    ];
    if (r.query.kind === "class") {
      for (
        const c of platform.classes.filter((c) =>
          c.sourceId === r.query.key || c.classCode === r.query.key || String(c.id) === r.query.key
        )
      ) {
        out.push(
          `  class ${c.id} ${c.title}, ${campusName(c.campusId)}, source ${c.sourceId ?? "none"}, ${
            state(c.deletedAt)
          }`,
        );
      }
      out.push(`  members (${records.length}):`);
    }
    if (records.length === 0) out.push("  no platform record matches");
    for (const rec of records) {
      const kind = "grade" in rec ? "student" : "teacher";
      out.push(
        `  ${r.query.kind === "class" ? "  " : ""}${kind} ${rec.id} ${rec.firstName} ${rec.lastName}` +
          ("grade" in rec
            ? `, ${gradeText(rec.grade)}, number ${rec.studentNumber ?? "none"}`
            : `, <${rec.email ?? "no email"}>`) +
          `, ${campusName(rec.campusId)}, source ${rec.sourceId ?? "none"}, ${state(rec.deletedAt)}`,
      );
      if (r.query.kind === "class") continue;
      const enrollments = [...platform.enrollments].filter((e) =>
        (kind === "student" ? e.studentId : e.teacherId) === rec.id
      );
      const classes = enrollments.map((e) => {
        const c = platform.classes.find((x) => x.id === e.classId);
        return `${c?.title ?? e.classId} (${c?.sourceId ?? e.classId}, ${campusName(c?.campusId ?? null)}${
          e.deletedAt ? ", deleted" : ""
        })`;
      });
      out.push(
        `    classes (${enrollments.filter((e) => !e.deletedAt).length} active): ${classes.join("; ") || "none"}`,
      );
      if (kind === "student") {
        const accounts = linksOf(rec.id).map((l) => {
          const p = platform.parents.find((x) => x.id === l.parentId);
          return `${l.parentId} <${p?.email ?? "?"}> (${l.origin} link, ${state(l.deletedAt)})`;
        });
        out.push(`    parent accounts: ${accounts.join("; ") || "none"}`);
      }
    }
  }
  out.push("");
  out.push(`FINDINGS (${r.findings.length})`);
  if (r.findings.length === 0) {
    out.push(
      matchesNobody(r)
        ? `  none: nobody matches ${r.query.kind} "${r.query.key}" in the roster or the platform`
        : "  none: the roster and the platform agree about them",
    );
  }
  for (const f of r.findings) {
    out.push(`  ${f.severity === "error" ? "x" : "!"} ${f.code}: ${f.message}`);
    out.push(`      -> ${f.resolution.action}: ${f.resolution.explanation}`);
  }
  return printableLines(out).join("\n") + "\n";
}

/**
 * Whether the lookup found nobody: no record of the person (or class) on
 * either side. The shells say "nobody matches" and exit 3.
 *
 * @example
 * if (matchesNobody(result)) Deno.exit(3);
 */
export function matchesNobody(r: LookupResult): boolean {
  const key = r.query.key.trim();
  switch (r.query.kind) {
    case "parent": {
      const email = key.toLowerCase();
      return !r.roster.users.some((u) => GUARDIAN_ROLES.has(u.role) && normalizeEmail(u.email) === email) &&
        !r.platform.parents.some((p) => normalizeEmail(p.email) === email);
    }
    case "class":
      return !r.roster.classes.some((c) => c.sourcedId === key || c.classCode === key) &&
        !r.platform.classes.some((c) => c.sourceId === key || c.classCode === key || String(c.id) === key);
    default:
      return r.people.length === 0;
  }
}

/**
 * The lookup as Markdown, to paste into a ticket: the same sections as the
 * terminal report, every value escaped (no HTML, no links, no line breaks).
 *
 * @example
 * await Deno.writeTextFile("lookup.md", renderLookupMarkdown(result));
 */
export function renderLookupMarkdown(r: LookupResult): string {
  const lines = renderLookup(r).trimEnd().split("\n");
  const out = [`# ${markdownText(lines[0])}`];
  for (const line of lines.slice(1)) {
    if (line === "") out.push("");
    else if (!line.startsWith(" ")) out.push(`## ${markdownText(line)}`, "");
    else {
      const depth = Math.max(0, Math.floor((line.length - line.trimStart().length) / 2) - 1);
      out.push(`${"  ".repeat(depth)}- ${markdownText(line.trim())}`);
    }
  }
  return out.join("\n") + "\n";
}
