/**
 * The floor every benchmark compares with: what reading the same data costs
 * with no logic at all (csv-parse of the export's files, `COPY … TO STDOUT`
 * of the platform's tables). Shared by `deno task bench` and `deno task bench:workspace`.
 */
import { join } from "node:path";
import { Readable } from "node:stream";
import { parse } from "csv-parse";

/** Parses every CSV of the export with csv-parse, as records, nothing else. */
export async function csvFloor(dir: string): Promise<number> {
  const t0 = performance.now();
  for await (const entry of Deno.readDir(dir)) {
    const file = await Deno.open(join(dir, entry.name));
    const parser = Readable.fromWeb(file.readable as import("node:stream/web").ReadableStream).pipe(
      parse({ bom: true }),
    );
    let n = 0;
    for await (const _ of parser) n++;
  }
  return performance.now() - t0;
}

/** `COPY (select …) TO STDOUT` of each table the diagnosis reads, via psql, output discarded. */
export async function copyFloor(url: string): Promise<number> {
  const tables = [
    "campuses",
    "students",
    "teachers",
    "parents",
    "parent_students",
    "classes",
    "enrollments",
    "roster_syncs",
  ];
  const t0 = performance.now();
  for (const table of tables) {
    const out = await new Deno.Command("psql", {
      args: [url, "-q", "-c", `copy ${table} to stdout`],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(`psql copy ${table}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return performance.now() - t0;
}
