/**
 * `deno run --allow-read=DIR tests/helpers/read-export.ts DIR`: reads an
 * export with the default options and prints its enrollments' count, for a
 * test of a process allowed to read the export only.
 */
import { readOneRosterCsv } from "../../lib/sources/oneroster-csv/read.ts";

const roster = await readOneRosterCsv(Deno.args[0], { enrollmentsThread: "auto" });
console.log(JSON.stringify({ enrollments: roster.enrollments.length }));
