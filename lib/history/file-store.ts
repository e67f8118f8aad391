/**
 * The history in a local folder: `<dir>/<customer>/<generatedAt>-<environment>.json`
 * per run, and `<dir>/<customer>/index.jsonl` with one run summary a line, so
 * listing runs never reads their findings.
 */
import type { ErrorCode } from "../errors.ts";
import { join } from "node:path";
import { NewRun, RunRecord, RunSummary } from "./record.ts";
import { type HistoryStore, runLimit, type RunsOptions } from "./store.ts";
import { isAbout, type SubjectRun } from "./timeline.ts";

const SLUG = /^[a-z0-9][a-z0-9-]*$/;
const ENV = /^[a-z][a-z0-9-]*$/;
const RUN_ID = /^([a-z0-9][a-z0-9-]*)\/(\d{8}T\d{6}Z-[a-z][a-z0-9-]*(?:-\d+)?)$/;
/** A run file larger than this is refused rather than read. */
const MAX_RUN_BYTES = 1024 ** 3;

/** Thrown for a run the folder cannot hold or a file it cannot read. */
export class HistoryError extends Error {
  override name = "HistoryError";
  /** A configuration problem: shells exit 2 (lib/errors.ts). */
  readonly code: ErrorCode = "settings.invalid";
}

/**
 * Opens (creating on first record) a history folder.
 *
 * @example
 * const history = openFolderHistory("history");
 */
export function openFolderHistory(dir: string): HistoryStore {
  const customerDir = (customer: string) => {
    if (!SLUG.test(customer)) throw new HistoryError(`"${customer}" is not a customer id; nothing recorded`);
    return join(dir, customer);
  };

  const readIndex = async (customer: string): Promise<RunSummary[]> => {
    let text: string;
    try {
      text = await Deno.readTextFile(join(customerDir(customer), "index.jsonl"));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return [];
      throw e;
    }
    const out: RunSummary[] = [];
    text.split("\n").forEach((line, i) => {
      if (!line.trim()) return;
      let parsed;
      try {
        parsed = RunSummary.safeParse(JSON.parse(line));
      } catch {
        parsed = undefined;
      }
      // A torn last line (a crash mid-append) is skipped, not fatal.
      if (!parsed?.success) {
        if (i < text.split("\n").length - 2) throw new HistoryError(`${customer}/index.jsonl:${i + 1}: not a run`);
        return;
      }
      out.push(parsed.data);
    });
    // Newest first; two runs within one second (generatedAt has whole seconds) in the order they were recorded.
    return out.map((run, line) => ({ run, line }))
      .sort((a, b) =>
        a.run.generatedAt < b.run.generatedAt ? 1 : a.run.generatedAt > b.run.generatedAt ? -1 : b.line - a.line
      )
      .map(({ run }) => run);
  };

  const load = async (id: string): Promise<RunRecord | undefined> => {
    const m = RUN_ID.exec(id);
    if (!m) return undefined;
    const path = join(dir, m[1], `${m[2]}.json`);
    try {
      if ((await Deno.stat(path)).size > MAX_RUN_BYTES) throw new HistoryError(`${path}: larger than 1 GiB`);
      return RunRecord.parse(JSON.parse(await Deno.readTextFile(path)));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
  };

  const customers = async (): Promise<string[]> => {
    const out: string[] = [];
    try {
      for await (const e of Deno.readDir(dir)) if (e.isDirectory && SLUG.test(e.name)) out.push(e.name);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return [];
      throw e;
    }
    return out.sort();
  };

  const runs = async (customer: string, options: RunsOptions = {}): Promise<RunSummary[]> =>
    (await readIndex(customer))
      .filter((r) => !options.environment || r.environment === options.environment)
      .filter((r) => !options.before || r.generatedAt < options.before)
      .slice(0, runLimit(options.limit));

  return {
    where: dir,
    async record(input: NewRun): Promise<RunSummary> {
      const run = NewRun.parse(input);
      if (!ENV.test(run.environment)) throw new HistoryError(`"${run.environment}" is not an environment`);
      const folder = customerDir(run.customer);
      const index = await readIndex(run.customer);
      if (run.jobId) {
        const done = index.find((r) => r.jobId === run.jobId);
        if (done) return done;
      }
      await Deno.mkdir(folder, { recursive: true });
      const stamp = run.generatedAt.replace(/[-:]/g, "").replace(/\.\d+/, "");
      // The run's name is claimed with an exclusive create, so two processes recording in one second never share
      // (and overwrite) one file; the record is then written beside it and renamed over the claim.
      let stem = `${stamp}-${run.environment}`;
      for (let n = 2;; n++) {
        try {
          (await Deno.open(join(folder, `${stem}.json`), { write: true, createNew: true, mode: 0o600 })).close();
          break;
        } catch (e) {
          if (!(e instanceof Deno.errors.AlreadyExists) || n > 10_000) throw e;
          stem = `${stamp}-${run.environment}-${n}`;
        }
      }
      const record: RunRecord = { ...run, id: `${run.customer}/${stem}`, recordedAt: new Date().toISOString() };
      const { findings: _, ...summary } = record;
      // The run file first, then the index line that makes it visible.
      const tmp = join(folder, `${stem}.json.tmp`);
      await Deno.writeTextFile(tmp, JSON.stringify(record));
      await Deno.rename(tmp, join(folder, `${stem}.json`));
      await Deno.writeTextFile(join(folder, "index.jsonl"), JSON.stringify(summary) + "\n", { append: true });
      return summary;
    },
    runs,
    load,
    async runForJob(jobId: string) {
      for (const customer of await customers()) {
        const found = (await readIndex(customer)).find((r) => r.jobId === jobId);
        if (found) return found;
      }
      return undefined;
    },
    async keysBefore(customer, environment, before) {
      const keys = new Set<string>();
      for (const r of await runs(customer, { environment, before, limit: 90 })) {
        for (const f of (await load(r.id))?.findings ?? []) keys.add(f.key);
      }
      return keys;
    },
    async subjectRuns(customer, subject, options = {}) {
      const out: SubjectRun[] = [];
      for (const r of (await runs(customer, { environment: options.environment, limit: 366 })).reverse()) {
        const run = await load(r.id);
        if (run) {
          out.push({
            id: r.id,
            generatedAt: r.generatedAt,
            findings: run.findings.filter((f) => isAbout(f, subject)),
          });
        }
      }
      return out;
    },
    async latest(perCustomer = 1) {
      const out: RunSummary[] = [];
      for (const customer of await customers()) {
        const byEnv = new Map<string, number>();
        for (const r of await readIndex(customer)) {
          const n = byEnv.get(r.environment) ?? 0;
          if (n < perCustomer) out.push(r);
          byEnv.set(r.environment, n + 1);
        }
      }
      return out;
    },
    close: () => Promise.resolve(),
  };
}
