/**
 * The pages: customers → a customer's summary (what to fix first, findings
 * grouped under their causes, charts, downloads) → search → a student,
 * parent, teacher or class, roster beside platform. Thin: the work is in the
 * job processes and lib/.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { raw } from "../../lib/html.ts";
import { DEFAULT_TOOLS } from "../../lib/diagnostics/run.ts";
import type { LookupQuery } from "../../lib/app/lookup.ts";
import { renderReport } from "../../lib/report/mod.ts";
import { reportAbout } from "../../lib/report/person.ts";
import { renderFixScript } from "../../lib/report/fix-script.ts";
import { searchIndex } from "../../lib/search.ts";
import type { AppEnv } from "../context.ts";
import { authorize } from "../middleware/authorize.ts";
import { validate } from "../middleware/validate.ts";
import {
  ClassParam,
  CustomerParam,
  EnvQuery,
  FixScriptQuery,
  NoQuery,
  ParentParam,
  ReportQuery,
  SearchQuery,
  StudentParam,
  SummaryQuery,
  TeacherParam,
} from "../params.ts";
import { customersPage, summaryPage } from "../pages.ts";
import { personPage, searchPage } from "../person-pages.ts";
import { type ApiOptions, auditedLookup, auditorFor, visibleCustomers } from "./api.ts";

/** What the pages need: the API's options, and whether a history is kept (its pages are linked). */
export interface PageOptions extends ApiOptions {
  history: boolean;
}

const CONTENT_TYPES = {
  json: "application/json; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  md: "text/markdown; charset=utf-8",
} as const;

/**
 * A file name for a download: ASCII letters, digits, dots and dashes only, so
 * the Content-Disposition header needs no quoting rules a browser may read otherwise.
 *
 * @example
 * downloadName("fix", "demo-isd", "Nguyen.Ramírez@example.org", "sql") // "fix-demo-isd-nguyen.ramirez-example.org.sql"
 */
export function downloadName(...parts: string[]): string {
  const ext = parts.pop()!;
  const stem = parts.map((p) =>
    p.normalize("NFD").replace(/\p{M}+/gu, "").toLowerCase().replace(/[^a-z0-9.]+/g, "-").replace(/^[-.]+|[-.]+$/g, "")
      .slice(0, 80)
  ).filter(Boolean).join("-");
  return `${stem || "download"}.${ext}`;
}

const attachment = (name: string) => `attachment; filename="${name}"`;
/** 2026-12-01T03:02:04Z → 20261201-030204 (UTC). */
const stamp = (generatedAt: string) =>
  generatedAt.replace(/[-:]/g, "").replace(/\.\d+/, "").replace("T", "-").replace("Z", "");

/**
 * The pages sub-app (mounted after authenticate()).
 *
 * @example
 * app.route("/", pageRoutes({ settingsDir, jobs, audit, history: true }));
 */
export function pageRoutes(options: PageOptions): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();
  const { settingsDir } = options;
  const customer = [validate("param", CustomerParam)] as const;

  /** The customer's full diagnosis (cached a minute), its read written to the audit log. */
  const diagnosis = async (c: Context<AppEnv>, operation: string, subject?: string) => {
    const { id, env, settings } = c.get("target");
    const result = await options.jobs.diagnose(settings, env, DEFAULT_TOOLS, false);
    const a = auditorFor(c, options.audit);
    await a.write({
      customer: id,
      environment: env,
      operation,
      ...(subject !== undefined ? { subject: await a.subject(subject) } : {}),
      records: { findings: result.report.findings.length },
      route: c.req.routePath,
    });
    return result;
  };

  pages.get("/", validate("query", NoQuery), async (c) => {
    const principal = c.get("principal");
    return c.html(
      customersPage(await visibleCustomers(settingsDir, principal), principal, { history: options.history }),
    );
  });

  pages.get("/customers/:id", ...customer, validate("query", SummaryQuery), authorize({ settingsDir }), async (c) => {
    const { report, charts, history } = await diagnosis(c, "diagnose");
    const q = c.req.valid("query");
    return c.html(
      summaryPage(
        report,
        charts.map(raw),
        { tool: q.tool || undefined, code: q.code || undefined, severity: q.severity || undefined },
        c.get("principal"),
        { enabled: options.history, error: history?.error },
      ),
    );
  });

  pages.get(
    "/customers/:id/search",
    ...customer,
    validate("query", SearchQuery),
    authorize({ settingsDir }),
    async (c) => {
      const { id, env } = c.get("target");
      const { q } = c.req.valid("query");
      const { index } = await diagnosis(c, "search", `search:${q}`);
      return c.html(searchPage(searchIndex(index, q, 100), { customer: id, env }, c.get("principal")));
    },
  );

  pages.get(
    "/customers/:id/report",
    ...customer,
    validate("query", ReportQuery),
    authorize({ settingsDir }),
    async (c) => {
      const { id, env } = c.get("target");
      const { format } = c.req.valid("query");
      const { report } = await diagnosis(c, "diagnose");
      return c.body(renderReport(report, format), 200, {
        "content-type": CONTENT_TYPES[format],
        "content-disposition": attachment(downloadName(id, env, stamp(report.generatedAt), format)),
      });
    },
  );

  pages.get(
    "/customers/:id/fix-script",
    ...customer,
    validate("query", FixScriptQuery),
    authorize({ settingsDir }),
    async (c) => {
      const { id, env } = c.get("target");
      const { person } = c.req.valid("query");
      const { report } = await diagnosis(c, "fix-script", `person:${person}`);
      const { sql } = renderFixScript(reportAbout(report, person));
      return c.body(sql, 200, {
        "content-type": "application/sql; charset=utf-8",
        "content-disposition": attachment(downloadName("fix", id, env, person, "sql")),
      });
    },
  );

  const personRoute = (
    path: string,
    param: typeof StudentParam | typeof ParentParam | typeof TeacherParam | typeof ClassParam,
    query: (p: Record<string, string>) => LookupQuery,
  ) =>
    pages.get(path, validate("param", param), validate("query", EnvQuery), authorize({ settingsDir }), async (c) => {
      const result = await auditedLookup(c, options, query(c.req.valid("param") as Record<string, string>));
      return c.html(personPage(result, c.get("principal")));
    });
  personRoute("/customers/:id/students/:key", StudentParam, (p) => ({ kind: "student", key: p.key }));
  personRoute("/customers/:id/parents/:email", ParentParam, (p) => ({ kind: "parent", key: p.email }));
  personRoute("/customers/:id/teachers/:key", TeacherParam, (p) => ({ kind: "teacher", key: p.key }));
  personRoute("/customers/:id/classes/:class", ClassParam, (p) => ({ kind: "class", key: p.class }));
  return pages;
}
