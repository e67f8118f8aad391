/** Server-rendered HTML pages: plain markup, a little CSS, no build step. Every value is escaped. */
import { html, type Raw, raw } from "../lib/html.ts";
import type { Finding, Report } from "../lib/model/findings.ts";
import { type RootCause, rootCauses } from "../lib/report/causes.ts";
import { findingKey } from "../lib/model/findings.ts";
import { groupByCause } from "../lib/report/cause-groups.ts";
import { comparisonLead } from "../lib/report/comparison.ts";
import { count, num } from "../lib/report/words.ts";
import type { Principal } from "./auth.ts";
import { customerHref, findingLinks, type PageScope } from "./links.ts";

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#222}
header{background:#1f3b5a;color:#fff;padding:.5rem 1.2rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header a{color:#fff}header form.search{display:flex;gap:.3rem}header input[type=search]{width:24rem;max-width:60vw;padding:.25rem .4rem}
main{padding:1rem 1.2rem}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:break-word}
th{background:#f3f5f8}td.num,th.num{text-align:right}
.error{color:#b00020;font-weight:600}.warning{color:#a15c00}.info{color:#335}form.inline{display:inline}
.charts{display:flex;flex-direction:column;gap:1rem}.charts figure{margin:0}.charts figure>svg,.charts>svg{width:100%;height:auto}
pre{background:#f6f6f6;padding:.8rem;overflow:auto;white-space:pre-wrap}.muted{color:#666}label{margin-right:.6rem}
.badge{display:inline-block;border-radius:3px;padding:0 .35rem;font-size:12px;font-weight:600;margin-right:.35rem}
.badge.new{background:#b00020;color:#fff}.badge.reopened{background:#7a3cb0;color:#fff}
.badge.roster{background:#dfe8f7;color:#1f3b5a}.badge.platform{background:#e6f2e6;color:#225522}
details.group{border:1px solid #ddd;border-radius:4px;margin:.5rem 0}details.group>summary{padding:.45rem .6rem;cursor:pointer;background:#f8f9fb}
details.group>table{margin:0}ol.causes li{margin:.25rem 0}ul.links{list-style:none;margin:.2rem 0 0;padding:0;display:flex;flex-wrap:wrap;gap:.2rem .8rem;font-size:13px}
.sides{display:grid;grid-template-columns:repeat(auto-fit,minmax(28rem,1fr));gap:1rem 1.5rem}.sides h3{margin:.3rem 0}
tr.problem td{background:#fff1f1}p.downloads a{margin-right:.2rem}nav.crumbs{margin-bottom:.6rem}`;

/** What the header offers on a customer's pages: the search box, with the query kept. */
export interface PageNav {
  customer: string;
  env: string;
  q?: string;
}

/** The page frame; on a customer's pages (`nav`), the search box in the header. */
export function layout(title: string, body: Raw, principal?: Principal, nav?: PageNav): string {
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
        <header><strong><a href="/">Customer Data Tools</a></strong><span class="muted">read-only</span>
    ${nav
      ? html`
        <form class="search" role="search" method="get" action="/customers/${encodeURIComponent(
          nav.customer,
        )}/search"><input
          type="hidden" name="env" value="${nav.env}"><input id="q" type="search" name="q" value="${nav.q ?? ""}"
          placeholder="Search ${nav.customer}: name, email, sourcedId, student number" aria-label="Search ${nav
            .customer}" maxlength="200"><button>Search</button></form>
      `
      : ""}<span style="flex:1"></span>
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

/** The customers the principal may see, with their history and the fleet's triage page when a history is kept. */
export function customersPage(
  customers: Array<
    { customer_id: string; customer_name: string; integration_type: string; oneshelf_environment: string }
  >,
  principal: Principal,
  options: { history?: boolean } = {},
): string {
  return layout(
    "Customers",
    html`
      ${options.history
        ? html`<p><a id="fleet" href="/fleet">Fleet triage</a>: customers ranked by new errors since their previous run.</p>`
        : ""}
      <table>
        <thead>
          <tr>
            <th>Customer</th>
            <th>Name</th>
            <th>Integration</th>
            <th>Environment</th>
            ${options.history ? html`<th>History</th>` : ""}
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
            ${options.history
              ? html`<td><a href="/customers/${encodeURIComponent(c.customer_id)}/history">runs</a></td>`
              : ""}
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

/** What the history said of the run the summary shows. */
export interface SummaryHistory {
  /** Whether the server keeps a history (links to the history and fleet pages). */
  enabled: boolean;
  /** Why the run could not be recorded or compared, when it could not. */
  error?: string;
}

/** Findings rows shown in one group before "the rest are in the CSV". */
const GROUP_ROWS = 200;

/**
 * A customer's summary: what to fix first (root causes ranked by the findings
 * each explains), what is new since the last run, downloads, charts, then the
 * findings grouped under their causes (folded), filterable.
 */
export function summaryPage(
  report: Report,
  charts: Raw[],
  filters: FindingFilters,
  principal: Principal,
  history: SummaryHistory = { enabled: false },
): string {
  const filtered = !!(filters.tool || filters.code || filters.severity);
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
  const scope: PageScope = { customer: report.customer, env: report.environment };
  const total = report.findings.length;
  const causes = rootCauses(report.findings).slice(0, 5);
  const { groups, alone } = groupByCause(report.findings, shown);
  const fresh = report.findings.filter((f) => f.status === "new" || f.status === "reopened").length;
  const byCode = new Map<string, Finding[]>();
  for (const f of alone) byCode.set(f.code, [...(byCode.get(f.code) ?? []), f]);
  const download = (format: string, label: string) =>
    html`<a class="download" href="${customerHref(scope, "/report", { format })}">${label}</a>`;
  return layout(
    `${report.customer} (${report.environment})`,
    html`
      <p id="counts">${count(total, "finding")}: ${count(report.summary.error, "error")}, ${count(
        report.summary.warning,
        "warning",
      )} from ${report.source.kind} ${report.source.version}, ${report.generatedAt}.
      ${history.enabled
        ? html`
          <a id="history" href="/customers/${encodeURIComponent(report.customer)}/history">History</a> · <a
            href="/fleet">Fleet</a>
        `
        : ""}</p>
      <p class="downloads">Download the report: ${download("json", "JSON")} · ${download("csv", "CSV")} · ${download(
        "md",
        "Markdown",
      )}</p>
      ${report.comparison
        ? html`<p id="comparison"><strong>${comparisonLead(report.comparison)}</strong>${
          fresh
            ? html`
              — marked <span class="badge new">new</span> below
            `
            : ""
        }.</p>`
        : history.enabled && !history.error
        ? html`<p class="muted" id="comparison">The first recorded run of ${report.customer} (${report.environment}): later runs mark what is new.</p>`
        : ""}
      ${history.error ? html`<p class="warning">Not recorded in the history: ${history.error}</p>` : ""}
      ${causes.length
        ? html`
          <h2>Fix first</h2>
          <ol class="causes" id="causes">${causes.map((c, i) =>
            html`<li><a href="#cause-${i}">${describeCause(c)}</a> explains <strong>${num(c.explains)}</strong> of ${
              num(
                total,
              )
            } findings${i === 0 ? html`: <strong>fix it first</strong>` : ""} <span class="muted">(${
              Object.entries(
                c.byCode,
              ).sort((a, b) => b[1] - a[1]).map(([code, n]) => `${num(n)} ${code}`).join(", ")
            })</span></li>`
          )}</ol>
        `
        : ""}
      ${report.warnings.length
        ? html`<ul>${report.warnings.map((w) => html`<li class="warning">${w.message}</li>`)}</ul>`
        : ""}
      <div class="charts">${charts}</div>
      <h2>Findings (${num(shown.length)} of ${num(total)})</h2>
      <form method="get" id="filters"><input type="hidden" name="env" value="${report.environment}">
      <label>Tool <select name="tool">${options(report.findings.map((f) => f.tool), filters.tool)}</select></label>
      <label>Code <select name="code">${options(report.findings.map((f) => f.code), filters.code)}</select></label>
      <label>Severity <select name="severity">${options(
        report.findings.map((f) => f.severity),
        filters.severity,
      )}</select></label>
      <button type="submit">Filter</button></form>
      <div id="findings">
      ${groups.map((g) => {
        const i = causes.findIndex((c) => findingKey(c) === findingKey(g.cause));
        return html`
          <details class="group cause" ${raw(i >= 0 ? `id="cause-${i}"` : "")}${raw(filtered ? " open" : "")}>
            <summary><span class="${g.cause.finding?.severity ?? "error"}">${describeCause(
              g.cause,
            )}</span> explains ${count(
              g.cause.explains,
              "finding",
            )}${newCount(g.findings)}${g.findings.length < g.cause.explains
              ? html`
                (${num(g.findings.length)} shown)
              `
              : ""}</summary>
            ${findingsTable(g.findings, scope)}
          </details>
        `;
      })}
      ${[...byCode].map(([code, list]) =>
        html`
          <details class="group code" ${raw(filtered || list.length <= 3 ? " open" : "")}>
            <summary><code>${code}</code> · ${count(list.length, "finding")}${newCount(list)}</summary>
            ${findingsTable(list, scope)}
          </details>
        `
      )}
      </div>
    `,
    principal,
    scope,
  );
}

const newCount = (findings: readonly Finding[]) => {
  const n = findings.filter((f) => f.status === "new" || f.status === "reopened").length;
  return n
    ? html`
      <span class="badge new">${num(n)} new</span>
    `
    : "";
};

/** A root cause in words: its finding's message when the report holds it, else its code and entity. */
function describeCause(c: RootCause): string {
  if (c.finding) return c.finding.message;
  return `${c.code} ${Object.entries(c.entity).map(([k, v]) => `${k}=${v}`).join(" ")}`;
}

/**
 * A table of findings: severity, code, the message with its status and links to the pages of what it names, the action.
 *
 * @example
 * findingsTable(result.findings, { customer: "demo-isd", env: "embedded" })
 */
export function findingsTable(findings: readonly Finding[], scope: PageScope, limit = GROUP_ROWS): Raw {
  return html`
    <table class="findings">
      <thead>
        <tr>
          <th style="width:6rem">Severity</th>
          <th style="width:18rem">Code</th>
          <th>Finding</th>
          <th style="width:22rem">Action</th>
        </tr>
      </thead>
      <tbody>
    ${findings.slice(0, limit).map((f) =>
      html`
        <tr>
          <td class="${f.severity}">${f.severity}</td>
          <td><code>${f.code}</code></td>
          <td>${f.status === "new" || f.status === "reopened"
            ? html`<span class="badge ${f.status}">${f.status}</span>`
            : ""}${f.message}${findingLinks(scope, f)}</td>
          <td><strong>${f.resolution.action}</strong><br><span class="muted">${f.resolution.explanation}</span></td>
        </tr>
      `
    )}</tbody>
    </table>
    ${findings.length > limit
      ? html`<p class="muted">The first ${num(limit)} of ${num(findings.length)} are shown; the CSV has all.</p>`
      : ""}
  `;
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
