import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { join } from "node:path";
import { withTempDir } from "./helpers/bundle.ts";
import { committedOutputs, executedOutcome, hasDenoKernel } from "../lib/notebooks.ts";

/** Jupyter's data folders, or undefined without Jupyter (Debian's packages have no `jupyter kernelspec`). */
const jupyterData = (() => {
  try {
    const out = new Deno.Command("jupyter", { args: ["--paths", "--json"], stdout: "piped", stderr: "null" })
      .outputSync();
    return out.success ? (JSON.parse(new TextDecoder().decode(out.stdout)).data as string[]) : undefined;
  } catch {
    return undefined;
  }
})();
const hasJupyter = jupyterData !== undefined && await hasDenoKernel(jupyterData);
const NOTEBOOKS = new URL("../tools/notebooks.ts", import.meta.url).pathname;

const notebook = (...sources: string[]) =>
  JSON.stringify({
    cells: sources.map((source) => ({ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source })),
    metadata: { kernelspec: { display_name: "Deno", language: "typescript", name: "deno" } },
    nbformat: 4,
    nbformat_minor: 5,
  });

Deno.test("the committed notebooks carry no outputs and end by asserting they ran", async () => {
  const dir = new URL("../notebooks", import.meta.url).pathname;
  let count = 0;
  for await (const e of Deno.readDir(dir)) {
    if (!e.name.endsWith(".ipynb")) continue;
    count++;
    const nb = JSON.parse(await Deno.readTextFile(join(dir, e.name)));
    assertEquals(committedOutputs(nb), [], e.name);
    const last = nb.cells.filter((c: { cell_type: string }) => c.cell_type === "code").at(-1);
    assert(last.source.join("").trimEnd().endsWith("cdt.finished();"), e.name);
    assertEquals(nb.cells[1].metadata.tags, ["parameters"], `${e.name} starts with a parameters cell`);
  }
  assertEquals(count, 7);
});

Deno.test("outputs and execution counts in a notebook are found, by cell", () => {
  const nb = JSON.parse(notebook("1", "2", "3"));
  nb.cells[1].outputs = [{ output_type: "stream", name: "stdout", text: "Ana Ruiz" }];
  nb.cells[2].execution_count = 4;
  assertEquals(committedOutputs(nb), [2, 3]);
});

Deno.test("an executed notebook's errors are read from its outputs, even when the run reported success", () => {
  const valued = JSON.parse(notebook('"ran to the end"'));
  valued.cells[0].outputs = [{
    output_type: "execute_result",
    data: { "text/plain": ['"ran to the end"'] },
    metadata: {},
    execution_count: 1,
  }];
  assertEquals(executedOutcome(valued).reachedEnd, true, "the last cell's value is the marker");
  const nb = JSON.parse(notebook("boom", 'console.log("ran to the end")'));
  nb.cells[0].outputs = [{ output_type: "error", ename: "Error", evalue: "planted failure", traceback: [] }];
  nb.cells[1].outputs = [{ output_type: "stream", name: "stdout", text: ["ran to the end\n"] }];
  assertEquals(executedOutcome(nb), {
    errors: ["cell 1: Error: planted failure"],
    reachedEnd: true,
    lastOutputs: "stream:stdout",
  });
  assertEquals(executedOutcome(JSON.parse(notebook("1"))).reachedEnd, false);
});

Deno.test({
  name: "deno task notebooks fails on a notebook with a failing cell, and on one that stops short",
  ignore: !hasJupyter,
  fn: async () => {
    await withTempDir(async (dir) => {
      // What cdt.finished() does, for notebooks that do not import lib/.
      const done = 'Deno.writeTextFileSync(Deno.env.get("CDT_NOTEBOOK_MARKER")!, "x"); "ran to the end"';
      await Deno.writeTextFile(join(dir, "planted.ipynb"), notebook('throw new Error("planted failure");', done));
      await Deno.writeTextFile(join(dir, "short.ipynb"), notebook("const x = 1;", "x + 1"));
      await Deno.writeTextFile(join(dir, "fine.ipynb"), notebook("const y = 2;", done));
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-all", NOTEBOOKS, "--dir", dir, "--keep", join(dir, "kept")],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assertEquals(out.code, 1, stderr);
      assertMatch(stderr, /FAILED planted\.ipynb/);
      assertMatch(stderr, /planted failure/);
      assertMatch(
        stderr,
        /FAILED short\.ipynb[\s\S]*the last cell did not end with "ran to the end" \(its outputs: [^)]*\)/,
      );
      assertMatch(stderr, /ok {5}fine\.ipynb/, stderr);
      assertMatch(stderr, /notebooks: 1 passed, 2 failed/);
      const kept = JSON.parse(await Deno.readTextFile(join(dir, "kept", "fine.ipynb")));
      // The executed copy (the kernel may drop a cell's outputs under load, never its execution count).
      assert(
        kept.cells.some((c: { execution_count: number | null }) => c.execution_count !== null),
        "--keep keeps the executed copy",
      );
    });
  },
});

Deno.test({
  name: "without the Deno kernel, deno task notebooks says to run deno jupyter --install (no traceback)",
  ignore: jupyterData === undefined,
  fn: async () => {
    await withTempDir(async (dir) => {
      await Deno.writeTextFile(join(dir, "a.ipynb"), notebook("1"));
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-all", NOTEBOOKS, "--dir", dir],
        // Jupyter looks for kernels in its data folders: point them at an empty one.
        env: { JUPYTER_PATH: dir, JUPYTER_DATA_DIR: dir, HOME: dir, XDG_DATA_HOME: dir },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assertEquals(out.code, 2, stderr);
      assertMatch(stderr, /the Deno kernel is not installed for Jupyter: run: deno jupyter --install/);
      assertEquals(/Traceback/.test(stderr), false);
    });
  },
});
