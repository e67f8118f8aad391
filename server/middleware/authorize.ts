/**
 * authorize(): may this principal read this customer in this environment? The
 * role decides the environments (support: the demo and staging; engineer: also
 * production), a token may narrow both; a customer it may not see is reported
 * as unknown, so its existence is not revealed.
 */
import { createMiddleware } from "hono/factory";
import { CodedError, errorCode } from "../../lib/errors.ts";
import type { Environment } from "../../lib/platform/connect.ts";
import { loadSettings } from "../../lib/settings/load.ts";
import type { AppEnv } from "../context.ts";

/** The validated input authorize() reads: `:id` and `?env=`. */
type Input = { out: { param: { id: string }; query: { env?: Environment } } };

/**
 * Sets `target` (customer id, environment, settings) after the param and query validators, or throws
 * `customer.unknown` (404) or `access.denied` (403).
 *
 * @example
 * api.get("/:id/diagnose", validate("param", CustomerParam), validate("query", DiagnoseQuery),
 *   authorize({ settingsDir }), handler);
 */
export function authorize(options: { settingsDir: string }) {
  return createMiddleware<AppEnv, string, Input>(async (c, next) => {
    const { id } = c.req.valid("param");
    const principal = c.get("principal");
    const unknown = () => new CodedError("customer.unknown", `no customer ${id}`);
    if (principal.customers && !principal.customers.includes(id)) throw unknown();
    const loaded = await loadSettings(options.settingsDir, id).catch((e) => {
      // The settings error names files and the other customers: the client learns only that this one is unknown.
      throw errorCode(e) === "customer.unknown" ? unknown() : e;
    });
    const env = c.req.valid("query").env ?? loaded.settings.oneshelf_environment;
    if (!principal.environments.includes(env)) {
      throw new CodedError("access.denied", `${principal.name} (${principal.role}) may not read ${env}`);
    }
    c.set("target", { id, env, settings: loaded.settings });
    await next();
  });
}
