/**
 * Searching a customer's people and classes by name, email, sourcedId or
 * student number, accent- and case-insensitively (typing `ramirez` finds
 * `Ramírez`). Pure functions over roster and platform rows: the server builds
 * a bounded index where a diagnosis has both sides in memory and searches it
 * later without them.
 */
import type { Roster } from "./model/roster.ts";
import { GUARDIAN_ROLES } from "./model/roster.ts";
import type { PlatformSnapshot } from "./model/snapshot.ts";
import { foldForSearch, normalizeEmail } from "./normalize.ts";

/** What a hit is: each kind has its own page. */
export type SearchKind = "student" | "parent" | "teacher" | "class";

/** One person or class, merged across the roster and the platform. */
export interface SearchEntry {
  kind: SearchKind;
  /** What the kind's page is looked up by: a sourcedId (or student number), a parent's email, a class's sourcedId; "" when there is none. */
  key: string;
  /** The name or title as written. */
  label: string;
  /** Email, number, class code…, as written. */
  detail: string;
  /** Which sides hold a record of it. */
  sides: Array<"roster" | "platform">;
  /** The folded text a query is matched against. */
  text: string;
}

/** The entries of one customer, and whether some were left out to stay within `maxEntries`. */
export interface SearchIndex {
  entries: SearchEntry[];
  truncated: boolean;
}

/** The rows a search reads. */
export type SearchRoster = Pick<Roster, "users" | "classes">;
export type SearchPlatform = Pick<PlatformSnapshot, "students" | "teachers" | "parents" | "classes">;

/** Default bound of an index: enough for a very large district, a few tens of MB at most. */
export const MAX_SEARCH_ENTRIES = 400_000;
/** The longest folded text kept per entry. */
const MAX_TEXT = 400;

/**
 * Builds the search index of a customer: one entry per student, parent,
 * teacher and class, a roster record and the platform's record of it merged
 * (by sourcedId; parents by email).
 *
 * @example
 * const index = buildSearchIndex(roster, platform);
 * searchIndex(index, "ramirez").hits[0].label // "Nguyen Ramírez"
 */
export function buildSearchIndex(
  roster: SearchRoster,
  platform: SearchPlatform | undefined,
  options: { maxEntries?: number } = {},
): SearchIndex {
  const max = options.maxEntries ?? MAX_SEARCH_ENTRIES;
  const byKey = new Map<string, SearchEntry & { words: string[] }>();
  let truncated = false;
  const add = (
    kind: SearchKind,
    key: string,
    side: "roster" | "platform",
    label: string,
    detail: string,
    words: Array<string | null | undefined>,
  ) => {
    // Records with no key cannot be merged: each is its own entry.
    const id = key ? `${kind}\u0000${key}` : `${kind}\u0000#${byKey.size}`;
    let e = byKey.get(id);
    if (!e) {
      if (byKey.size >= max) {
        truncated = true;
        return;
      }
      e = { kind, key, label: label.trim(), detail: detail.trim(), sides: [], text: "", words: [] };
      byKey.set(id, e);
    }
    if (!e.sides.includes(side)) e.sides.push(side);
    if (!e.label && label.trim()) e.label = label.trim();
    if (!e.detail && detail.trim()) e.detail = detail.trim();
    for (const w of words) if (w && w.trim()) e.words.push(w);
  };
  const name = (...parts: Array<string | null | undefined>) =>
    parts.map((p) => (p ?? "").trim()).filter(Boolean).join(" ");

  for (const u of roster.users) {
    const full = name(u.givenName, u.middleName, u.familyName);
    const shown = name(u.givenName, u.familyName);
    if (u.role === "student") {
      add("student", u.sourcedId, "roster", shown, u.identifier ? `number ${u.identifier}` : "", [
        full,
        u.sourcedId,
        u.identifier,
        u.email,
        u.username,
      ]);
    } else if (u.role === "teacher") {
      add("teacher", u.sourcedId, "roster", shown, u.email, [full, u.sourcedId, u.email, u.username, u.identifier]);
    } else if (GUARDIAN_ROLES.has(u.role)) {
      add("parent", normalizeEmail(u.email), "roster", shown, u.email, [full, u.sourcedId, u.email, u.identifier]);
    }
  }
  for (const c of roster.classes) {
    add("class", c.sourcedId, "roster", c.title, c.classCode, [c.title, c.sourcedId, c.classCode]);
  }
  if (platform) {
    for (const s of platform.students) {
      const key = s.sourceId ?? s.studentNumber ?? "";
      add(
        "student",
        key,
        "platform",
        name(s.firstName, s.lastName),
        s.studentNumber ? `number ${s.studentNumber}` : "",
        [
          name(s.firstName, s.lastName),
          s.sourceId,
          s.studentNumber,
        ],
      );
    }
    for (const t of platform.teachers) {
      add("teacher", t.sourceId ?? "", "platform", name(t.firstName, t.lastName), t.email ?? "", [
        name(t.firstName, t.lastName),
        t.sourceId,
        t.email,
      ]);
    }
    for (const p of platform.parents) {
      add("parent", normalizeEmail(p.email), "platform", name(p.firstName, p.lastName), p.email, [
        name(p.firstName, p.lastName),
        p.sourceId,
        p.email,
      ]);
    }
    for (const c of platform.classes) {
      add("class", c.sourceId ?? "", "platform", c.title, c.classCode ?? "", [c.title, c.sourceId, c.classCode]);
    }
  }
  const entries: SearchEntry[] = [];
  for (const { words, ...e } of byKey.values()) {
    entries.push({ ...e, text: foldForSearch([...new Set(words)].join(" ")).slice(0, MAX_TEXT) });
  }
  return { entries, truncated };
}

