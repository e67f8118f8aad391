/** Command-line arguments the way every tool reads them: node:util parseArgs, `-h/--help`, usage errors with the help text. */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { UsageError } from "./errors.ts";

const HELP_OPTION = { help: { type: "boolean", short: "h" } } as const;

/**
 * Parses `args` with `options` (plus `-h/--help`). Returns undefined after
 * printing `help` when help was asked for; throws a UsageError carrying the
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
  return parsed;
}
