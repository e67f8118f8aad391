/**
 * Value normalisation shared by every comparison between a source and the
 * platform (findings.md, matching rules).
 */

/**
 * Emails compare trimmed and lower-cased; null and undefined become "".
 *
 * @example
 * normalizeEmail("  Ana.Ruiz@Example.ORG ") // "ana.ruiz@example.org"
 */
export function normalizeEmail(email: string | null | undefined): string {
  return (email ?? "").trim().toLowerCase();
}

/**
 * Names compare after trimming.
 *
 * @example
 * normalizeName(" Ana ") // "Ana"
 */
export function normalizeName(name: string | null | undefined): string {
  return (name ?? "").trim();
}

/**
 * Grades compare with numeric codes padded to two digits, so `9` and `09`
 * are alike; other codes (KG, PK, Other…) are compared as written, trimmed.
 *
 * @example
 * normalizeGrade("9") // "09"
 * normalizeGrade("KG") // "KG"
 */
export function normalizeGrade(grade: string | null | undefined): string {
  const g = (grade ?? "").trim();
  if (/^\d+$/.test(g)) return String(Number(g)).padStart(2, "0");
  return g;
}

// The WHATWG HTML "valid email address" production, as browsers apply it
// to <input type=email>.
const WHATWG_EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/**
 * True when `<input type=email>` would accept the address (after trimming).
 *
 * @example
 * isValidEmail("ana@example.org") // true
 * isValidEmail("ana@@example") // false
 */
export function isValidEmail(email: string | null | undefined): boolean {
  return WHATWG_EMAIL.test((email ?? "").trim());
}

/**
 * Text for searching: accents removed (NFD without combining marks), lower-cased, spaces collapsed, so
 * typing `ramirez` finds `Ramírez`. For search only: matching rules compare names as written.
 *
 * @example
 * foldForSearch("  José  RAMÍREZ ") // "jose ramirez"
 */
export function foldForSearch(text: string | null | undefined): string {
  return (text ?? "").normalize("NFD").replace(/\p{M}+/gu, "").toLowerCase().replace(/\s+/g, " ").trim();
}

/** Accented letters that SQL's translate() folds, and their plain twins (for searches inside the database). */
export const SQL_FOLD: { from: string; to: string } = (() => {
  const accented = "áàâäãåāăąçćčďéèêëēėęěíìîïīįñńňóòôöõōőŕřśšşťúùûüūůűųýÿźżž";
  let from = "";
  let to = "";
  for (const c of accented) {
    const plain = foldForSearch(c);
    if (plain.length === 1 && plain !== c) {
      from += c;
      to += plain;
    }
  }
  return { from, to };
})();
