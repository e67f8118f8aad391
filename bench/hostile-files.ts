/**
 * `deno task bench:hostile`: runs every case of the hostile-file corpus
 * (tests/helpers/hostile-files.ts) through `tools/diagnose.ts` as a child
 * process and prints a table: case, outcome, seconds, peak RSS. Exits 1 when
 * a case ends otherwise than expected or a child's peak RSS reaches 1 GiB.
 *
 *   deno task bench:hostile [--only TEXT]
 */
import { parseArgs } from "node:util";
import { type CorpusCustomer, HOSTILE_CASES, runCase } from "../tests/helpers/hostile-files.ts";
import { withCustomer } from "../tests/helpers/customer.ts";

const { values } = parseArgs({ args: Deno.args, options: { only: { type: "string" } } });
const RSS_LIMIT = 1024 ** 3;
const cases = HOSTILE_CASES.filter((c) => !values.only || c.name.includes(values.only));
const rows: string[][] = [["case", "exit", "as expected", "seconds", "peak RSS MiB", "message"]];
let failed = 0;
// Full diagnoses run against a planted test customer in a PGlite database (the same one the tests use).
await withCustomer({ customerId: "hostile-usd", students: 100 }, async (customer: CorpusCustomer) => {
  for (const c of cases) {
    const run = await runCase(c, customer);
    const ok = run.code === c.expect.code && c.expect.stderr.test(run.stderr) && run.peakRssBytes < RSS_LIMIT;
    if (!ok) failed++;
    rows.push([
      c.name,
      String(run.code),
      ok ? "yes" : "NO",
      run.seconds.toFixed(2),
      (run.peakRssBytes / 1024 ** 2).toFixed(0),
      run.stderr.trim().split("\n")[0].slice(0, 120),
    ]);
    console.error(`${ok ? "ok  " : "FAIL"} ${c.name}`);
  }
});
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const [i, r] of rows.entries()) {
  console.log(r.map((cell, j) => (j === 3 || j === 4 ? cell.padStart(widths[j]) : cell.padEnd(widths[j]))).join("  "));
  if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
}
console.log(
  `\n${cases.length - failed} of ${cases.length} cases as expected, every peak RSS under 1 GiB: ${failed === 0}`,
);
if (failed) Deno.exit(1);
