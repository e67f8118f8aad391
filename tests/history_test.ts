import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { withTempDir } from "./helpers/bundle.ts";
import { NO_STATE_SERVER, withStateDatabase } from "./helpers/state-db.ts";
import { buildReport, type Finding, finding, type Report } from "../lib/model/findings.ts";
import { openFolderHistory } from "../lib/history/file-store.ts";
import { openDatabaseHistory } from "../lib/history/pg-store.ts";
import { findingKey, newRun, type SourceCounts } from "../lib/history/record.ts";
import type { HistoryStore } from "../lib/history/store.ts";
import { recordDiagnosis } from "../lib/history/run.ts";
import { suddenDrops } from "../lib/history/drop.ts";
import { timeline } from "../lib/history/timeline.ts";
import { renderTable } from "../lib/report/table.ts";

const missing = (id: string): Finding =>
  finding({
    code: "student.missing_in_platform",
    entity: { sourcedId: id },
    message: `Student ${id} is in the roster but not in the platform`,
    details: { name: id, grade: "", studentNumber: "", schools: [] },
    resolution: { action: "resync", explanation: "Run a roster sync." },
  });
const mismatch = (id: string, field: string): Finding =>
  finding({
    code: "student.field_mismatch",
    entity: { sourcedId: id, platformId: 7, field },
    message: `Student ${id}'s ${field} differs`,
    details: { source: "a", platform: "b", campus: null },
    resolution: { action: "resync", explanation: "Run a roster sync." },
  });

function report(at: string, findings: Finding[], customer = "lincoln-usd"): Report {
  return buildReport({
    customer,
    environment: "staging",
    generatedAt: new Date(at),
    source: { kind: "oneroster-csv", version: "1.1" },
    tools: ["missing-data", "student-mismatch", "parent-email", "campus-transfer"],
    findings,
  });
}

const counts = (students: number, enrollments = 5000, guardians = 900): SourceCounts => ({
  students,
  enrollments,
  guardians,
});

/** The same behaviour from both stores. */
const STORES: Array<
  { name: string; ignore?: string; with: (fn: (s: HistoryStore) => Promise<void>) => Promise<void> }
> = [
  {
    name: "folder",
    with: (fn) =>
      withTempDir(async (dir) => {
        const store = openFolderHistory(dir);
        try {
          await fn(store);
        } finally {
          await store.close();
        }
      }),
  },
  {
    name: "state database",
    ignore: NO_STATE_SERVER,
    with: (fn) =>
      withStateDatabase(async (url) => {
        const store = await openDatabaseHistory(url);
        try {
          await fn(store);
        } finally {
          await store.close();
        }
      }),
  },
];