/** Hits of a search, best first, and how many matched in all. */
export interface SearchResult {
  query: string;
  hits: SearchEntry[];
  total: number;
  /** The index left entries out (a very large district): a miss may not be a true miss. */
  truncated: boolean;
}

const KIND_ORDER: Record<SearchKind, number> = { student: 0, parent: 1, teacher: 2, class: 3 };

/**
 * Searches an index: every word of the query must appear (folded) in the
 * entry's name, email, sourcedId, number or class code. An exact key first,
 * then names that start with the query, then by kind and name.
 *
 * @example
 * searchIndex(index, "RAMIREZ", 50).hits.map((h) => h.label) // ["Ana Ramírez", "Nguyen Ramírez", …]
 */
export function searchIndex(index: SearchIndex, query: string, limit = 50): SearchResult {
  const q = foldForSearch(query.slice(0, 200));
  const words = q.split(" ").filter(Boolean);
  if (words.length === 0) return { query, hits: [], total: 0, truncated: index.truncated };
  const matched = index.entries.filter((e) => words.every((w) => e.text.includes(w)));
  const rank = (e: SearchEntry) => {
    if (foldForSearch(e.key) === q) return 0;
    const label = foldForSearch(e.label);
    if (label === q) return 1;
    if (label.startsWith(q) || label.split(" ").some((part) => part.startsWith(words[0]))) return 2;
    return 3;
  };
  const ranked = matched.map((e) => ({ e, r: rank(e), label: foldForSearch(e.label) }));
  ranked.sort((a, b) =>
    a.r - b.r || KIND_ORDER[a.e.kind] - KIND_ORDER[b.e.kind] ||
    (a.label < b.label ? -1 : a.label > b.label ? 1 : a.e.key < b.e.key ? -1 : a.e.key > b.e.key ? 1 : 0)
  );
  return {
    query,
    hits: ranked.slice(0, Math.max(0, limit)).map((x) => x.e),
    total: matched.length,
    truncated: index.truncated,
  };
}

/**
 * Searches roster and platform rows directly (builds the index each call).
 *
 * @example
 * searchPeople(roster, platform, "ramirez").hits
 */
export function searchPeople(
  roster: SearchRoster,
  platform: SearchPlatform | undefined,
  query: string,
  limit = 50,
): SearchResult {
  return searchIndex(buildSearchIndex(roster, platform), query, limit);
}
