/**
 * Notebook files: checks that committed notebooks carry no outputs (outputs
 * can hold student data), and reads what a headless run left in a notebook
 * (errors, and the last cell's "ran to the end" marker).
 */

interface Cell {
  cell_type: string;
  execution_count?: number | null;
  outputs?: Array<{
    output_type: string;
    name?: string;
    text?: string | string[];
    data?: Record<string, string | string[]>;
    ename?: string;
    evalue?: string;
  }>;
}

/**
 * Cells that carry outputs or execution counts, by 1-based index.
 *
 * @example
 * committedOutputs(JSON.parse(text)) // [3, 5]
 */
export function committedOutputs(notebook: { cells: Cell[] }): number[] {
  return notebook.cells.flatMap((c, i) =>
    c.cell_type === "code" && ((c.outputs?.length ?? 0) > 0 || (c.execution_count ?? null) !== null) ? [i + 1] : []
  );
}

/** What an executed notebook says about its run. */
export interface RunOutcome {
  errors: string[];
  reachedEnd: boolean;
  /** What the last code cell output, in short, for messages. */
  lastOutputs: string;
}

/** The marker that is the value of every notebook's last cell. */
export const END_MARKER = "ran to the end";

/**
 * Reads an executed notebook: every error output (by cell), and whether the last code cell printed the end marker.
 *
 * @example
 * executedOutcome(JSON.parse(await Deno.readTextFile(out))).errors // []
 */
export function executedOutcome(notebook: { cells: Cell[] }): RunOutcome {
  const errors: string[] = [];
  notebook.cells.forEach((c, i) => {
    for (const o of c.outputs ?? []) {
      if (o.output_type === "error") errors.push(`cell ${i + 1}: ${o.ename ?? "Error"}: ${o.evalue ?? ""}`);
    }
  });
  const code = notebook.cells.filter((c) => c.cell_type === "code");
  const last = code.at(-1);
  // The marker is the last cell's value (execute_result); a printed one (stream) counts too.
  const text = (last?.outputs ?? []).map((o) => {
    const value = o.output_type === "stream" ? o.text : o.data?.["text/plain"];
    return Array.isArray(value) ? value.join("") : value ?? "";
  }).join("");
  const lastOutputs = (last?.outputs ?? []).map((o) => `${o.output_type}${o.name ? `:${o.name}` : ""}`).join(", ") ||
    "none";
  return { errors, reachedEnd: text.includes(END_MARKER), lastOutputs };
}

/**
 * Whether the Deno kernel is installed in one of Jupyter's data folders
 * (`jupyter --paths --json`'s `data`), i.e. `<dir>/kernels/deno/kernel.json` exists.
 *
 * @example
 * await hasDenoKernel([`${Deno.env.get("HOME")}/.local/share/jupyter`, "/usr/share/jupyter"]) // true after deno jupyter --install
 */
export async function hasDenoKernel(dataDirs: readonly string[]): Promise<boolean> {
  for (const dir of dataDirs) {
    const found = await Deno.stat(`${dir}/kernels/deno/kernel.json`).then((s) => s.isFile, () => false);
    if (found) return true;
  }
  return false;
}
