/**
 * `deno task workspace`: build, refresh, describe or query one customer's
 * workspace (the parsed roster, the last platform snapshot, past reports).
 */
import { buildWorkspace, workspaceStatus } from "../lib/workspace/build.ts";
import { openWorkspace } from "../lib/workspace/store.ts";
import { DEFAULT_WORKSPACE_DIR, formatAge, workspaceDir } from "../lib/workspace/use.ts";
import { checkCustomerId, settingsDir } from "../lib/settings/load.ts";
import { EXIT, UsageError } from "../lib/cli/errors.ts";
import { runMain } from "../lib/cli/main.ts";
import { envFlag, formatFlag, parseCli } from "../lib/cli/args.ts";
import { printable, safeJson } from "../lib/text.ts";

const HELP = `Usage: deno task workspace (build | refresh | status | sql QUERY) --customer ID [options]

A workspace keeps one customer's parsed roster (keyed by the export's content
hash), the last platform snapshot with its read time, and past reports in one
DuckDB file, so later diagnoses and lookups need not read everything again.
It is local: nothing is ever written to the platform.

  build                read the export (only if it changed) and the platform into the workspace
  refresh              read both again, even if the export is unchanged
  status               what the workspace holds and how old it is
  sql QUERY            run a query over the workspace (read-only); tables: users, orgs,
                       classes, enrollments, courses, academic_sessions, user_agents,
                       source_issues, source_rejected, platform_students (and the other
                       platform_* tables), reports, workspace_meta

  --customer ID        customer_id of the settings file (required)
  --workspace DIR      the workspace folder (default: CDT_WORKSPACE_DIR, else ${DEFAULT_WORKSPACE_DIR}/)
  --env ENV            embedded | staging | production (default: the settings')
  --no-platform        build: the roster only
  --settings-dir DIR   where the settings files are
  --format FORMAT      table | json (default: table)
  -h, --help           show this help

Examples:
  deno task workspace build --customer demo-isd --env embedded
  deno task workspace sql --customer demo-isd "select role, count(*) as n from users group by role"
`;

const encoder = new TextEncoder();
const out = (text: string) => Deno.stdout.write(encoder.encode(text));

async function main(args: string[]): Promise<number> {
  const parsed = parseCli(
    args,
    {
      customer: { type: "string" },
      workspace: { type: "string" },
      env: { type: "string" },
      "no-platform": { type: "boolean" },
      "settings-dir": { type: "string" },
      format: { type: "string" },
    },
    HELP,
    true,
  );
  if (!parsed) return EXIT.ok;
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (!command || !["build", "refresh", "status", "sql"].includes(command)) {
    throw new UsageError(`give one of build, refresh, status, sql\n\n${HELP}`);
  }
  if (!values.customer) throw new UsageError(`--customer is required\n\n${HELP}`);
  if (command === "sql" ? rest.length !== 1 : rest.length !== 0) {
    throw new UsageError(command === "sql" ? "sql takes one query (quote it)" : `${command} takes no arguments`);
  }
  const format = formatFlag(values.format, ["table", "json"], "table");
  const env = Deno.env.toObject();
  const customerId = checkCustomerId(values.customer);
  const dir = await workspaceDir(values.workspace, env) ?? DEFAULT_WORKSPACE_DIR;
  const settings = settingsDir(values["settings-dir"], env);

  if (command === "sql") {
    const ws = await openWorkspace(dir, customerId);
    try {
      // Integers beyond 2^53 stay exact, as text.
      const result = await ws.sql(rest[0]).catch((e) => {
        throw new UsageError(`the query failed: ${(e as Error).message}`);
      });
      const rows = result.map((r) =>
        Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "bigint" ? String(v) : v]))
      );
      await out(format === "json" ? safeJson(rows, 2) + "\n" : table(rows));
    } finally {
      ws.close();
    }
    return EXIT.ok;
  }
  if (command === "status") {
    const s = await workspaceStatus({ customerId, settingsDir: settings, dir });
    if (format === "json") {
      await out(safeJson(s, 2) + "\n");
      return EXIT.ok;
    }
    const age = (iso: string) => formatAge(Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000)));
    const lines = [`${s.path} (${(s.bytes / 1048576).toFixed(1)} MiB)`];
    const r = s.roster;
    const freshness = s.exportUnchanged === null
      ? "a network source (read again on every diagnosis)"
      : s.exportUnchanged
      ? `the export is unchanged (${r?.contentHash})`
      : "THE EXPORT HAS CHANGED since: the next diagnosis reads it again";
    lines.push(
      r
        ? `  roster: ${r.source.kind} ${r.source.version}, read ${r.readAt} (${age(r.readAt)} ago), ` +
          `${r.counts.users} users, ${r.counts.enrollments} enrollments; ${freshness}`
        : "  roster: none yet",
    );
    lines.push(
      s.platform
        ? `  platform: ${s.platform.environment}, read ${s.platform.readAt} (${age(s.platform.readAt)} ago), ` +
          `${s.platform.counts.students} students, ${s.platform.counts.enrollments} enrollments`
        : "  platform: none yet",
    );
    lines.push(`  reports: ${s.reports}`);
    await out(lines.join("\n") + "\n");
    return EXIT.ok;
  }
  const built = await buildWorkspace({
    customerId,
    settingsDir: settings,
    dir,
    environment: envFlag(values.env),
    env,
    refresh: command === "refresh",
    platform: !values["no-platform"],
  });
  if (format === "json") {
    await out(safeJson(built, 2) + "\n");
  } else {
    await out(
      `${built.path}: roster ${built.rosterReused ? "unchanged, kept" : "read and stored"} in ${
        built.seconds.roster.toFixed(1)
      } s (${built.roster.counts.users} users, ${built.roster.counts.enrollments} enrollments)` +
        (built.platform
          ? `; platform ${built.platform.environment} read and stored in ${built.seconds.platform.toFixed(1)} s`
          : "") +
        "\n",
    );
  }
  return EXIT.ok;
}

/** Rows as an aligned text table (values printed as JSON when not strings or numbers). */
function table(rows: Record<string, unknown>[]): string {
  if (!rows.length) return "(no rows)\n";
  const columns = Object.keys(rows[0]);
  // Control characters in data never reach the terminal as such.
  const cell = (v: unknown) => printable(typeof v === "string" || typeof v === "number" ? v : safeJson(v ?? null));
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.min(60, Math.max(c.length, ...cells.map((r) => r[i].length))));
  const line = (xs: string[]) => xs.map((x, i) => x.slice(0, 60).padEnd(widths[i])).join("  ").trimEnd();
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n") +
    `\n(${rows.length} row${rows.length === 1 ? "" : "s"})\n`;
}

if (import.meta.main) await runMain("workspace", main);
