/** The JSON API under /api: customers, diagnoses (json, csv, md) and lookups. */
import { Hono } from "hono";
import type { Context } from "hono";
import { Auditor } from "../../lib/audit.ts";
import { DEFAULT_TOOLS } from "../../lib/diagnostics/run.ts";
import type { LookupQuery, LookupResult } from "../../lib/app/lookup.ts";
import { renderReport } from "../../lib/report/mod.ts";
import { safeJson } from "../../lib/text.ts";
import { listCustomerIds, loadSettings } from "../../lib/settings/load.ts";
import type { Principal } from "../auth.ts";
import type { AppEnv } from "../context.ts";
import { authorize } from "../middleware/authorize.ts";
import { validate } from "../middleware/validate.ts";
import {
  ClassParam,
  CustomerParam,
  DiagnoseQuery,
  EnvQuery,
  NoQuery,
  ParentParam,
  StudentParam,
  TeacherParam,
} from "../params.ts";
import type { JobService } from "../jobs/service.ts";

/** What the API needs. */
export interface ApiOptions {
  settingsDir: string;
  jobs: JobService;
  audit: { path: string; key: string };
}

/** The customers a principal may see, with their settings. */
export async function visibleCustomers(settingsDir: string, principal: Principal) {
  const ids = (await listCustomerIds(settingsDir)).filter((id) =>
    !principal.customers || principal.customers.includes(id)
  );
  return await Promise.all(ids.map(async (id) => (await loadSettings(settingsDir, id)).settings));
}

/** The audit log of one request. */
export function auditorFor(c: Context<AppEnv>, audit: { path: string; key: string }): Auditor {
  return new Auditor({
    path: audit.path,
    key: audit.key,
    user: c.get("principal").name,
    requestId: c.get("requestId"),
  });
}

/** A lookup run as a job and written to the audit log (the subject hashed). */
export async function auditedLookup(
  c: Context<AppEnv>,
  options: ApiOptions,
  query: LookupQuery,
): Promise<LookupResult> {
  const { id, env, settings } = c.get("target");
  const result = await options.jobs.lookup(settings, env, query);
  const a = auditorFor(c, options.audit);
  await a.write({
    customer: id,
    environment: env,
    operation: `lookup ${query.kind}`,
    subject: await a.subject(`${query.kind}:${query.key}`),
    records: { people: result.people.length, findings: result.findings.length },
    route: c.req.routePath,
  });
  return result;
}

const lookupJson = (r: LookupResult) => ({
  query: r.query,
  customer: r.customer,
  environment: r.environment,
  people: r.people,
  roster: { users: r.roster.users, enrollments: r.roster.enrollments, classes: r.roster.classes },
  platform: {
    students: r.platform.students,
    teachers: r.platform.teachers,
    parents: r.platform.parents,
    parentStudents: r.platform.parentStudents,
    classes: r.platform.classes,
    enrollments: r.platform.enrollments,
  },
  findings: r.findings,
  /** Where the roster side came from: the workspace (and when it was stored) or the export (and why). */
  rosterFrom: r.rosterFrom ?? { kind: "export" },
});

/**
 * The /api sub-app (mounted after authenticate()).
 *
 * @example
 * app.route("/api", apiRoutes({ settingsDir, jobs, audit }));
 */
export function apiRoutes(options: ApiOptions): Hono<AppEnv> {
  const api = new Hono<AppEnv>();
  const { settingsDir } = options;

  api.get("/customers", validate("query", NoQuery), async (c) => {
    const customers = (await visibleCustomers(settingsDir, c.get("principal"))).map((s) => ({
      // Settings hold credential names, never secrets; the source's location is left out all the same.
      customer_id: s.customer_id,
      customer_name: s.customer_name,
      integration_type: s.integration_type,
      oneshelf_environment: s.oneshelf_environment,
      source_kind: s.source.kind,
    }));
    return json(c, { customers });
  });

  api.get(
    "/customers/:id/diagnose",
    validate("param", CustomerParam),
    validate("query", DiagnoseQuery),
    authorize({ settingsDir }),
    async (c) => {
      const { id, env, settings } = c.get("target");
      const { format, tool, fresh } = c.req.valid("query");
      const { report } = await options.jobs.diagnose(settings, env, tool?.length ? tool : DEFAULT_TOOLS, fresh === "1");
      await auditorFor(c, options.audit).write({
        customer: id,
        environment: env,
        operation: "diagnose",
        records: { findings: report.findings.length },
        route: c.req.routePath,
      });
      if (format === "json") return json(c, report);
      return c.body(renderReport(report, format), 200, {
        "content-type": format === "csv" ? "text/csv; charset=utf-8" : "text/markdown; charset=utf-8",
      });
    },
  );

  api.get(
    "/customers/:id/students/:key",
    validate("param", StudentParam),
    validate("query", EnvQuery),
    authorize({ settingsDir }),
    async (c) =>
      json(c, lookupJson(await auditedLookup(c, options, { kind: "student", key: c.req.valid("param").key }))),
  );
  api.get(
    "/customers/:id/parents/:email",
    validate("param", ParentParam),
    validate("query", EnvQuery),
    authorize({ settingsDir }),
    async (c) =>
      json(c, lookupJson(await auditedLookup(c, options, { kind: "parent", key: c.req.valid("param").email }))),
  );
  api.get(
    "/customers/:id/teachers/:key",
    validate("param", TeacherParam),
    validate("query", EnvQuery),
    authorize({ settingsDir }),
    async (c) =>
      json(c, lookupJson(await auditedLookup(c, options, { kind: "teacher", key: c.req.valid("param").key }))),
  );
  api.get(
    "/customers/:id/classes/:class",
    validate("param", ClassParam),
    validate("query", EnvQuery),
    authorize({ settingsDir }),
    async (c) =>
      json(c, lookupJson(await auditedLookup(c, options, { kind: "class", key: c.req.valid("param").class }))),
  );
  return api;
}

/**
 * A JSON answer with the characters JSON leaves raw but a terminal or an editor acts on (C1, bidi controls, line
 * separators) written as `\u` escapes, as the report's download has them: a district's names hold such characters.
 *
 * @example
 * return json(c, report);
 */
function json(c: Context, value: unknown): Response {
  return c.body(safeJson(value), 200, { "content-type": "application/json; charset=UTF-8" });
}
