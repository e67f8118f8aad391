/**
 * Maps a CSV header to the columns the reader knows, by name: exact names
 * first, then the same name in another letter case or misspelt by a letter
 * or two (`prefferedGivenName`), each with a warning.
 */

/** A remark about one header name. */
export interface HeaderNote {
  kind: "misspelt_column" | "duplicate_column" | "header_spaces" | "unknown_column";
  column: string;
  /** The known column a misspelt one is read as. */
  intended?: string;
  message: string;
}

/** Where each known column sits in a row, plus the extension columns kept. */
export interface HeaderMap {
  index: Map<string, number>;
  /** `metadata.*`, `ext_*` and unknown columns, kept as extensions. */
  extensions: Array<{ name: string; index: number }>;
  /** Warnings (misspelt, duplicate, padded names); past {@link MAX_HEADER_NOTES} of a kind, the rest told as one. */
  warnings: HeaderNote[];
  /** Unknown columns that are not metadata.* or ext_*; past {@link MAX_HEADER_NOTES}, the rest told as one. */
  infos: HeaderNote[];
}

/**
 * Levenshtein distance, bounded: returns `max + 1` as soon as it exceeds `max`.
 *
 * @example
 * editDistance("prefferedGivenName", "preferredGivenName", 2) // 2
 */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      rowMin = Math.min(rowMin, cur[j]);
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length];
}

/**
 * Maps header names to known columns.
 *
 * @example
 * mapHeader(["sourcedId", "Status", "prefferedGivenName"], ["sourcedId", "status", "preferredGivenName"]).index
 * // Map { sourcedId → 0, status → 1, preferredGivenName → 2 } (two warnings)
 */
export function mapHeader(header: readonly string[], known: readonly string[]): HeaderMap {
  const map: HeaderMap = { index: new Map(), extensions: [], warnings: [], infos: [] };
  const knownSet = new Set(known);
  const pending: Array<{ name: string; index: number }> = [];
  header.forEach((rawName, index) => {
    const name = rawName.trim();
    if (name !== rawName) {
      map.warnings.push({
        kind: "header_spaces",
        column: name,
        message: `header "${rawName}" has surrounding spaces; read as "${name}"`,
      });
    }
    if (knownSet.has(name)) {
      if (map.index.has(name)) {
        map.warnings.push({
          kind: "duplicate_column",
          column: name,
          message: `column "${name}" appears twice; the first is read`,
        });
      } else map.index.set(name, index);
    } else if (name.startsWith("metadata.") || /^ext_/i.test(name)) {
      map.extensions.push({ name, index });
    } else {
      pending.push({ name, index });
    }
  });
  for (const { name, index } of pending) {
    const missing = known.filter((k) => !map.index.has(k));
    const sameCase = missing.find((k) => k.toLowerCase() === name.toLowerCase());
    const close = sameCase ??
      missing.find((k) => name.length >= 5 && editDistance(name.toLowerCase(), k.toLowerCase(), 2) <= 2);
    if (close) {
      map.index.set(close, index);
      map.warnings.push({
        kind: "misspelt_column",
        column: name,
        intended: close,
        message: `column "${name}" is not a OneRoster column; read as "${close}"`,
      });
    } else {
      map.extensions.push({ name, index });
      if (name !== "") {
        map.infos.push({
          kind: "unknown_column",
          column: name,
          message: `column "${name}" is not a OneRoster column; kept as an extension`,
        });
      }
    }
  }
  map.warnings = capNotes(map.warnings);
  map.infos = capNotes(map.infos);
  return map;
}

/** Notes of one kind past this many are told as one: a header of 100,000 unknown columns gave 100,000 findings. */
export const MAX_HEADER_NOTES = 20;

/** What the columns told together in one note have in common, by kind. */
const TOGETHER: Record<HeaderNote["kind"], string> = {
  unknown_column: "are not OneRoster columns; kept as extensions",
  misspelt_column: "are not OneRoster columns; each read as the one it resembles",
  duplicate_column: "appear again; the first of each is read",
  header_spaces: "have surrounding spaces; read without them",
};

/**
 * The first {@link MAX_HEADER_NOTES} notes of each kind as they are, and the rest of that kind as one note naming how
 * many, the first and the last.
 *
 * @example
 * capNotes(hundredUnknownColumns).length // 21
 */
export function capNotes(notes: HeaderNote[]): HeaderNote[] {
  const seen = new Map<HeaderNote["kind"], number>();
  const rest = new Map<HeaderNote["kind"], HeaderNote[]>();
  const out: HeaderNote[] = [];
  for (const note of notes) {
    const n = (seen.get(note.kind) ?? 0) + 1;
    seen.set(note.kind, n);
    if (n <= MAX_HEADER_NOTES) out.push(note);
    else if (rest.has(note.kind)) rest.get(note.kind)!.push(note);
    else rest.set(note.kind, [note]);
  }
  for (const [kind, more] of rest) {
    const first = more[0].column;
    const last = more[more.length - 1].column;
    out.push({
      kind,
      column: first,
      message: `${more.length.toLocaleString("en-US")} more columns ${TOGETHER[kind]} ("${first}" … "${last}")`,
    });
  }
  return out;
}
