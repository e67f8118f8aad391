/**
 * Run as a child with `--expose-gc` by tests/packed_ids_memory_test.ts:
 * prints the memory (heap and outside it) one id holds, per id, for MODE:
 *
 * - `column-numbered`, `column-text`: a TextColumn of 262,144 ids, `enr-0000001`… or as many of the same length
 *   that are no prefix and number (`enr-000000a`…);
 * - `table-packed`, `table-plain`: an IdTable (IdTable.packed or new IdTable) numbering 262,144 such ids in order;
 * - `sink-streamed`: an enrollments.csv of 262,144 rows read in DIR with each row handed on and none kept (as
 *   roster-check reads it), measured at its last row: what the reader holds while it reads, per row.
 */
import { join } from "node:path";
import { TextColumn } from "../../lib/model/rows.ts";
import { IdTable } from "../../lib/id-table.ts";
import { readOneRosterCsv } from "../../lib/sources/oneroster-csv/read.ts";

const [mode, dir] = Deno.args;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");
const COUNT = 262_144;
const held = () => {
  gc();
  gc();
  return Deno.memoryUsage().heapUsed + Deno.memoryUsage().external;
};
/** Fresh strings, as a reader cuts them from a file's text. */
const id = (i: number, numbered: boolean) =>
  numbered ? `enr-${String(i).padStart(7, "0")}` : `enr-${i.toString(16).padStart(7, "0")}`.replace(/.$/, "x");

let perId: number;
if (mode === "sink-streamed") {
  const lines = ["sourcedId,classSourcedId,schoolSourcedId,userSourcedId,role"];
  for (let i = 0; i < COUNT; i++) lines.push(`${id(i, true)},cls-${i >> 5},sch-1,stu-${i % 1000},student`);
  await Deno.writeTextFile(join(dir, "enrollments.csv"), lines.join("\n") + "\n");
  let before = 0;
  let atEnd = 0;
  let rows = 0;
  await readOneRosterCsv(dir, {
    only: ["enrollments"],
    tolerateMissing: true,
    enrollmentsThread: "never",
    onEnrollments: () => () => {
      rows++;
      if (rows === 1) before = held();
      if (rows === COUNT) atEnd = held();
    },
  });
  perId = (atEnd - before) / COUNT;
} else {
  let kept: TextColumn | IdTable | undefined = mode.startsWith("column")
    ? new TextColumn()
    : mode === "table-packed"
    ? IdTable.packed()
    : new IdTable();
  const numbered = mode !== "column-text";
  for (let i = 0; i < COUNT; i++) {
    const s = id(i, numbered);
    if (kept instanceof TextColumn) kept.push(s);
    else kept.add(s);
  }
  const withIds = held();
  // Read after the measure: a variable not read again is not kept alive by V8, whatever its scope.
  if ((kept instanceof TextColumn ? kept.length : kept.size) !== COUNT) throw new Error("ids lost");
  kept = undefined;
  perId = (withIds - held()) / COUNT;
}
console.log(JSON.stringify({ perId }));
