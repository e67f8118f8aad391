/** The pages: customers → a customer's summary (charts, filterable findings) → a person. */
import { Hono } from "hono";
import { raw } from "../../lib/html.ts";
import { DEFAULT_TOOLS } from "../../lib/diagnostics/run.ts";
import type { AppEnv } from "../context.ts";
import { authorize } from "../middleware/authorize.ts";
import { validate } from "../middleware/validate.ts";
import { CustomerParam, EnvQuery, NoQuery, StudentParam, SummaryQuery } from "../params.ts";
import { customersPage, personPage, summaryPage } from "../pages.ts";
import { type ApiOptions, auditedLookup, auditorFor, visibleCustomers } from "./api.ts";

/**
 * The pages sub-app (mounted after authenticate()).
 *
 * @example
 * app.route("/", pageRoutes({ settingsDir, jobs, audit }));
 */
export function pageRoutes(options: ApiOptions): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();
  const { settingsDir } = options;

  pages.get("/", validate("query", NoQuery), async (c) => {
    const principal = c.get("principal");
    return c.html(customersPage(await visibleCustomers(settingsDir, principal), principal));
  });
  pages.get(
    "/customers/:id",
    validate("param", CustomerParam),
    validate("query", SummaryQuery),
    authorize({ settingsDir }),
    async (c) => {
      const { id, env, settings } = c.get("target");
      const { report, charts } = await options.jobs.diagnose(settings, env, DEFAULT_TOOLS, false);
      await auditorFor(c, options.audit).write({
        customer: id,
        environment: env,
        operation: "diagnose",
        records: { findings: report.findings.length },
        route: c.req.routePath,
      });
      const q = c.req.valid("query");
      return c.html(
        summaryPage(
          report,
          charts.map(raw),
          { tool: q.tool || undefined, code: q.code || undefined, severity: q.severity || undefined },
          c.get("principal"),
        ),
      );
    },
  );
  pages.get(
    "/customers/:id/students/:key",
    validate("param", StudentParam),
    validate("query", EnvQuery),
    authorize({ settingsDir }),
    async (c) => {
      const result = await auditedLookup(c, options, { kind: "student", key: c.req.valid("param").key });
      return c.html(personPage(result, c.get("principal")));
    },
  );
  return pages;
}
