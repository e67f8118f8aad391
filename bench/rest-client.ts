/**
 * One side of `deno task bench:rest`: reads a district over REST (or from
 * CSV) in its own process, so /usr/bin/time measures this read alone.
 * Prints {rows, requests} as JSON.
 */
import { parseArgs } from "node:util";
import { readOneRosterRest } from "../lib/sources/oneroster-rest/read.ts";
import { readOneRosterCsv } from "../lib/sources/oneroster-csv/read.ts";

const { values } = parseArgs({ args: Deno.args, options: { base: { type: "string" }, csv: { type: "string" } } });
const roster = values.csv ? await readOneRosterCsv(values.csv) : await readOneRosterRest(
  {
    kind: "oneroster-rest",
    version: "1.1",
    baseUrl: values.base!,
    credentials: "bench",
    pageSize: 1000,
    concurrency: 4,
  },
  { env: Deno.env.toObject() },
);
const rows = roster.orgs.length + roster.users.length + roster.classes.length + roster.enrollments.length +
  roster.courses.length +
  roster.academicSessions.length;
console.log(
  JSON.stringify({
    rows,
    requests: "fetch" in roster ? (roster as { fetch: { requests: number } }).fetch.requests : 0,
  }),
);
