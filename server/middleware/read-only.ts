/** readOnly(): the server only reads; every method but GET and HEAD is refused, but for the sign-in forms. */
import { createMiddleware } from "hono/factory";
import { CodedError } from "../../lib/errors.ts";
import type { AppEnv } from "../context.ts";

/**
 * Refuses anything but GET and HEAD (405, `method.not_allowed`), except a POST to one of `forms`.
 *
 * @example
 * app.use("*", readOnly({ forms: ["/signin", "/signout"] }));
 */
export function readOnly(options: { forms: readonly string[] }) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const form = c.req.method === "POST" && options.forms.includes(c.req.path);
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && !form) {
      throw new CodedError("method.not_allowed", "this server only reads; nothing can be changed through it");
    }
    await next();
  });
}
