/**
 * `deno task lookup`: everything the roster and the platform say about one
 * student, parent, teacher or class, side by side, with their findings.
 */
import { lookupPerson, LookupQuery } from "../lib/app/lookup.ts";
import { matchesNobody, renderLookup, renderLookupMarkdown } from "../lib/report/lookup.ts";
import { requireDirectoryOf } from "../lib/cli/files.ts";
import { printable } from "../lib/text.ts";
import { checkCustomerId, settingsDir } from "../lib/settings/load.ts";
import { EXIT, UsageError } from "../lib/cli/errors.ts";
import { runMain } from "../lib/cli/main.ts";
import { envFlag, formatFlag, parseCli } from "../lib/cli/args.ts";
import { safeJson } from "../lib/text.ts";
import { workspaceFromFlags } from "../lib/workspace/use.ts";

const HELP =
  `Usage: deno task lookup --customer ID (--student KEY | --parent EMAIL | --teacher KEY | --class KEY) [options]

Shows one person or class as the roster and the platform see them, side by side:
records, campus, classes, linked parents or students, soft-deleted twins, and
the findings that concern them. Reads only what that person needs.

  --student KEY        a student's sourcedId, student number, or part of the name
  --parent EMAIL       a parent's email (any case)
  --teacher KEY        a teacher's sourcedId or email
  --class KEY          a class's sourcedId, class code, or platform id
  --customer ID        customer_id of the settings file (required)
  --env ENV            embedded | staging | production (default: the settings')
  --source PATH        a OneRoster CSV export instead of the settings' one
  --workspace DIR      answer the roster side from DIR/<customer>.duckdb while it
                       holds the current export (default: CDT_WORKSPACE_DIR, else
                       workspace/ when it exists); the platform is always read
  --refresh            read the export into the workspace first
  --no-workspace       read the export itself
  --settings-dir DIR   where the settings files are
  --format FORMAT      table | json | md (default: table; md is ready to paste into a ticket)
  --out FILE           write the lookup to FILE instead of standard output
  -h, --help           show this help

Exit codes: 0 found, 3 nobody matches on either side, 2 usage or settings error, 1 failure.

Example:
  deno task lookup --customer demo-isd --env embedded --parent noemail@demo-isd.org
`;

const encoder = new TextEncoder();
/** A lookup that found nobody: not a failure, but a script must be able to tell it from a match. */
const NOBODY = 3;

async function main(args: string[]): Promise<number> {
  const parsed = parseCli(args, {
    customer: { type: "string" },
    student: { type: "string" },
    parent: { type: "string" },
    teacher: { type: "string" },
    class: { type: "string" },
    env: { type: "string" },
    source: { type: "string" },
    workspace: { type: "string" },
    "no-workspace": { type: "boolean" },
    refresh: { type: "boolean" },
    "settings-dir": { type: "string" },
    format: { type: "string" },
    out: { type: "string" },
  }, HELP);
  if (!parsed) return EXIT.ok;
  const { values } = parsed;
  if (!values.customer) throw new UsageError(`--customer is required\n\n${HELP}`);
  const kinds = (["student", "parent", "teacher", "class"] as const).filter((k) => values[k] !== undefined);
  if (kinds.length !== 1) {
    throw new UsageError(`give exactly one of --student, --parent, --teacher, --class\n\n${HELP}`);
  }
  const query = LookupQuery.safeParse({ kind: kinds[0], key: values[kinds[0]] });
  if (!query.success) {
    throw new UsageError(
      `--${kinds[0]} ${
        query.error.issues[0].message === "must not hold control characters"
          ? "must not hold control characters"
          : "needs a non-empty value"
      }`,
    );
  }
  const environment = envFlag(values.env);
  const format = formatFlag(
    values.format,
    ["table", "json", "md"],
    values.out?.toLowerCase().endsWith(".md") ? "md" : "table",
  );
  if (values.out !== undefined) await requireDirectoryOf("--out", values.out);
  const env = Deno.env.toObject();
  const result = await lookupPerson({
    customerId: checkCustomerId(values.customer),
    settingsDir: settingsDir(values["settings-dir"], env),
    query: query.data,
    environment,
    sourcePath: values.source,
    env,
    workspace: await workspaceFromFlags(values, env),
  });
  const from = result.rosterFrom;
  const note = from?.kind === "workspace" ? `roster from the workspace (read ${from.readAt})` : from?.note;
  if (note) Deno.stderr.writeSync(encoder.encode(`${from?.kind === "workspace" ? "" : "note: "}${note}\n`));
  const text = format === "json"
    ? safeJson(result, 2) + "\n"
    : format === "md"
    ? renderLookupMarkdown(result)
    : renderLookup(result);
  if (values.out) {
    await Deno.writeTextFile(values.out, text);
    Deno.stderr.writeSync(encoder.encode(`wrote ${values.out}\n`));
  } else await Deno.stdout.write(encoder.encode(text));
  if (matchesNobody(result)) {
    Deno.stderr.writeSync(
      encoder.encode(
        `nobody matches ${query.data.kind} "${printable(query.data.key)}" in ${result.customer}'s roster or platform\n`,
      ),
    );
    return NOBODY;
  }
  return EXIT.ok;
}

if (import.meta.main) await runMain("lookup", main);
