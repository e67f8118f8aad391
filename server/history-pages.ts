/**
 * The history pages as a Hono sub-app, mounted by the server with
 * `app.route("/", historyPages(store))` behind its authentication:
 * `/customers/:id/history` (runs and trend charts) and `/fleet` (the
 * triage queue: customers ranked by new and reopened errors since their
 * previous run, sudden drops first).
 */
import { type Context, Hono } from "hono";
import { html, type Raw } from "../lib/html.ts";
import type { HistoryStore } from "../lib/history/store.ts";
import type { RunSummary } from "../lib/history/record.ts";
import { codeTrendChart, severityTrendChart, sparkline } from "../lib/history/charts.ts";
import { layout } from "./pages.ts";
import type { Principal } from "./auth.ts";

/** The signed-in principal, when the app in front of these pages set one. */
const principalOf = (c: Context) => (c.var as { principal?: Principal }).principal;

const SLUG = /^[a-z0-9][a-z0-9-]*$/;
/** Runs shown on a customer's page. */
const RUNS_SHOWN = 60;
/** Runs in each fleet row's trend. */
const TREND_RUNS = 8;

/** Options of {@link historyPages}. */
export interface HistoryPagesOptions {
  /** Whether the request may see a customer's environment (a token narrowed to some); default all. */
  canSee?: (c: Context, customer: string, environment: string) => boolean;
}

/** True when the run leads with a sudden drop. */
const dropped = (r: RunSummary) => r.warnings.includes("source.sudden_drop");

/**
 * Orders the latest runs for triage: sudden drops first, then the most new
 * and reopened errors since the previous run, then the most new findings.
 *
 * @example
 * triageOrder(await store.latest())[0].customer
 */
export function triageOrder(latest: readonly RunSummary[]): RunSummary[] {
  return [...latest].sort((a, b) =>
    Number(dropped(b)) - Number(dropped(a)) ||
    (b.delta?.newErrors ?? 0) - (a.delta?.newErrors ?? 0) ||
    (b.delta?.new ?? 0) - (a.delta?.new ?? 0) ||
    (a.customer < b.customer ? -1 : a.customer > b.customer ? 1 : 0)
  );
}

const n = (v: number | undefined | null) => (v === undefined || v === null ? "–" : String(v));

/**
 * The history pages over a store.
 *
 * @example
 * app.route("/", historyPages(await openHistory(Deno.env.toObject())));
 */
export function historyPages(store: HistoryStore, options: HistoryPagesOptions = {}): Hono {
  const canSee = options.canSee ?? (() => true);
  const app = new Hono();

  app.get("/customers/:id/history", async (c) => {
    const id = c.req.param("id");
    if (!SLUG.test(id)) return c.json({ error: "not_found", message: "no such customer" }, 404);
    const runs = (await store.runs(id, { limit: RUNS_SHOWN })).filter((r) => canSee(c, r.customer, r.environment));
    if (!runs.length) {
      const none = html`<p>No recorded runs of ${id} yet. <a href="/customers/${id}">Open its page</a> to record one, or
        run <code>deno task diagnose --customer ${id}</code>.</p>`;
      return c.html(layout(`History of ${id}`, none, principalOf(c)), 404);
    }
    const rows = runs.map((r) =>
      html`
        <tr${dropped(r)
          ? html`
            class="drop"
          `
          : ""}>
          <td>${r.generatedAt}</td>
          <td>${r.environment}</td>
          <td class="num">${r.summary.error}</td>
          <td class="num">${r.summary.warning}</td>
          <td class="num">${n(r.delta?.new)}</td>
          <td class="num">${n(r.delta?.reopened)}</td>
          <td class="num">${n(r.delta?.resolved)}</td>
          <td>${r.warnings.join(", ")}</td>
          <td><code>${r.source.identity.slice(0, 23)}</code></td>
          </tr>
      `
    );
    const body: Raw = html`
      <p><a href="/customers/${id}">Current findings of ${id}</a> · <a href="/fleet">Fleet</a></p>
      ${severityTrendChart(runs)}
      ${codeTrendChart(runs)}
      <table>
        <thead>
          <tr>
            <th>run</th>
            <th>env</th>
            <th>errors</th>
            <th>warnings</th>
            <th>new</th>
            <th>reopened</th>
            <th>resolved</th>
            <th>notices</th>
            <th>source</th>
          </tr>
        </thead>
        <tbody>${rows}</tbody>
      </table>
    `;
    return c.html(layout(`History of ${id}`, body, principalOf(c), { customer: id, env: runs[0].environment }));
  });

  app.get("/fleet", async (c) => {
    const latest = (await store.latest(TREND_RUNS)).filter((r) => canSee(c, r.customer, r.environment));
    const trends = new Map<string, RunSummary[]>();
    for (const r of latest) {
      const key = `${r.customer}\u0000${r.environment}`;
      trends.set(key, [...(trends.get(key) ?? []), r]);
    }
    const heads = triageOrder([...trends.values()].map((runs) => runs[0]));
    const rows = heads.map((r) => {
      const trend = trends.get(`${r.customer}\u0000${r.environment}`)!.map((x) => x.summary.error).reverse();
      return html`
        <tr${dropped(r)
          ? html`
            class="drop"
          `
          : ""}>
          <td><a href="/customers/${r.customer}">${r.customer}</a></td>
          <td>${r.environment}</td>
          <td>${dropped(r) ? "sudden drop" : ""}</td>
          <td class="num">${n(r.delta?.newErrors)}</td>
          <td class="num">${n(r.delta?.new)}</td>
          <td class="num">${n(r.delta?.resolved)}</td>
          <td class="num">${r.summary.error}</td>
          <td>${sparkline(trend)}</td>
          <td><a href="/customers/${r.customer}/history">${r.generatedAt}</a></td>
          </tr>
      `;
    });
    const body = heads.length
      ? html`
        <p class="muted">Customers ranked by new and reopened errors since their previous run; sudden drops first.</p>
        <table>
          <thead>
            <tr>
              <th>customer</th>
              <th>env</th>
              <th></th>
              <th>new errors</th>
              <th>new</th>
              <th>resolved</th>
              <th>errors</th>
              <th>errors, last ${TREND_RUNS} runs</th>
              <th>latest run</th>
            </tr>
          </thead>
          <tbody>${rows}</tbody>
        </table>
      `
      : html`<p>No recorded runs yet: <code>deno task fleet enqueue --all</code> and <code>deno task worker</code>.</p>`;
    return c.html(layout("Fleet", body, principalOf(c)));
  });

  return app;
}
