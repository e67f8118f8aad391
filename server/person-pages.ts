/**
 * The search results and the person pages (student, parent, teacher, class):
 * the roster's records beside the platform's as tables, each parent link's
 * origin and deletion date, and the findings that concern them linked to the
 * pages of what they name. Every value is escaped.
 */
import { html, type Raw } from "../lib/html.ts";
import type { LookupResult } from "../lib/app/lookup.ts";
import { matchesNobody } from "../lib/report/lookup.ts";
import { FIXABLE_CODES } from "../lib/report/fix-script.ts";
import { count, num } from "../lib/report/words.ts";
import { GUARDIAN_ROLES, type User } from "../lib/model/roster.ts";
import { normalizeEmail } from "../lib/normalize.ts";
import { gradeText } from "../lib/diagnostics/describe.ts";
import type { SearchResult } from "../lib/search.ts";
import type { Principal } from "./auth.ts";
import { customerHref, type PageScope, personLink } from "./links.ts";
import { findingsTable, layout } from "./pages.ts";

const KIND_TITLE = { student: "Student", parent: "Parent", teacher: "Teacher", class: "Class" } as const;

/** The search results: each hit with its kind, where it was found, and a link to its page. */
export function searchPage(result: SearchResult, scope: PageScope, principal: Principal): string {
  const q = result.query.trim();
  const body = !q
    ? html`<p>Type a name, an email, a sourcedId or a student number; accents and case do not matter.</p>`
    : html`
      <p id="search-summary">${count(result.total, "match", "matches")} for “${q}”${result.total > result.hits.length
        ? html`
          (the first ${num(result.hits.length)} shown; add a word to narrow)
        `
        : ""}.
      ${result.truncated
        ? html`<span class="warning">This district is larger than the search index; a miss may not be a true miss.</span>`
        : ""}</p>
      ${result.hits.length
        ? html`
          ${dataTable(
            "results",
            ["Kind", "Name", "Key", "Email / number / code", "Found in"],
            result.hits.map((h) =>
              html`
                <tr>
                  <td>${h.kind}</td>
                  <td>${h.key ? personLink(scope, h.kind, h.key, h.label || h.key) : h.label}</td>
                  <td><code>${h.key || "–"}</code></td>
                  <td>${h.detail}</td>
                  <td>${h.sides.map((s) => html`<span class="badge ${s}">${s}</span>`)}</td>
                </tr>
              `
            ),
          )}
        `
        : html`<p>Nobody matches. Try part of a name, or the whole email.</p>`}
    `;
  return layout(
    `Search ${scope.customer}`,
    html`<nav class="crumbs"><a href="${customerHref(scope)}">← ${scope.customer} (${scope.env})</a></nav>${body}`,
    principal,
    { ...scope, q },
  );
}

const state = (deletedAt: string | null) =>
  deletedAt ? html`<span class="error">deleted ${deletedAt}</span>` : html`active`;
const sourceState = (u: User) =>
  u.status === "active" && u.enabledUser
    ? html`active`
    : html`<span class="warning">${u.status}${u.enabledUser ? "" : ", disabled"}</span>`;
const fullName = (a: string | null | undefined, b: string | null | undefined) =>
  `${(a ?? "").trim()} ${(b ?? "").trim()}`.trim();

/** A table of rows under plain column headers; its id names it for tests and links. */
function dataTable(id: string, headers: readonly string[], rows: Raw | Raw[]): Raw {
  return html`
    <table id="${id}">
      <thead>
        <tr>${headers.map((h) => html`<th>${h}</th>`)}</tr>
      </thead>
      <tbody>${rows}</tbody>
    </table>
  `;
}

