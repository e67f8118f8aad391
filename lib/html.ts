/** Escaping for every value that goes into HTML (server pages, notebook output). */

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * Control characters (C0 but tab and line breaks, DEL, C1), line separators and bidi controls: shown as escapes, so
 * that a district's name cannot reorder the text around it on a page (U+202E) or hide in it. Tabs and line breaks
 * stay: a fix script in a `<pre>` keeps its lines.
 */
// deno-lint-ignore no-control-regex -- finding control characters is the point
const HIDDEN = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Escapes text for HTML content and attribute values; control and bidi characters are shown as escapes.
 *
 * @example
 * escapeHtml('<img src=x onerror="alert(1)">') // "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
 * escapeHtml("Ana\u202eziuR") // "Ana\\u202eziuR"
 */
export function escapeHtml(value: unknown): string {
  return String(value ?? "")
    .replace(/[&<>"']/g, (c) => ENTITIES[c])
    .replace(HIDDEN, (c) => {
      const code = c.charCodeAt(0);
      return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16)}`;
    });
}

/**
 * A tagged template that escapes every interpolated value unless it is {@link raw}.
 *
 * @example
 * html`<td>${student.name}</td>` // escaped
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  let out = strings[0];
  values.forEach((v, i) => {
    out += (Array.isArray(v) ? v.map(part).join("") : part(v)) + strings[i + 1];
  });
  return new Raw(out);
}

/** Markup that is already safe (built with {@link html}, or an SVG rendered by a chart function). */
export class Raw {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Marks a trusted string as markup. */
export function raw(value: string): Raw {
  return new Raw(value);
}

function part(v: unknown): string {
  return v instanceof Raw ? v.value : escapeHtml(v);
}