for (const s of STORES) {
  Deno.test({
    name: `history (${s.name}): runs recorded at once, in one second, are all kept`,
    ignore: !!s.ignore,
    fn: () =>
      s.with(async (store) => {
        const at = "2026-11-24T02:00:00Z";
        const ids = ["a", "b", "c", "d", "e", "f"];
        await Promise.all(
          ids.map((id) => store.record(newRun(report(at, [missing(id)]), { identity: `sha256:${id}`, counts: null }))),
        );
        const runs = await store.runs("lincoln-usd", { environment: "staging" });
        assertEquals(runs.length, ids.length);
        const loaded = await Promise.all(runs.map((r) => store.load(r.id)));
        assertEquals(loaded.map((r) => r!.source.identity).sort(), ids.map((id) => `sha256:${id}`));
      }),
  });

  Deno.test({
    name: `history (${s.name}): two runs within one second come back in the order they were recorded`,
    ignore: !!s.ignore,
    fn: () =>
      s.with(async (store) => {
        const at = "2026-11-24T02:00:00Z";
        await store.record(newRun(report(at, [missing("stu-1")]), { identity: "sha256:a", counts: null }));
        await store.record(newRun(report(at, [missing("stu-2")]), { identity: "sha256:b", counts: null }));
        const [latest] = await store.runs("lincoln-usd", { environment: "staging" });
        assertEquals(latest.source.identity, "sha256:b");
      }),
  });

  Deno.test({
    name: `history (${s.name}): runs come back newest first with their findings' stable keys`,
    ignore: !!s.ignore,
    fn: () =>
      s.with(async (store) => {
        await store.record(
          newRun(report("2026-11-24T02:00:00Z", [missing("stu-1")]), { identity: "sha256:a", counts: counts(1000) }),
        );
        await store.record(
          newRun(report("2026-11-25T02:00:00Z", [missing("stu-1"), missing("stu-2")]), {
            identity: "sha256:b",
            counts: counts(1001),
          }),
        );
        await store.record(
          newRun(report("2026-11-25T03:00:00Z", [], "adams-isd"), { identity: "read:x", counts: null }),
        );
        const runs = await store.runs("lincoln-usd");
        assertEquals(runs.map((r) => r.generatedAt), ["2026-11-25T02:00:00Z", "2026-11-24T02:00:00Z"]);
        assertEquals(runs[0].source.identity, "sha256:b");
        assertEquals(runs[0].counts, counts(1001));
        const run = await store.load(runs[0].id);
        assertEquals(run!.findings.map((f) => f.key), [
          'student.missing_in_platform {"sourcedId":"stu-1"}',
          'student.missing_in_platform {"sourcedId":"stu-2"}',
        ]);
        assertEquals((await store.runs("lincoln-usd", { before: "2026-11-25T02:00:00Z" })).length, 1);
        assertEquals((await store.latest()).map((r) => `${r.customer} ${r.generatedAt}`), [
          "adams-isd 2026-11-25T03:00:00Z",
          "lincoln-usd 2026-11-25T02:00:00Z",
        ]);
      }),
  });

  Deno.test({
    name: `history (${s.name}): a job's run is recorded once however often it is recorded`,
    ignore: !!s.ignore,
    fn: () =>
      s.with(async (store) => {
        const run = newRun(report("2026-11-24T02:00:00Z", [missing("stu-1")]), {
          identity: "sha256:a",
          counts: null,
          jobId: "job-1",
        });
        const first = await store.record(run);
        const again = await store.record({ ...run, generatedAt: "2026-11-24T02:05:00Z" });
        assertEquals(again.id, first.id);
        assertEquals((await store.runs("lincoln-usd")).length, 1);
        assertEquals((await store.runForJob("job-1"))?.id, first.id);
        assertEquals(await store.runForJob("job-2"), undefined);
      }),
  });

  Deno.test({
    name: `history (${s.name}): a finding resolved in an earlier run and back is reopened, and counted as new`,
    ignore: !!s.ignore,
    fn: () =>
      s.with(async (store) => {
        const record = async (at: string, findings: Finding[], compare?: "last") =>
          (await recordDiagnosis(report(at, findings), { store, compare, identity: "x", counts: counts(1000) })).report;
        await record("2026-11-23T02:00:00Z", [missing("stu-1"), missing("stu-2")]);
        await record("2026-11-24T02:00:00Z", [missing("stu-2")]);
        const r = await record("2026-11-25T02:00:00Z", [missing("stu-1"), missing("stu-3")], "last");
        assertEquals(r.findings.map((f) => [f.entity.sourcedId, f.status]), [
          ["stu-1", "reopened"],
          ["stu-3", "new"],
        ]);
        assertEquals(r.comparison!.new, 2);
        assertEquals(r.comparison!.reopened, 1);
        assertEquals(r.comparison!.stillOpen, 0);
        assertEquals(r.comparison!.resolved.map((f) => f.entity.sourcedId), ["stu-2"]);
        assertEquals(r.comparison!.against, "2026-11-24T02:00:00Z");
        assertMatch(renderTable(r), /\n2 new \(1 reopened\), 0 still open, 1 resolved since 2026-11-24 02:00\n/);
        // The delta is recorded with every run, asked for or not.
        assertEquals((await store.runs("lincoln-usd"))[0].delta, {
          against: "2026-11-24T02:00:00Z",
          new: 2,
          reopened: 1,
          newErrors: 2,
          stillOpen: 0,
          resolved: 1,
        });
      }),
  });

  Deno.test({
    name: `history (${s.name}): a person's timeline shows the run a finding appeared in and the run it cleared in`,
    ignore: !!s.ignore,
    fn: () =>
      s.with(async (store) => {
        const at = ["2026-11-22T02:00:00Z", "2026-11-23T02:00:00Z", "2026-11-24T02:00:00Z", "2026-11-25T02:00:00Z"];
        await store.record(newRun(report(at[0], [missing("stu-9")]), { identity: "x", counts: null }));
        await store.record(
          newRun(report(at[1], [missing("stu-1"), mismatch("stu-1", "grade")]), { identity: "x", counts: null }),
        );
        await store.record(newRun(report(at[2], [mismatch("stu-1", "grade")]), { identity: "x", counts: null }));
        await store.record(newRun(report(at[3], [missing("stu-1")]), { identity: "x", counts: null }));
        const runs = await store.subjectRuns("lincoln-usd", "stu-1");
        assertEquals(runs.length, 4);
        const t = timeline(runs);
        assertEquals(t.map((e) => [e.code, e.spans]), [
          ["student.field_mismatch", [{ appeared: at[1], cleared: at[3] }]],
          ["student.missing_in_platform", [{ appeared: at[1], cleared: at[2] }, { appeared: at[3], cleared: null }]],
        ]);
      }),
  });

  Deno.test({
    name: `history (${s.name}): a drop far beyond the customer's normal churn leads the report with source.sudden_drop`,
    ignore: !!s.ignore,
    fn: () =>
      s.with(async (store) => {
        const record = async (at: string, c: SourceCounts) =>
          (await recordDiagnosis(report(at, []), { store, identity: "x", counts: c })).report;
        await record("2026-11-21T02:00:00Z", counts(1000));
        await record("2026-11-22T02:00:00Z", counts(980)); // a 2 % churn is this district's normal
        const normal = await record("2026-11-23T02:00:00Z", counts(965, 4990));
        assertEquals(normal.warnings.map((w) => w.code), []);
        const drop = await record("2026-11-24T02:00:00Z", counts(965, 3900));
        assertEquals(drop.warnings[0].code, "source.sudden_drop");
        assertMatch(
          drop.warnings[0].message,
          /active enrollments fell from 4990 to 3900 .* since the run of 2026-11-23T02:00:00Z/,
        );
        assertEquals((await store.runs("lincoln-usd"))[0].warnings, ["source.sudden_drop"]);
      }),
  });
}

