import { readOneRosterCsv } from "./lib/sources/oneroster-csv/read.ts";
import { generateDistrict } from "./lib/demo/generate.ts";
import { plantProblems } from "./lib/demo/plant.ts";
import { DIAGNOSTICS } from "./lib/diagnostics/run.ts";
let t = performance.now();
const roster = await readOneRosterCsv("bench-data/bench-usd/oneroster");
console.log("read csv", (performance.now() - t).toFixed(0));
t = performance.now();
const noop = await readOneRosterCsv("bench-data/bench-usd/oneroster", {
  keep: { users: () => false, enrollments: () => false, classes: () => false, orgs: () => false },
});
console.log("read csv keep none", (performance.now() - t).toFixed(0));
const d = generateDistrict({ customerId: "bench-usd", students: 50000, seed: 50000 });
plantProblems(d);
for (const [name, fn] of Object.entries(DIAGNOSTICS)) {
  t = performance.now();
  const f = fn(roster, d.platform);
  console.log(name, f.length, (performance.now() - t).toFixed(0));
}
