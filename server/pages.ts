/** Server-rendered HTML pages: plain markup, a little CSS, no build step. Every value is escaped. */
import { html, type Raw, raw } from "../lib/html.ts";
import type { Finding, Report } from "../lib/diagnostics/findings.ts";
import type { LookupResult } from "../lib/lookup.ts";
import { renderLookup } from "../lib/report/lookup.ts";
import type { Principal } from "./auth.ts";

const CSS =
  `body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#222}header{background:#1f3b5a;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1rem;align-items:center}
header a{color:#fff}main{padding:1rem 1.2rem;max-width:1200px}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
.error{color:#b00020;font-weight:600}.warning{color:#a15c00}.info{color:#335}form.inline{display:inline}.charts{display:flex;flex-wrap:wrap;gap:1rem}
pre{background:#f6f6f6;padding:.8rem;overflow:auto}.muted{color:#666}label{margin-right:.6rem}`;

/** The page frame. */
export function layout(title: string, body: Raw, principal?: Principal): string {
  return html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <title>${title} · Customer Data Tools</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>${raw(CSS)}</style>
      </head>
      <body>
        <header><strong><a href="/">Customer Data Tools</a></strong><span class="muted">read-only</span><span style="flex:1"></span>
    ${principal
      ? html`
        <span>${principal.name} (${principal.role})</span><form class="inline" method="post"
          action="/signout"><button>Sign out</button></form>
      `
      : ""}
        </header>
        <main><h1>${title}</h1>${body}</main>
      </body>
    </html>
  `.value;
}

/** The sign-in form: an API token exchanged for a session cookie. */
export function signInPage(error?: string, oidc = false): string {
  return layout(
    "Sign in",
    html`
            ${error ? html`<p class="error">${error}</p>` : ""}
            <form method="post"
        action="/signin"><label for="token">Access token</label><input id="token" name="token" type="password" size="60" autocomplete="off" required>
            <button type="submit">Sign in</button></form>
      ${oidc ? html`<p><a id="sso" href="/oidc/login">Sign in with your company account</a></p>` : ""}<p
        class="muted">Ask an engineer for a token (deno task server-token add NAME).</p>
    `,
  );
}

/** The customers the principal may see. */
export function customersPage(
  customers: Array<
    { customer_id: string; customer_name: string; integration_type: string; oneshelf_environment: string }
  >,
  principal: Principal,
): string {
  return layout(
    "Customers",
    html`
      <table>
        <thead>
          <tr>
            <th>Customer</th>
            <th>Name</th>
            <th>Integration</th>
            <th>Environment</th>
          </tr>
        </thead>
        <tbody>
      ${customers.map((c) =>
        html`
          <tr>
            <td><a href="/customers/${encodeURIComponent(c.customer_id)}">${c.customer_id}</a></td>
            <td>${c.customer_name}</td>
            <td>${c.integration_type}</td>
            <td>${c.oneshelf_environment}</td>
          </tr>
        `
      )}
        </tbody>
      </table>
    `,
    principal,
  );
}

/** Filters of the findings table. */
export interface FindingFilters {
  tool?: string;
  code?: string;
  severity?: string;
}

/** A customer's summary: charts, then the findings table with filters. */
export function summaryPage(report: Report, charts: Raw[], filters: FindingFilters, principal: Principal): string {
  const shown = report.findings.filter((f) =>
    (!filters.tool || f.tool === filters.tool) && (!filters.code || f.code === filters.code) &&
    (!filters.severity || f.severity === filters.severity)
  );
  const options = (values: string[], selected?: string) =>
    html`<option value="">all</option>${
      [...new Set(values)].sort().map((v) =>
        html`
          <option value="${v}" ${raw(v === selected ? " selected" : "")}>${v}</option>
        `
      )
    }`;
  const id = encodeURIComponent(report.customer);
  return layout(
    `${report.customer} (${report.environment})`,
    html`
      <p>${report.summary.error} errors, ${report.summary.warning} warnings from ${report.source.kind} ${report.source
        .version}, ${report.generatedAt}.
      <a href="/api/customers/${id}/diagnose?env=${report
        .environment}&format=csv">CSV</a> · <a href="/api/customers/${id}/diagnose?env=${report
        .environment}&format=md">Markdown</a></p>
      ${report.warnings.length
        ? html`<ul>${report.warnings.map((w) => html`<li class="warning">${w.message}</li>`)}</ul>`
        : ""}
      <div class="charts">${charts}</div>
      <h2>Findings (${shown.length} of ${report.findings.length})</h2>
      <form method="get" id="filters"><input type="hidden" name="env" value="${report.environment}">
      <label>Tool <select name="tool">${options(report.findings.map((f) => f.tool), filters.tool)}</select></label>
      <label>Code <select name="code">${options(report.findings.map((f) => f.code), filters.code)}</select></label>
      <label>Severity <select name="severity">${options(
        report.findings.map((f) => f.severity),
        filters.severity,
      )}</select></label>
      <button type="submit">Filter</button></form>
      <table id="findings">
        <thead>
          <tr>
            <th>Severity</th>
            <th>Code</th>
            <th>Finding</th>
            <th>Action</th>
          </tr>
        </thead>
        <tbody>
      ${shown.slice(0, 500).map((f) => findingRow(f, report))}</tbody>
      </table>
      ${shown.length > 500 ? html`<p class="muted">The first 500 are shown; the CSV has all.</p>` : ""}
    `,
    principal,
  );
}

function findingRow(f: Finding, report: Report): Raw {
  const student =
    (f.code.startsWith("student.") || f.code.startsWith("transfer.") || f.code.startsWith("enrollment.")) &&
    (f.entity.sourcedId ?? f.entity.userSourcedId);
  const link = student
    ? html`
      <a href="/customers/${encodeURIComponent(report.customer)}/students/${encodeURIComponent(
        String(student),
      )}?env=${report.environment}">person</a>
    `
    : "";
  return html`
    <tr>
      <td class="${f.severity}">${f.severity}</td>
      <td><code>${f.code}</code></td>
      <td>${f.message}${link}</td>
      <td>${f.resolution.action}</td>
    </tr>
  `;
}

/** One person, roster beside platform. */
export function personPage(result: LookupResult, principal: Principal): string {
  return layout(
    `${result.query.kind} ${result.query.key}`,
    html`<p><a href="/customers/${
      encodeURIComponent(result.customer)
    }?env=${result.environment}">← ${result.customer}</a></p>
<pre id="lookup">${renderLookup(result)}</pre>`,
    principal,
  );
}

/** A friendly error page: what happened, in words, and the request id to quote to an engineer. */
export function errorPage(
  status: number,
  message: string,
  code: string,
  requestId: string,
  principal?: Principal,
): string {
  return layout(
    status >= 500 ? "Something went wrong" : "That did not work",
    html`
      <p class="error">${message}</p>
      <p
        class="muted">Error <code>${code}</code> (HTTP ${status}). Quote request id <code>${requestId}</code> when you ask for help.</p>
      <p><a href="/">Back to the customers</a></p>
    `,
    principal,
  );
}