Deno.test("sudden drop: more than three times the largest earlier drop and at least 5 %", () => {
  const runs = [1000, 990, 960, 950].map((students, i) => ({
    generatedAt: `2026-11-2${i}T02:00:00Z`,
    counts: counts(students),
  }));
  // Largest earlier drop: 960/990 = 3.03 %; three times that is 9.1 %.
  assertEquals(suddenDrops(counts(870), runs).map((d) => d.kind), []); // 8.4 %
  assertEquals(suddenDrops(counts(860), runs).map((d) => d.kind), ["students"]); // 9.5 %
  // A calm district still needs 5 % before it is called a drop.
  const calm = [1000, 1000, 1000].map((students, i) => ({
    generatedAt: `2026-11-2${i}T02:00:00Z`,
    counts: counts(students),
  }));
  assertEquals(suddenDrops(counts(960), calm), []);
  assertEquals(suddenDrops(counts(940), calm)[0].share, 0.06);
  // Growth is never a drop; a run without counts is skipped.
  assertEquals(suddenDrops(counts(2000), runs), []);
  assertEquals(suddenDrops(counts(100), [{ generatedAt: "x", counts: null }]), []);
});

Deno.test("sudden drop: a run that was itself a sudden drop (a truncated export) does not raise the bar for good", () => {
  const runs = [
    { students: 1000, warnings: [] },
    { students: 600, warnings: ["source.sudden_drop"] },
    { students: 1000, warnings: [] },
    { students: 995, warnings: [] },
  ].map((r, i) => ({ generatedAt: `2026-11-2${i}T02:00:00Z`, counts: counts(r.students), warnings: r.warnings }));
  // Without the truncated night, the largest drop is 0.5 %: a fall to 900 (-9.5 %) is sudden again.
  assertEquals(suddenDrops(counts(900), runs).map((d) => d.kind), ["students"]);
});