/** A table with one column per record, roster columns first: a field per row. */
function sideBySide(
  columns: Array<{ side: "roster" | "platform"; head: Raw | string; cells: Record<string, Raw | string> }>,
  fields: string[],
): Raw {
  if (!columns.length) return html`<p class="muted">No record on either side.</p>`;
  return html`
    <table class="compare">
      <thead>
        <tr>
          <th style="width:10rem"></th>
          ${columns.map((c) => html`<th><span class="badge ${c.side}">${c.side}</span> ${c.head}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${fields.map((f) =>
          html`
            <tr>
              <th>${f}</th>
              ${columns.map((c) => html`<td>${c.cells[f] ?? "–"}</td>`)}
            </tr>
          `
        )}
      </tbody>
    </table>
  `;
}

/** One person or class: findings first, then the roster beside the platform. */
export function personPage(r: LookupResult, principal: Principal): string {
  const scope: PageScope = { customer: r.customer, env: r.environment };
  const { roster, platform } = r;
  const key = r.query.key.trim();
  const from = r.rosterFrom ?? { kind: "export" };
  const stored = from.kind === "workspace" && from.readAt ? ` (stored ${from.readAt})` : "";
  const why = from.note ? ` Why not the workspace: ${from.note}.` : "";
  const people = new Set(r.people);
  const orgName = (id: string) => roster.orgs.find((o) => o.sourcedId === id)?.name ?? id;
  const schools = (u: User) =>
    u.orgSourcedIds.filter((o) => roster.orgs.some((x) => x.sourcedId === o && x.type === "school")).map(orgName)
      .join(", ");
  const campusName = (id: number | null) =>
    id === null ? "no campus" : platform.campuses.find((c) => c.id === id)?.name ?? `campus ${id}`;
  const studentRecord = (id: number) => platform.students.find((s) => s.id === id);
  const nobody = matchesNobody(r);
  const fixable = r.findings.some((f) => (FIXABLE_CODES as readonly string[]).includes(f.code));
  const sections: Raw[] = [];

  // The title: the person's name where either side has one.
  let name = "";
  if (r.query.kind === "parent") {
    const g = roster.users.find((u) => GUARDIAN_ROLES.has(u.role) && normalizeEmail(u.email) === key.toLowerCase());
    const p = platform.parents.find((p) => normalizeEmail(p.email) === key.toLowerCase());
    name = g ? fullName(g.givenName, g.familyName) : fullName(p?.firstName, p?.lastName);
  } else if (r.query.kind === "class") {
    name = roster.classes.find((c) => c.sourcedId === key || c.classCode === key)?.title ??
      platform.classes.find((c) => c.sourceId === key || c.classCode === key || String(c.id) === key)?.title ?? "";
  } else {
    const u = roster.users.find((u) => people.has(u.sourcedId) && (u.sourcedId === key || u.identifier === key)) ??
      roster.users.find((u) => people.has(u.sourcedId) && u.role === r.query.kind);
    name = u ? fullName(u.givenName, u.familyName) : "";
  }

  if (r.query.kind === "parent") {
    const email = key.toLowerCase();
    const guardians = roster.users.filter((u) => GUARDIAN_ROLES.has(u.role) && normalizeEmail(u.email) === email);
    const accounts = platform.parents.filter((p) => normalizeEmail(p.email) === email);
    sections.push(html`<h2>The parent, both sides</h2>${
      sideBySide(
        [
          ...guardians.map((g) => ({
            side: "roster" as const,
            head: g.sourcedId,
            cells: {
              "source id": g.sourcedId,
              name: fullName(g.givenName, g.familyName),
              email: g.email,
              role: g.role,
              state: sourceState(g),
            },
          })),
          ...accounts.map((p) => ({
            side: "platform" as const,
            head: `account ${p.id}`,
            cells: {
              "source id": p.sourceId ?? html`<span class="warning">none (made by hand)</span>`,
              name: fullName(p.firstName, p.lastName),
              email: p.email,
              role: "parent account",
              state: state(p.deletedAt),
            },
          })),
        ],
        ["source id", "name", "email", "role", "state"],
      )
    }`);
    // The children: who the roster gives them, and what each account sees.
    const kids = roster.users.filter((s) =>
      s.role === "student" &&
      guardians.some((g) => g.agentSourcedIds.includes(s.sourcedId) || s.agentSourcedIds.includes(g.sourcedId))
    );
    const accountIds = new Set(accounts.map((a) => a.id));
    const links = platform.parentStudents.filter((l) => accountIds.has(l.parentId));
    const seen = new Set(
      links.filter((l) => {
        const s = studentRecord(l.studentId);
        const p = accounts.find((a) => a.id === l.parentId);
        return !l.deletedAt && s && !s.deletedAt && p && !p.deletedAt;
      }).map((l) => studentRecord(l.studentId)!.sourceId),
    );
    sections.push(html`
      <h2>Children</h2>
      <div class="sides">
        <section>
          <h3><span class="badge roster">roster</span> the students the roster gives them</h3>
          <table id="roster-children">
            <thead>
              <tr>
                <th>Student</th>
                <th>Name</th>
                <th>State</th>
                <th>On the platform</th>
              </tr>
            </thead>
            <tbody>
            ${kids.map((s) =>
              html`
                <tr class="${seen.has(s.sourcedId) ? "" : "problem"}">
                  <td>${personLink(scope, "student", s.sourcedId)}</td>
                  <td>${fullName(s.givenName, s.familyName)}</td>
                  <td>${sourceState(s)}</td>
                  <td>${seen.has(s.sourcedId)
                    ? "visible to the parent"
                    : html`<span class="error">not visible: no active link</span>`}</td>
                </tr>
              `
            )}
            ${kids.length ? "" : html`
              <tr>
                <td colspan="4" class="muted">none</td>
              </tr>
            `}
            </tbody>
          </table>
        </section>
        <section>
          <h3><span class="badge platform">platform</span> the links of the parent's accounts</h3>
          <table id="platform-links">
            <thead>
              <tr>
                <th>Account</th>
                <th>Student</th>
                <th>Campus</th>
                <th>Link origin</th>
                <th>Link deleted</th>
                <th>Parent sees it</th>
              </tr>
            </thead>
            <tbody>
            ${links.map((l) => {
              const s = studentRecord(l.studentId);
              const p = accounts.find((a) => a.id === l.parentId);
              const sees = !l.deletedAt && !!s && !s.deletedAt && !!p && !p.deletedAt;
              return html`
                <tr class="${sees ? "" : "problem"}">
                  <td>${l.parentId}</td>
                  <td>${s
                    ? html`${
                      s.sourceId
                        ? personLink(scope, "student", s.sourceId, fullName(s.firstName, s.lastName))
                        : fullName(s.firstName, s.lastName)
                    } <span class="muted">(${s.sourceId ?? `platform ${s.id}`})</span>${
                      s.deletedAt
                        ? html`
                          <span class="error">record deleted ${s.deletedAt}</span>
                        `
                        : ""
                    }`
                    : html`platform student ${l.studentId}`}</td>
                  <td>${s ? campusName(s.campusId) : "–"}</td>
                  <td>${l.origin}</td>
                  <td>${l.deletedAt ? html`<span class="error">${l.deletedAt}</span>` : "–"}</td>
                  <td>${sees ? "yes" : html`<span class="error">no</span>`}</td>
                </tr>
              `;
            })}
            ${links.length ? "" : html`
              <tr>
                <td colspan="6" class="muted">no links</td>
              </tr>
            `}
            </tbody>
          </table>
        </section>
      </div>
    `);
  } else if (r.query.kind === "class") {
    const classes = roster.classes.filter((c) => c.sourcedId === key || c.classCode === key);
    const pclasses = platform.classes.filter((c) => c.sourceId === key || c.classCode === key || String(c.id) === key);
    sections.push(html`<h2>The class, both sides</h2>${
      sideBySide(
        [
          ...classes.map((c) => ({
            side: "roster" as const,
            head: c.sourcedId,
            cells: {
              "source id": c.sourcedId,
              title: c.title,
              code: c.classCode,
              "school / campus": orgName(c.schoolSourcedId),
              state: c.status === "active" ? "active" : html`<span class="warning">${c.status}</span>`,
            },
          })),
          ...pclasses.map((c) => ({
            side: "platform" as const,
            head: `class ${c.id}`,
            cells: {
              "source id": c.sourceId ?? "none",
              title: c.title,
              code: c.classCode ?? "–",
              "school / campus": campusName(c.campusId),
              state: state(c.deletedAt),
            },
          })),
        ],
        ["source id", "title", "code", "school / campus", "state"],
      )
    }`);
    const classIds = new Set([...classes.map((c) => c.sourcedId), key]);
    const members = [...roster.enrollments].filter((e) => classIds.has(e.classSourcedId));
    const pids = new Set(pclasses.map((c) => c.id));
    const pmembers = [...platform.enrollments].filter((e) => pids.has(e.classId));
    const memberLink = (id: string) => {
      const u = roster.users.find((x) => x.sourcedId === id);
      return personLink(
        scope,
        u?.role === "teacher" ? "teacher" : "student",
        id,
        u ? `${fullName(u.givenName, u.familyName)} (${id})` : id,
      );
    };
    sections.push(html`
      <h2>Members</h2>
      <div class="sides">
        <section>
          <h3><span class="badge roster">roster</span> ${count(members.length, "enrollment")}</h3>
          ${dataTable(
            "roster-members",
            ["Member", "Role", "State"],
            members.map((e) =>
              html`
                <tr>
                  <td>${memberLink(e.userSourcedId)}</td>
                  <td>${e.role}</td>
                  <td>${e.status}</td>
                </tr>
              `
            ),
          )}
        </section>
        <section>
          <h3><span class="badge platform">platform</span> ${count(pmembers.length, "enrollment")}</h3>
          ${dataTable(
            "platform-members",
            ["Member", "Role", "Deleted"],
            pmembers.map((e) => {
              const rec = e.role === "teacher"
                ? platform.teachers.find((t) => t.id === e.teacherId)
                : platform.students.find((s) => s.id === e.studentId);
              const who = rec
                ? rec.sourceId
                  ? personLink(
                    scope,
                    e.role,
                    rec.sourceId,
                    `${fullName(rec.firstName, rec.lastName)} (${rec.sourceId})`,
                  )
                  : fullName(rec.firstName, rec.lastName)
                : `platform ${e.role} ${e.studentId ?? e.teacherId}`;
              return html`
                <tr>
                  <td>${who}</td>
                  <td>${e.role}</td>
                  <td>${e.deletedAt ? html`<span class="error">${e.deletedAt}</span>` : "–"}</td>
                </tr>
              `;
            }),
          )}
        </section>
      </div>
    `);
  } else {
    // A student or a teacher (with a transfer's twins: every record sharing the student number).
    const kind = r.query.kind;
    const users = roster.users.filter((u) =>
      people.has(u.sourcedId) && (kind === "teacher" ? u.role === "teacher" : u.role === "student")
    );
    const records = kind === "teacher"
      ? platform.teachers.filter((t) => t.sourceId && people.has(t.sourceId))
      : platform.students.filter((s) => s.sourceId && people.has(s.sourceId));
    const fields = kind === "student"
      ? ["source id", "name", "student number", "grade", "school / campus", "state"]
      : ["source id", "name", "email", "school / campus", "state"];
    sections.push(html`<h2>The ${kind}, both sides</h2>${
      sideBySide(
        [
          ...users.map((u) => ({
            side: "roster" as const,
            head: u.sourcedId,
            cells: {
              "source id": u.sourcedId,
              name: fullName(u.givenName, u.familyName),
              "student number": u.identifier || "–",
              grade: gradeText(u.grades[0]),
              email: u.email || "–",
              "school / campus": schools(u) || "–",
              state: sourceState(u),
            },
          })),
          ...records.map((rec) => ({
            side: "platform" as const,
            head: `${kind} ${rec.id}`,
            cells: {
              "source id": rec.sourceId ?? "none",
              name: fullName(rec.firstName, rec.lastName),
              "student number": "studentNumber" in rec ? rec.studentNumber ?? "–" : "–",
              grade: "grade" in rec ? gradeText(rec.grade) : "–",
              email: "email" in rec ? rec.email ?? "–" : "–",
              "school / campus": campusName(rec.campusId),
              state: state(rec.deletedAt),
            },
          })),
        ],
        fields,
      )
    }`);
    if (kind === "student") {
      const ids = new Set(users.map((u) => u.sourcedId));
      const guardians = roster.users.filter((g) =>
        GUARDIAN_ROLES.has(g.role) &&
        (g.agentSourcedIds.some((a) => ids.has(a)) || users.some((u) => u.agentSourcedIds.includes(g.sourcedId)))
      );
      const recordIds = new Set(records.map((s) => s.id));
      const links = platform.parentStudents.filter((l) => recordIds.has(l.studentId));
      sections.push(html`
        <h2>Family</h2>
        <div class="sides">
          <section>
            <h3><span class="badge roster">roster</span> guardians</h3>
            <table id="roster-guardians">
              <thead>
                <tr>
                  <th>Guardian</th>
                  <th>Name</th>
                  <th>Email</th>
                  <th>State</th>
                </tr>
              </thead>
              <tbody>${guardians.map((g) =>
                html`
                  <tr>
                    <td>${g.sourcedId}</td>
                    <td>${fullName(g.givenName, g.familyName)}</td>
                    <td>${normalizeEmail(g.email)
                      ? personLink(scope, "parent", normalizeEmail(g.email))
                      : html`<span class="warning">no email</span>`}</td>
                    <td>${sourceState(g)}</td>
                  </tr>
                `
              )}${guardians.length ? "" : html`
                <tr>
                  <td colspan="4" class="muted">none</td>
                </tr>
              `}</tbody>
            </table>
          </section>
          <section>
            <h3><span class="badge platform">platform</span> parent accounts linked</h3>
            <table id="platform-links">
              <thead>
                <tr>
                  <th>Account</th>
                  <th>Email</th>
                  <th>Student record</th>
                  <th>Link origin</th>
                  <th>Link deleted</th>
                </tr>
              </thead>
              <tbody>${links.map((l) => {
                const p = platform.parents.find((x) => x.id === l.parentId);
                return html`
                  <tr class="${l.deletedAt || p?.deletedAt ? "problem" : ""}">
                    <td>${l.parentId}${p?.deletedAt
                      ? html`
                        <span class="error">account deleted ${p.deletedAt}</span>
                      `
                      : ""}</td>
                    <td>${p ? personLink(scope, "parent", normalizeEmail(p.email)) : "?"}</td>
                    <td>${l.studentId}</td>
                    <td>${l.origin}</td>
                    <td>${l.deletedAt ? html`<span class="error">${l.deletedAt}</span>` : "–"}</td>
                  </tr>
                `;
              })}${links.length ? "" : html`
                <tr>
                  <td colspan="5" class="muted">no links</td>
                </tr>
              `}</tbody>
            </table>
          </section>
        </div>
      `);
    }
    // Classes on both sides.
    const ids = new Set(users.map((u) => u.sourcedId));
    const enrollments = [...roster.enrollments].filter((e) => ids.has(e.userSourcedId));
    const recIds = new Set(records.map((x) => x.id));
    const penrollments = [...platform.enrollments].filter((e) =>
      recIds.has((kind === "teacher" ? e.teacherId : e.studentId) ?? -1)
    );
    sections.push(html`
      <h2>Classes</h2>
      <div class="sides">
        <section>
          <h3><span class="badge roster">roster</span> ${count(enrollments.length, "enrollment")}</h3>
          ${dataTable(
            "roster-classes",
            ["Class", "Title", "State"],
            enrollments.map((e) =>
              html`
                <tr>
                  <td>${personLink(scope, "class", e.classSourcedId)}</td>
                  <td>${roster.classes.find((c) => c.sourcedId === e.classSourcedId)?.title ?? "–"}</td>
                  <td>${e.status}</td>
                </tr>
              `
            ),
          )}
        </section>
        <section>
          <h3><span class="badge platform">platform</span> ${count(penrollments.length, "enrollment")}</h3>
          ${dataTable(
            "platform-classes",
            ["Class", "Title", "Campus", "Deleted"],
            penrollments.map((e) => {
              const c = platform.classes.find((x) => x.id === e.classId);
              return html`
                <tr>
                  <td>${c?.sourceId ? personLink(scope, "class", c.sourceId) : `class ${e.classId}`}</td>
                  <td>${c?.title ?? "–"}</td>
                  <td>${campusName(c?.campusId ?? null)}</td>
                  <td>${e.deletedAt ? html`<span class="error">${e.deletedAt}</span>` : "–"}</td>
                </tr>
              `;
            }),
          )}
        </section>
      </div>
    `);
  }

  const title = `${KIND_TITLE[r.query.kind]} ${name ? `${name} (${key})` : key}`;
  const body = html`
    <nav class="crumbs"><a href="${customerHref(scope)}">← ${r.customer} (${r.environment})</a></nav>
    ${nobody
      ? html`<p class="error" id="nobody">Nobody matches ${r.query.kind} “${key}” in the roster or the platform.</p>`
      : ""}
    <h2 id="findings-head">${r.findings.length
      ? `What is wrong: ${count(r.findings.length, "finding")}`
      : nobody
      ? "Findings"
      : "No findings: the roster and the platform agree about them"}</h2>
    ${r.findings.length ? findingsTable(r.findings, scope) : ""}
    ${fixable
      ? html`<p><a id="fix-script" href="${
        customerHref(scope, "/fix-script", { person: key })
      }">Download the fix script for this ${r.query.kind}</a>
        <span class="muted">(SQL in BEGIN … ROLLBACK; review it, nothing runs it)</span></p>`
      : ""}
    ${sections}
    <p class="muted">Roster read from the ${from.kind}${stored} in ${(r.timings.sourceMs / 1000).toFixed(1)} s,
      the platform in ${(r.timings.platformMs / 1000).toFixed(1)} s.${why}</p>
  `;
  return layout(title, body, principal, scope);
}
