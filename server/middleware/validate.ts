/**
 * validate(target, schema): a route declares its path and query parameters as
 * a zod schema; anything else is a 400 (`usage`) naming the parameter.
 */
import { validator } from "hono/validator";
import type { z } from "zod";
import { CodedError } from "../../lib/errors.ts";
import { shorten } from "../../lib/text.ts";

/**
 * Parses `c.req.param()` or the query (a parameter given twice is an array)
 * with `schema`; handlers read the result with `c.req.valid(target)`.
 *
 * @example
 * api.get("/:id", validate("param", z.object({ id: CustomerId })), (c) => c.json(c.req.valid("param")));
 */
export function validate<T extends "param" | "query", S extends z.ZodType>(target: T, schema: S) {
  return validator(target, (value): z.output<S> => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new CodedError("usage", describeIssue(parsed.error, target));
    return parsed.data;
  });
}

/** The first problem, in words a caller can act on. */
function describeIssue(error: z.ZodError, target: "param" | "query"): string {
  const issue = error.issues[0];
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((k) => `"${k.slice(0, 40)}"`).join(", ");
    return `unknown ${target === "query" ? "query parameter" : "path parameter"} ${keys}`;
  }
  return issue.message;
}

/**
 * How a parameter's value is quoted in a message: cut short, so a huge value is not echoed back.
 *
 * @example
 * quoted("nope") // "\"nope\""
 */
export function quoted(value: unknown): string {
  const s = String(value);
  return JSON.stringify(shorten(s, 60));
}