Deno.test("a finding's stable key is its code and sorted entity keys, never its message", () => {
  const a = mismatch("stu-1", "grade");
  const b = { ...a, message: "another wording", entity: { field: "grade", platformId: 7, sourcedId: "stu-1" } };
  assertEquals(findingKey(a), findingKey(b));
  assert(findingKey(a) !== findingKey(mismatch("stu-1", "first_name")));
});

Deno.test("the folder history refuses a customer id that would leave its folder", async () => {
  await withTempDir(async (dir) => {
    const store = openFolderHistory(`${dir}/h`);
    let error: Error | undefined;
    try {
      await store.record(newRun(report("2026-11-24T02:00:00Z", [], "../x"), { identity: "x", counts: null }));
    } catch (e) {
      error = e as Error;
    }
    assertMatch(String(error?.message), /not a customer id/);
    assertEquals(await store.load("../../etc/passwd"), undefined);
  });
});

Deno.test("the fleet page ranks sudden drops first, then new errors, and links each customer; the history page charts its runs", async () => {
  const { historyPages } = await import("../server/history-pages.ts");
  await withTempDir(async (dir) => {
    const store = openFolderHistory(dir);
    const record = (customer: string, at: string, findings: Finding[], c: SourceCounts, identity = "sha256:x") =>
      recordDiagnosis(report(at, findings, customer), { store, identity, counts: c });
    const day1 = "2026-11-24T02:00:00Z";
    const day2 = "2026-11-25T02:00:00Z";
    await record("adams-isd", day1, [missing("a-1")], counts(1000));
    await record("adams-isd", day2, [missing("a-1"), missing("a-2")], counts(1000));
    await record("baker-isd", day1, [], counts(1000));
    await record("baker-isd", day2, [missing("b-1"), missing("b-2"), missing("b-3")], counts(1000));
    await record("cole-isd", day1, [missing("c-1")], counts(1000));
    await record("cole-isd", day2, [], counts(400), "read:<script>alert(1)</script>");

    const app = historyPages(store);
    const fleet = await app.request("/fleet");
    assertEquals(fleet.status, 200);
    const page = await fleet.text();
    const order = [...page.matchAll(/<a href="\/customers\/([a-z-]+)">/g)].map((m) => m[1]);
    assertEquals(order, ["cole-isd", "baker-isd", "adams-isd"]);
    assert(page.includes("sudden drop"));
    assert(page.includes('<svg class="spark"'), "each row has a trend");

    const history = await app.request("/customers/cole-isd/history");
    assertEquals(history.status, 200);
    const text = await history.text();
    assertEquals((text.match(/<svg/g) ?? []).length >= 2, true, "two trend charts");
    assert(!text.includes("<script>alert(1)"), "recorded text is escaped");
    assert(text.includes("&lt;script&gt;alert(1)"));
    assertEquals((await app.request("/customers/nobody/history")).status, 404);
    assertEquals((await app.request("/customers/..%2Fx/history")).status, 404);

    const narrowed = historyPages(store, { canSee: (_c, customer) => customer !== "cole-isd" });
    assert(!(await (await narrowed.request("/fleet")).text()).includes("cole-isd"), "hidden customers stay hidden");
    assertEquals((await narrowed.request("/customers/cole-isd/history")).status, 404);
  });
});
