/**
 * Text a district wrote, made safe to print. A name, role or grade can hold
 * an escape sequence (clear the screen, retitle the window), a carriage
 * return or line break (print a line that looks like ours), or a bidi
 * override (show text in another order than it is stored). The helpers here
 * turn every such character into a visible escape (`\x1b`, `\n`, `\u202e`):
 * nothing is lost, nothing acts. Renderers apply them where a value meets a
 * format; the formats' own markup is left alone.
 */

// C0 but tab, DEL, C1; the line and paragraph separators; the bidi embeddings, overrides and isolates.
// deno-lint-ignore no-control-regex -- matching control characters is the point
const UNSAFE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r" };

function visible(c: string): string {
  const code = c.charCodeAt(0);
  return NAMED[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16)}`);
}

/**
 * One value as a single line of plain text: every control character (C0 but
 * tab, DEL, C1), line break, line separator and bidi control shown as an
 * escape. Other text, backslashes included, is unchanged.
 *
 * @example
 * printable("Ana\x1b[2J\rOK: no findings\nfake") // "Ana\\x1b[2J\\rOK: no findings\\nfake"
 */
export function printable(value: unknown): string {
  return String(value ?? "").replace(UNSAFE, visible);
}

/**
 * Several lines we built, each made printable: a value cannot add a line,
 * move the cursor or reorder what follows it.
 *
 * @example
 * printableLines(["SUMMARY", `  ! ${warning}`]).join("\n")
 */
export function printableLines(lines: readonly string[]): string[] {
  return lines.map(printable);
}

const MD_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/**
 * One value as Markdown text that renders as the value itself: printable,
 * HTML escaped (`<`, `>`, `&` as entities), and every character Markdown
 * reads as syntax (links, images, emphasis, code, headings, tables,
 * strikethrough) backslash-escaped.
 *
 * @example
 * markdownText("[click](https://x.example) <b>*hi*</b> | #1")
 * // "\\[click\\]\\(https://x.example\\) &lt;b&gt;\\*hi\\*&lt;/b&gt; \\| \\#1"
 */
export function markdownText(value: unknown): string {
  return printable(value)
    .replace(/[\\`*_{}\[\]()#+!|~]/g, (c) => `\\${c}`)
    .replace(/[&<>]/g, (c) => MD_ENTITIES[c]);
}

/** The characters a spreadsheet reads as the start of a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A CSV value a spreadsheet will not run: one starting with `=`, `+`, `-`,
 * `@`, tab or carriage return gets a leading `'` (OWASP's advice for CSV
 * injection), and control characters are shown as escapes. Quote it for CSV
 * afterwards.
 *
 * @example
 * csvText("=HYPERLINK(\"http://x.example\")") // "'=HYPERLINK(\"http://x.example\")"
 */
export function csvText(value: unknown): string {
  const s = String(value ?? "");
  return FORMULA_START.test(s) ? `'${printable(s)}` : printable(s);
}

/**
 * JSON.stringify, and the characters it leaves raw but a terminal or editor
 * acts on (DEL, C1, line separators, bidi controls) written as `\u` escapes:
 * the same JSON value, safe to print.
 *
 * @example
 * safeJson({ name: "a\u202eb" }) // '{"name":"a\\u202eb"}'
 */
export function safeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    /[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Text a server or a district sent, cut to `max` characters for a message (with an ellipsis when cut).
 *
 * @example
 * shorten("https://example.org/a-very-long-link", 20) // "https://example.org/…"
 */
export function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Whether text holds a C0 control character or DEL: no id, email, number or name a user types holds one (a NUL reached
 * the database as an internal error).
 *
 * @example
 * hasControl("stu-1") // false
 * hasControl("a\u0000b") // true
 */
export function hasControl(text: string): boolean {
  return CONTROL.test(text);
}

// deno-lint-ignore no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
