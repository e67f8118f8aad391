/**
 * The history in the team's state database (never the platform database):
 * schema `cdt_history`, created if missing, one row per run and one per
 * finding. Read-write, unlike every platform connection.
 */
import postgres from "postgres";
import { redactUrl } from "../platform/connect.ts";
import { RecordedFinding, type RunRecord, RunSummary } from "./record.ts";
import { type HistoryStore, runLimit, type RunsOptions } from "./store.ts";
import { isAbout, type SubjectRun } from "./timeline.ts";

type Sql = postgres.Sql<Record<string, never>>;

/** Findings are inserted this many at a time. */
const CHUNK = 2_000;

const SUMMARY_COLUMNS = (sql: Sql) =>
  sql`id::text as id, customer, environment,
    to_char(generated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as "generatedAt",
    to_char(recorded_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "recordedAt",
    source, tools, summary, counts, job_id as "jobId", warnings, delta`;

/**
 * Creates the `cdt_history` schema and tables when missing. Safe to run from
 * many workers at once (an advisory lock orders them).
 *
 * @example
 * await migrateHistory(sql);
 */
export async function migrateHistory(sql: Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('cdt_history.migrate'))`;
    await tx`create schema if not exists cdt_history`;
    await tx`create table if not exists cdt_history.runs (
      id bigint generated always as identity primary key,
      customer text not null,
      environment text not null,
      generated_at timestamptz not null,
      recorded_at timestamptz not null default now(),
      source jsonb not null,
      tools jsonb not null,
      summary jsonb not null,
      counts jsonb,
      warnings jsonb not null,
      delta jsonb,
      job_id text unique
    )`;
    await tx`create index if not exists runs_by_customer on cdt_history.runs (customer, environment, generated_at desc)`;
    await tx`create table if not exists cdt_history.findings (
      run_id bigint not null references cdt_history.runs (id) on delete cascade,
      key text not null,
      tool text not null,
      code text not null,
      severity text not null,
      entity jsonb not null,
      message text not null
    )`;
    await tx`create index if not exists findings_by_run on cdt_history.findings (run_id)`;
  });
}

/**
 * Connects to the state database and makes sure the history tables exist.
 *
 * @example
 * const history = await openDatabaseHistory(Deno.env.get("CDT_STATE_DATABASE_URL")!);
 */
export async function openDatabaseHistory(url: string): Promise<HistoryStore> {
  const sql = postgres(url, {
    max: 4,
    idle_timeout: 20,
    connect_timeout: 15,
    onnotice: () => {},
    connection: { application_name: "cdt history", TimeZone: "UTC" },
  }) as Sql;
  try {
    await migrateHistory(sql);
  } catch (e) {
    await sql.end({ timeout: 5 });
    throw new Error(`cannot open the history in the state database (${redactUrl(url)}): ${(e as Error).message}`, {
      cause: e,
    });
  }
  return databaseHistory(sql, redactUrl(url));
}

function summaryOf(row: Record<string, unknown>): RunSummary {
  return RunSummary.parse(row);
}

/** A {@link HistoryStore} over an open postgres.js client (closed by `close()`). */
export function databaseHistory(sql: Sql, where: string): HistoryStore {
  const runs = async (customer: string, options: RunsOptions = {}): Promise<RunSummary[]> => {
    const rows = await sql`select ${SUMMARY_COLUMNS(sql)} from cdt_history.runs
      where customer = ${customer}
        ${options.environment ? sql`and environment = ${options.environment}` : sql``}
        ${options.before ? sql`and generated_at < ${options.before}::timestamptz` : sql``}
      order by generated_at desc, id desc limit ${runLimit(options.limit)}`;
    return rows.map(summaryOf);
  };
  const findingsOf = async (id: string) =>
    (await sql`select key, tool, code, severity, entity, message from cdt_history.findings
      where run_id = ${id}::bigint order by key`).map((r) => RecordedFinding.parse(r));

  return {
    where: `state database ${where}`,
    async record(run) {
      return await sql.begin(async (tx) => {
        const inserted = await tx`insert into cdt_history.runs
            (customer, environment, generated_at, source, tools, summary, counts, warnings, delta, job_id)
          values (${run.customer}, ${run.environment}, ${run.generatedAt}::timestamptz, ${tx.json(run.source)},
            ${tx.json(run.tools)}, ${tx.json(run.summary)}, ${run.counts ? tx.json(run.counts) : null},
            ${tx.json(run.warnings)}, ${run.delta ? tx.json(run.delta) : null}, ${run.jobId})
          on conflict (job_id) do nothing
          returning ${SUMMARY_COLUMNS(tx as unknown as Sql)}`;
        if (!inserted.length) {
          const [existing] = await tx`select ${SUMMARY_COLUMNS(tx as unknown as Sql)} from cdt_history.runs
            where job_id = ${run.jobId}`;
          return summaryOf(existing);
        }
        const summary = summaryOf(inserted[0]);
        for (let i = 0; i < run.findings.length; i += CHUNK) {
          const part = run.findings.slice(i, i + CHUNK);
          await tx`insert into cdt_history.findings (run_id, key, tool, code, severity, entity, message)
            select ${summary.id}::bigint, k, t, c, s, e::jsonb, m
            from unnest(${part.map((f) => f.key)}::text[], ${part.map((f) => f.tool)}::text[],
              ${part.map((f) => f.code)}::text[], ${part.map((f) => f.severity)}::text[],
              ${part.map((f) => JSON.stringify(f.entity))}::text[], ${part.map((f) => f.message)}::text[])
              as u(k, t, c, s, e, m)`;
        }
        return summary;
      });
    },
    runs,
    async load(id) {
      if (!/^\d{1,18}$/.test(id)) return undefined;
      const [row] = await sql`select ${SUMMARY_COLUMNS(sql)} from cdt_history.runs where id = ${id}::bigint`;
      if (!row) return undefined;
      return { ...summaryOf(row), findings: await findingsOf(id) } satisfies RunRecord;
    },
    async runForJob(jobId) {
      const [row] = await sql`select ${SUMMARY_COLUMNS(sql)} from cdt_history.runs where job_id = ${jobId}`;
      return row ? summaryOf(row) : undefined;
    },
    async keysBefore(customer, environment, before) {
      const rows = await sql`select distinct f.key from cdt_history.findings f
        join cdt_history.runs r on r.id = f.run_id
        where r.customer = ${customer} and r.environment = ${environment} and r.generated_at < ${before}::timestamptz`;
      return new Set(rows.map((r) => r.key as string));
    },
    async subjectRuns(customer, subject, options = {}) {
      const list = (await runs(customer, { environment: options.environment, limit: 366 })).reverse();
      if (!list.length) return [];
      const s = subject.trim();
      const rows = await sql`select f.run_id::text as run_id, f.key, f.tool, f.code, f.severity, f.entity, f.message
        from cdt_history.findings f
        where f.run_id in ${sql(list.map((r) => r.id))}
          and exists (select 1 from jsonb_each_text(f.entity) v where v.value = ${s} or lower(v.value) = ${s.toLowerCase()})`;
      const byRun = new Map<string, RecordedFinding[]>();
      for (const r of rows) {
        const { run_id, ...f } = r;
        const parsed = RecordedFinding.parse(f);
        if (!isAbout(parsed, s)) continue;
        const list = byRun.get(run_id as string) ?? [];
        list.push(parsed);
        byRun.set(run_id as string, list);
      }
      return list.map((r): SubjectRun => ({ id: r.id, generatedAt: r.generatedAt, findings: byRun.get(r.id) ?? [] }));
    },
    async latest(perCustomer = 1) {
      const rows = await sql`select ${SUMMARY_COLUMNS(sql)} from (
          select *, row_number() over (partition by customer, environment order by generated_at desc, id desc) as n
          from cdt_history.runs) r
        where n <= ${runLimit(perCustomer, 1)} order by customer, environment, generated_at desc`;
      return rows.map(summaryOf);
    },
    close: () => sql.end({ timeout: 5 }),
  };
}
