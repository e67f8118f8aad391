/** The server's path and query parameters, as zod schemas the routes validate with `validate()`. */
import { z } from "zod";
import { FindingCode, Severity, TOOL_NAMES } from "../lib/model/findings.ts";
import { Environment } from "../lib/platform/connect.ts";
import { CustomerId } from "../lib/settings/schema.ts";
import { quoted } from "./middleware/validate.ts";
import { hasControl } from "../lib/text.ts";

const oneOf = (name: string, values: readonly string[]) => (issue: { input?: unknown }) =>
  `${name} ${quoted(issue.input)} is not one of ${values.join(", ")}`;

/** `?env=`: the environment to read (default the customer's own). */
const Env = z.enum(Environment.options, { error: () => "env must be embedded, staging or production" });

/** `?tool=` given once or repeated. */
const Tools = z.union([z.string(), z.array(z.string())])
  .transform((v) => [v].flat())
  .pipe(z.array(z.enum(TOOL_NAMES, { error: oneOf("tool", TOOL_NAMES) })));

/** `:id`, a customer id. */
const Id = z.string().superRefine((v, ctx) => {
  const parsed = CustomerId.safeParse(v);
  if (!parsed.success) ctx.addIssue({ code: "custom", message: `customer id: ${parsed.error.issues[0].message}` });
});

/** A lookup key: 1 to 200 characters once trimmed, no control character. */
const key = (name: string) =>
  z.string().trim().min(1, `${name} must be 1 to 200 characters`).max(200, `${name} must be 1 to 200 characters`)
    .refine((v) => !hasControl(v), `${name} must not hold control characters`);

/** `/customers/:id`. */
export const CustomerParam = z.object({ id: Id });
/** `/customers/:id/students/:key`. */
export const StudentParam = z.object({ id: Id, key: key("key") });
/** `/customers/:id/parents/:email`. */
export const ParentParam = z.object({ id: Id, email: key("email") });
/** `/customers/:id/teachers/:key`. */
export const TeacherParam = z.object({ id: Id, key: key("key") });
/** `/customers/:id/classes/:class`. */
export const ClassParam = z.object({ id: Id, class: key("class") });

/** `GET /api/customers/:id/diagnose`. */
export const DiagnoseQuery = z.object({
  env: Env.optional(),
  format: z.enum(["json", "csv", "md"], { error: () => "format must be json, csv or md" }).default("json"),
  tool: Tools.optional(),
  fresh: z.enum(["0", "1"], { error: () => "fresh must be 0 or 1" }).optional(),
}).strict();

/** A query that only picks the environment. */
export const EnvQuery = z.object({ env: Env.optional() }).strict();

/** No query at all. */
export const NoQuery = z.object({}).strict();

/** `GET /customers/:id`: the summary page and its filters ("" is "all"). */
export const SummaryQuery = z.object({
  env: Env.optional(),
  tool: z.enum(["", ...TOOL_NAMES], { error: oneOf("tool", TOOL_NAMES) }).optional(),
  code: z.enum(["", ...FindingCode.options], { error: (i) => `code ${quoted(i.input)} is not a finding code` })
    .optional(),
  severity: z.enum(["", ...Severity.options], { error: oneOf("severity", Severity.options) }).optional(),
}).strict();

/** `GET /customers/:id/search?q=`: up to 200 characters ("" shows the search form's help). */
export const SearchQuery = z.object({
  env: Env.optional(),
  q: z.string().max(200, "q must be at most 200 characters")
    .refine((v) => !hasControl(v), "q must not hold control characters").default(""),
}).strict();

/** `GET /customers/:id/report?format=`: a download of the report. */
export const ReportQuery = z.object({
  env: Env.optional(),
  format: z.enum(["json", "csv", "md"], { error: () => "format must be json, csv or md" }),
}).strict();

/** `GET /customers/:id/fix-script?person=`: the fix script for one person or class. */
export const FixScriptQuery = z.object({
  env: Env.optional(),
  person: z.string({ error: () => "person is required: a sourcedId, an email or a student number" }).trim()
    .min(1, "person must be 1 to 200 characters").max(200, "person must be 1 to 200 characters")
    .refine((v) => !hasControl(v), "person must not hold control characters"),
}).strict();
