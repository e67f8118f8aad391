/**
 * Display helpers for notebooks. They return objects that Deno's Jupyter
 * kernel renders through `Symbol.for("Jupyter.display")`, so they work (and
 * are tested) outside a kernel too. Every value passes through escapeHtml.
 */
import { html, Raw } from "./html.ts";
import type { Finding, Report } from "./model/findings.ts";
import { findingsByCode } from "./report/group.ts";

/** Something the Jupyter kernel displays as HTML. */
export interface Displayable {
  [key: symbol]: () => Record<string, string>;
  html: string;
}

/**
 * Shows markup (a chart, a table) as a cell's output.
 *
 * @example
 * show(findingsByCodeChart(report))
 */
export function show(markup: Raw | string): Displayable {
  const value = markup instanceof Raw ? markup.value : html`<pre>${markup}</pre>`.value;
  return { html: value, [Symbol.for("Jupyter.display")]: () => ({ "text/html": value }) };
}

/**
 * The summary by code as an HTML table, errors first.
 *
 * @example
 * show(summaryTable(report))
 */
export function summaryTable(report: Report): Raw {
  return html`
    <p>${report.customer} (${report.environment}): ${report.summary.error} errors, ${report.summary
      .warning} warnings</p>
    <table>
      <thead>
        <tr>
          <th>code</th>
          <th>severity</th>
          <th>count</th>
        </tr>
      </thead>
      <tbody>
    ${findingsByCode(report).map((g) =>
      html`
        <tr>
          <td><code>${g.code}</code></td>
          <td>${g.severities.join("/")}</td>
          <td>${g.findings.length}</td>
        </tr>
      `
    )}
      </tbody>
    </table>
  `;
}

/**
 * Findings as an HTML table: severity, code, entity, message, action.
 *
 * @example
 * show(findingsTable(report.findings.filter((f) => f.code === "parent_link.mismatch")))
 */
export function findingsTable(findings: readonly Finding[], limit = 50): Raw {
  return html`
    <table>
      <thead>
        <tr>
          <th>severity</th>
          <th>code</th>
          <th>entity</th>
          <th>message</th>
          <th>action</th>
        </tr>
      </thead>
      <tbody>
    ${findings.slice(0, limit).map((f) =>
      html`
        <tr>
          <td>${f.severity}</td>
          <td><code>${f.code}</code></td>
          <td>${Object.entries(f.entity).map(([k, v]) => `${k}=${v}`).join(", ")}</td>
          <td>${f.message}</td>
          <td>${f.resolution.action}</td>
        </tr>
      `
    )}
      </tbody>
    </table>${findings.length > limit ? html`<p>… and ${findings.length - limit} more</p>` : ""}
  `;
}

/**
 * Any rows as an HTML table (columns from the first row).
 *
 * @example
 * show(rowsTable(platform.rosterSyncs))
 */
export function rowsTable(rows: ReadonlyArray<Record<string, unknown>>, limit = 50): Raw {
  const columns = rows.length ? Object.keys(rows[0]) : [];
  const cell = (v: unknown) => (v !== null && typeof v === "object" ? JSON.stringify(v) : v);
  return html`
    <table>
      <thead>
        <tr>${columns.map((c) => html`<th>${c}</th>`)}</tr>
      </thead>
      <tbody>
    ${rows.slice(0, limit).map((r) => html`<tr>${columns.map((c) => html`<td>${cell(r[c])}</td>`)}</tr>`)}</tbody>
    </table>
  `;
}

/**
 * The last cell of every notebook: tells `deno task notebooks` this notebook
 * ran to its end. It writes the marker file the runner names in
 * CDT_NOTEBOOK_MARKER (immune to the kernel delivering outputs late), and
 * returns the marker text as the cell's value for a person reading it.
 *
 * @example
 * cdt.finished()
 */
export function finished(): string {
  const marker = Deno.env.get("CDT_NOTEBOOK_MARKER");
  if (marker) Deno.writeTextFileSync(marker, "ran to the end\n");
  return "ran to the end";
}
