/** Where the pages link: each kind of person and class to its own page, and a finding to the pages of what it names. */
import { detailsIfValid } from "../lib/model/details.ts";
import { html, type Raw } from "../lib/html.ts";
import type { Finding } from "../lib/model/findings.ts";
import type { SearchKind } from "../lib/search.ts";

/** The customer and environment a page is about. */
export interface PageScope {
  customer: string;
  env: string;
}

const PATHS: Record<SearchKind, string> = {
  student: "students",
  parent: "parents",
  teacher: "teachers",
  class: "classes",
};

/**
 * The URL of a person's or class's page.
 *
 * @example
 * personHref({ customer: "demo-isd", env: "embedded" }, "parent", "ana@example.org")
 * // "/customers/demo-isd/parents/ana%40example.org?env=embedded"
 */
export function personHref(scope: PageScope, kind: SearchKind, key: string): string {
  return `${customerHref(scope, `/${PATHS[kind]}/${encodeURIComponent(key)}`)}`;
}

/**
 * A URL under the customer, with its environment.
 *
 * @example
 * customerHref(scope, "/search", { q: "ramirez" }) // "/customers/demo-isd/search?env=embedded&q=ramirez"
 */
export function customerHref(scope: PageScope, path = "", query: Record<string, string> = {}): string {
  const params = new URLSearchParams({ env: scope.env, ...query });
  return `/customers/${encodeURIComponent(scope.customer)}${path}?${params}`;
}

/** A link to a person's or class's page, the key as its text unless `text` is given. */
export function personLink(scope: PageScope, kind: SearchKind, key: string, text?: string): Raw {
  return html`<a class="${kind}" href="${personHref(scope, kind, key)}">${text ?? key}</a>`;
}

/** The email a parent finding without one in its entity names (its details, read by the code's schema). */
function parentEmail(f: Finding): string | undefined {
  switch (f.code) {
    case "parent.not_in_source":
      return detailsIfValid(f, f.code)?.email;
    case "parent_email.invalid":
    case "parent_email.platform_mismatch":
      return detailsIfValid(f, f.code)?.sourceEmail;
    default:
      return undefined;
  }
}

/** The source ids of the students a finding's details list, by its code's schema (none when they do not fit it). */
function studentsNamed(f: Finding): Array<string | null> {
  const ids = (refs: Array<{ sourcedId: string | null }> | undefined) => refs?.map((s) => s.sourcedId) ?? [];
  switch (f.code) {
    case "parent_link.mismatch": {
      const d = detailsIfValid(f, f.code);
      return d ? ids([...d.missing, ...d.unexpected]) : [];
    }
    case "parent.missing_in_platform":
      return ids(detailsIfValid(f, f.code)?.students);
    case "parent_email.invalid":
      return detailsIfValid(f, f.code)?.students ?? [];
    case "parent_email.shared":
      return ids(detailsIfValid(f, f.code)?.students);
    case "transfer.parent_link_on_stale_record":
      return ids(detailsIfValid(f, f.code)?.activeRecords);
    case "transfer.duplicate_student":
      return ids(detailsIfValid(f, f.code)?.students);
    default:
      return [];
  }
}

/** The pages a finding names: [kind, key] pairs, each once, in the order they matter. */
export function findingTargets(f: Finding): Array<[SearchKind, string]> {
  const out: Array<[SearchKind, string]> = [];
  const add = (kind: SearchKind, key: unknown) => {
    if (typeof key !== "string" || !key.trim()) return;
    if (!out.some(([k, v]) => k === kind && v === key)) out.push([kind, key]);
  };
  const e = f.entity;
  const [family] = f.code.split(".");
  switch (family) {
    case "student":
    case "transfer":
      add("student", e.sourcedId ?? e.studentNumber);
      break;
    case "teacher":
      add("teacher", e.sourcedId);
      break;
    case "class":
      add("class", e.sourcedId);
      break;
    case "enrollment":
      add(e.role === "teacher" ? "teacher" : "student", e.userSourcedId);
      add("class", e.classSourcedId);
      break;
    case "parent_link":
    case "parent":
    case "parent_email":
      add("parent", e.email ?? parentEmail(f));
      break;
  }
  // The students a finding lists (a parent's missing and unexpected children, a shared email's students…).
  for (const s of studentsNamed(f)) add("student", s);
  return out;
}

/**
 * Links to the pages a finding names (a teacher's finding to the teacher's page, never a student's).
 *
 * @example
 * html`<td>${f.message} ${findingLinks(scope, f)}</td>`
 */
export function findingLinks(scope: PageScope, f: Finding, limit = 8): Raw {
  const targets = findingTargets(f);
  if (!targets.length) return html``;
  const shown = targets.slice(0, limit).map(([kind, key]) => html`<li>${kind} ${personLink(scope, kind, key)}</li>`);
  const more = targets.length > limit ? html`<li class="muted">and ${targets.length - limit} more</li>` : "";
  return html`<ul class="links">${shown}${more}</ul>`;
}
