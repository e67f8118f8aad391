/**
 * `deno task notebooks`: executes every notebook headless (jupyter nbconvert
 * with the Deno kernel) and fails on any cell error — read from the executed
 * notebook itself, not only nbconvert's exit code — or on a notebook whose
 * last cell (cdt.finished()) did not mark that it ran to the end. `--check` instead refuses
 * committed outputs.
 */
import { basename, join } from "node:path";
import { committedOutputs, END_MARKER, executedOutcome, hasDenoKernel } from "../lib/notebooks.ts";
import { EXIT, UsageError } from "../lib/cli/errors.ts";
import { runMain } from "../lib/cli/main.ts";
import { parseCli } from "../lib/cli/args.ts";

const HELP = `Usage: deno task notebooks [--dir DIR] [--keep OUT] [--check]

Runs every *.ipynb in DIR (default notebooks/) with the Deno kernel, headless:
  jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=deno
Fails when a cell errs or a notebook's last cell did not mark its end
(cdt.finished() writes the file CDT_NOTEBOOK_MARKER names, and returns "${END_MARKER}").
The executed copies go to a temporary folder, removed afterwards: committed
notebooks stay free of outputs (they can hold student data).

  --keep OUT  keep the executed notebooks, charts and all, in OUT (made if needed;
              they hold the customer's data: never commit them)
  --check     only check that no committed notebook carries outputs (deno task check)

Needs Debian's jupyter-nbconvert and python3-nbclient, and deno jupyter --install.
`;

async function main(args: string[]): Promise<number> {
  const parsed = parseCli(
    args,
    { dir: { type: "string" }, keep: { type: "string" }, check: { type: "boolean" } },
    HELP,
  );
  if (!parsed) return EXIT.ok;
  const { values } = parsed;
  const dir = values.dir ?? new URL("../notebooks", import.meta.url).pathname;
  const files: string[] = [];
  for await (const e of Deno.readDir(dir)) if (e.isFile && e.name.endsWith(".ipynb")) files.push(join(dir, e.name));
  files.sort();
  if (files.length === 0) throw new UsageError(`${dir}: no notebooks`);

  if (values.check) {
    let bad = 0;
    for (const f of files) {
      const cells = committedOutputs(JSON.parse(await Deno.readTextFile(f)));
      if (cells.length) {
        bad++;
        console.error(
          `${f}: cells ${cells.join(", ")} carry outputs; clear them before committing (outputs can hold student data)`,
        );
      }
    }
    return bad ? EXIT.failure : EXIT.ok;
  }

  await requireKernel();
  const keep = values.keep;
  if (keep) await Deno.mkdir(keep, { recursive: true });
  const out = keep ?? await Deno.makeTempDir({ prefix: "cdt-notebooks-" });
  let failed = 0;
  try {
    for (const f of files) {
      const t0 = performance.now();
      const marker = join(out, `${basename(f)}.done`);
      const execute = () =>
        new Deno.Command("jupyter", {
          args: [
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            "--ExecutePreprocessor.kernel_name=deno",
            "--ExecutePreprocessor.timeout=600",
            "--ExecutePreprocessor.startup_timeout=180",
            "--output-dir",
            out,
            f,
          ],
          env: { CDT_NOTEBOOK_MARKER: marker },
          stdout: "piped",
          stderr: "piped",
        }).output().catch((e) => {
          throw new UsageError(
            `jupyter cannot be run (${
              (e as Error).message
            }); install jupyter-nbconvert and python3-nbclient, then deno jupyter --install`,
          );
        });
      let run = await execute();
      // A kernel that failed to start (a loaded machine) is tried once more; a failing cell never is.
      if (!run.success && !new TextDecoder().decode(run.stderr).includes("CellExecutionError")) run = await execute();
      const seconds = ((performance.now() - t0) / 1000).toFixed(1);
      const executed = join(out, basename(f));
      const outcome = await Deno.readTextFile(executed).then((t) => executedOutcome(JSON.parse(t))).catch(() =>
        undefined
      );
      // The last cell writes the marker file (cdt.finished()): its printed value may arrive after the cell is done.
      const marked = await Deno.stat(marker).then(() => true, () => false);
      const problems = [
        ...(run.success ? [] : [`nbconvert exited ${run.code}: ${lastLines(new TextDecoder().decode(run.stderr))}`]),
        ...(run.success && !outcome
          ? [`nbconvert wrote no executed notebook: ${lastLines(new TextDecoder().decode(run.stderr))}`]
          : []),
        ...(outcome?.errors ?? []),
        ...(outcome && !outcome.reachedEnd && !marked
          ? [`the last cell did not end with "${END_MARKER}" (its outputs: ${outcome.lastOutputs})`]
          : []),
      ];
      if (problems.length) {
        failed++;
        console.error(`FAILED ${basename(f)} (${seconds} s)\n  ${problems.join("\n  ")}`);
      } else {
        console.error(`ok     ${basename(f)} (${seconds} s)`);
      }
    }
  } finally {
    if (keep) {
      for (const f of files) await Deno.remove(join(out, `${basename(f)}.done`)).catch(() => {});
    } else await Deno.remove(out, { recursive: true });
  }
  console.error(`notebooks: ${files.length - failed} passed, ${failed} failed`);
  if (keep) console.error(`the executed notebooks are in ${keep} (they hold the customer's data: never commit them)`);
  return failed ? EXIT.failure : EXIT.ok;
}

/** Refuses early, with the command to run, when Jupyter or its Deno kernel is missing (not a Python traceback). */
async function requireKernel(): Promise<void> {
  const paths = await new Deno.Command("jupyter", { args: ["--paths", "--json"], stdout: "piped", stderr: "null" })
    .output().catch(() => undefined);
  if (!paths?.success) {
    throw new UsageError(
      "jupyter is not installed: install Debian's jupyter-nbconvert and python3-nbclient, then run: deno jupyter --install",
    );
  }
  const data = (JSON.parse(new TextDecoder().decode(paths.stdout)) as { data?: string[] }).data ?? [];
  if (!(await hasDenoKernel(data))) {
    throw new UsageError("the Deno kernel is not installed for Jupyter: run: deno jupyter --install");
  }
}

function lastLines(text: string): string {
  return text.trim().split("\n").slice(-3).join(" | ");
}

if (import.meta.main) await runMain("notebooks", main);
