import { assert, assertEquals } from "./helpers/assert.ts";
import { collectGarbage, release } from "../lib/release.ts";
import { generateDistrict } from "../lib/demo/generate.ts";
import { runDiagnostics } from "../lib/diagnostics/run.ts";
import type { ToolName } from "../lib/model/findings.ts";

const mib = () => Deno.memoryUsage().external / 2 ** 20;

Deno.test("a released array's memory is given back at once, before any collection", () => {
  const before = mib();
  const big = new Float64Array(25_000_000).fill(1);
  assert(mib() - before > 150, `200 MB allocated: ${mib() - before} MiB`);
  release(big);
  assert(mib() - before < 50, `given back: ${mib() - before} MiB still held`);
  assertEquals(big.length, 0);
});

Deno.test("release leaves alone a view of part of a buffer; the whole array, released, empties its parts too", () => {
  const whole = new Int32Array(1000).fill(7);
  const part = whole.subarray(10, 20);
  release(part);
  assertEquals(part.length, 10);
  assertEquals(whole[999], 7);
  release(whole, whole);
  assertEquals(whole.length, 0);
  // As lib/release.ts warns: only for arrays nothing else holds, parts of them included.
  assertEquals(part.length, 0);
});

Deno.test("a diagnosis collects what each tool left behind before the next tool runs, where it may collect", () => {
  const district = generateDistrict({ students: 60, seed: 5 });
  const withGc = globalThis as { gc?: () => void };
  const had = withGc.gc;
  const calls: string[] = [];
  let tool = "";
  withGc.gc = () => calls.push(tool);
  try {
    const run = (tools: ToolName[]) =>
      runDiagnostics({ customer: "t", environment: "embedded", ...district, tools, onTool: (t) => (tool = t) });
    run(["missing-data", "student-mismatch", "parent-email", "campus-transfer"]);
    // After each tool but the last (the report follows, and the process's own end); those that read the enrollment
    // indexes run first.
    assertEquals(calls, ["missing-data", "campus-transfer", "student-mismatch"]);
    calls.length = 0;
    run(["parent-email"]);
    assertEquals(calls, []);
    // Without --expose-gc there is nothing to call, and nothing happens.
    delete withGc.gc;
    assertEquals(collectGarbage(), false);
    run(["missing-data", "parent-email"]);
  } finally {
    if (had) withGc.gc = had;
    else delete withGc.gc;
  }
});
