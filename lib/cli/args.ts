/** Command-line arguments the way every tool reads them: node:util parseArgs, `-h/--help`, usage errors with the help text. */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { UsageError } from "./errors.ts";
import { Environment } from "../platform/connect.ts";
import { VERSION } from "../version.ts";

const HELP_OPTION = { help: { type: "boolean", short: "h" }, version: { type: "boolean" } } as const;

/**
 * Parses `args` with `options` (plus `-h/--help` and `--version`). Returns
 * undefined after printing `help` (or the version) when that was asked for; throws a UsageError carrying the
 * help text on an unknown or malformed option.
 *
 * @example
 * const parsed = parseCli(Deno.args, { customer: { type: "string" } }, HELP);
 * if (!parsed) return EXIT.ok;
 */
export function parseCli<T extends ParseArgsOptionsConfig>(
  args: string[],
  options: T,
  help: string,
  allowPositionals = false,
) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, ...HELP_OPTION }, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${help}`);
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(help);
    return undefined;
  }
  if ((parsed.values as { version?: boolean }).version) {
    console.log(`cdt ${VERSION} (deno ${Deno.version.deno})`);
    return undefined;
  }
  return parsed;
}

/**
 * The `--env` flag: undefined when not given, else an environment, else a usage error.
 *
 * @example
 * envFlag(values.env) // "production"
 */
export function envFlag(value: string | undefined): Environment | undefined {
  if (value === undefined) return undefined;
  const parsed = Environment.safeParse(value);
  if (!parsed.success) {
    throw new UsageError(`--env "${value}" is not an environment; expected embedded, staging or production`);
  }
  return parsed.data;
}

/**
 * The `--format` flag: the given value if it is one of `allowed`, else a usage error listing them; `fallback` when
 * not given.
 *
 * @example
 * formatFlag(values.format, ["table", "json"], "table") // "json"
 */
export function formatFlag<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  const choices = `${allowed.slice(0, -1).join(", ")} or ${allowed.at(-1)}`;
  throw new UsageError(`--format "${value}" must be ${choices}`);
}
