import { assertEquals } from "./helpers/assert.ts";
import { withTempDir } from "./helpers/bundle.ts";
import { generateDistrict } from "../lib/demo/generate.ts";
import { runDiagnostics } from "../lib/diagnostics/run.ts";
import { newRun, sourceCounts } from "../lib/history/record.ts";
import { openFolderHistory } from "../lib/history/file-store.ts";
import { recordServerRun } from "../server/jobs/history.ts";

Deno.test("a page reloaded after a sudden drop still leads with it, though the unchanged run is not recorded again", async () => {
  await withTempDir(async (dir) => {
    const { roster, platform } = generateDistrict({ customerId: "lincoln-usd", students: 200, seed: 4 });
    const counts = sourceCounts(roster);
    const report = (at: string) =>
      runDiagnostics({ customer: "lincoln-usd", environment: "staging", roster, platform, now: new Date(at) });
    // Three calm nights with twice the students, then tonight's export has half of them.
    const store = openFolderHistory(dir);
    for (const [i, at] of ["2026-11-20T02:00:00Z", "2026-11-21T02:00:00Z", "2026-11-22T02:00:00Z"].entries()) {
      const bigger = { ...counts, students: counts.students * 2 + i };
      await store.record(newRun(report(at), { identity: `sha256:${i}`, counts: bigger }));
    }
    const env = { CDT_HISTORY_DIR: dir };
    const first = await recordServerRun({ report: report("2026-11-23T02:00:00Z"), roster }, env);
    assertEquals([first.recorded, first.report.warnings[0]?.code], [true, "source.sudden_drop"]);
    const reload = await recordServerRun({ report: report("2026-11-23T02:01:00Z"), roster }, env);
    assertEquals([reload.recorded, reload.report.warnings[0]?.code], [false, "source.sudden_drop"]);
  });
});
