/** Escaping for every value that goes into HTML (server pages, notebook output). */

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * Escapes text for HTML content and attribute values.
 *
 * @example
 * escapeHtml('<img src=x onerror="alert(1)">') // "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
 */
export function escapeHtml(value: unknown): string {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ENTITIES[c]);
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
