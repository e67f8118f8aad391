import { assert, assertEquals } from "./helpers/assert.ts";
import { generateDistrict } from "../lib/demo/generate.ts";
import { plantProblems } from "../lib/demo/plant.ts";
import { runDiagnostics } from "../lib/diagnostics/run.ts";
import {
  enrollmentGapsChart,
  findingsByCodeChart,
  findingsPerCampusChart,
  rosterSyncsChart,
  studentsPerCampus,
  studentsPerCampusChart,
} from "../lib/charts.ts";
import { findingsTable, show } from "../lib/notebook.ts";
import { scaleChart } from "../bench/scale-chart.ts";
import { escapeHtml, html } from "../lib/html.ts";
import { finding } from "../lib/model/findings.ts";

const district = generateDistrict({ students: 400, seed: 71 });
plantProblems(district);
const report = runDiagnostics({
  customer: "t",
  environment: "embedded",
  roster: district.roster,
  platform: district.platform,
  now: new Date(0),
});
const rects = (svg: string) =>
  [...svg.matchAll(/<rect ([^>]*)\/?>/g)].map((m) =>
    Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((a) => [a[1], a[2]]))
  );

Deno.test("findings by code: one bar per code and severity, the longest for the most frequent code", () => {
  const svg = findingsByCodeChart(report).value;
  const bars = rects(svg).filter((r) => r.fill && r.fill !== "none" && Number(r.width) > 0);
  const pairs = new Set(report.findings.map((f) => `${f.code}|${f.severity}`));
  assertEquals(bars.length, pairs.size);
  const widest = bars.reduce((a, b) => (Number(a.width) >= Number(b.width) ? a : b));
  const counts = Object.entries(report.summary.byCode).sort((a, b) => b[1] - a[1]);
  assert(counts[0][0].startsWith("enrollment."), "the most frequent code is an enrollment code");
  assertEquals(widest.fill, "#ff9f1c", "and it is a warning (enrollment.not_in_source)");
  // Sorted longest first: bar y positions increase as widths decrease (per code).
  const byY = [...bars].sort((a, b) => Number(a.y) - Number(b.y));
  assertEquals(Number(byY[0].width), Number(widest.width));
});

Deno.test("students per campus: a roster bar and a platform bar per campus, with the counts", () => {
  const rows = studentsPerCampus(district.roster, district.platform);
  const campuses = new Set(rows.map((r) => r.campus));
  const bars = rects(studentsPerCampusChart(district.roster, district.platform).value).filter((r) =>
    r.fill && r.fill !== "none"
  );
  assertEquals(bars.length, campuses.size * 2);
  const roster = rows.filter((r) => r.side === "roster").reduce((n, r) => n + r.students, 0);
  assertEquals(roster, district.roster.users.filter((u) => u.role === "student" && u.status === "active").length);
});

Deno.test("roster syncs: one dot per sync, coloured by status; gaps and per-campus charts render bars", () => {
  const svg = rosterSyncsChart(district.platform).value;
  assertEquals([...svg.matchAll(/<circle /g)].length, district.platform.rosterSyncs.length);
  assert(svg.includes('fill="#d62728"'), "the failed sync is red");
  assert(rects(enrollmentGapsChart(report).value).length > 2);
  assert(rects(findingsPerCampusChart(report, district.platform, "parent_link.mismatch").value).length >= 1);
});

Deno.test("a student named <img onerror=…> is shown as text in tables, notebook output and charts", () => {
  const evil = '<img src=x onerror="alert(1)">';
  const f = finding({
    code: "student.missing_in_platform",
    entity: { sourcedId: evil },
    message: `Student ${evil} is missing`,
    details: { name: evil, grade: "", studentNumber: "", schools: [] },
    resolution: { action: "resync", explanation: "x" },
  });
  const table = findingsTable([f]).value;
  assert(!table.includes("<img"), table);
  assert(table.includes("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"));
  const bundle = show(html`<b>${evil}</b>`)[Symbol.for("Jupyter.display")]();
  assertEquals(bundle["text/html"], `<b>${escapeHtml(evil)}</b>`);
  const d = generateDistrict({ students: 30, seed: 2 });
  d.roster.orgs[1].name = evil;
  d.platform.campuses[0].name = evil;
  const svg = studentsPerCampusChart(d.roster, d.platform).value;
  assert(!svg.includes("<img"), "chart labels are text nodes");
});

Deno.test("the scale chart draws a line and dots per measured series, names each line, and its caption is text", () => {
  const svg = scaleChart([
    { students: 10_000, floorSeconds: 0.5, diagnoseSeconds: 0.7, before: { seconds: 0.9 }, rosterCheckSeconds: 0.4 },
    { students: 200_000, floorSeconds: 9, diagnoseSeconds: 10, before: null, rosterCheckSeconds: null },
    { students: 1_000_000, floorSeconds: 27, diagnoseSeconds: 58, before: { seconds: 67 }, rosterCheckSeconds: 35 },
  ], "<b>caption</b>");
  assert(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'), "a standalone SVG document");
  // Four series: four lines, and 3 + 2 + 2 + 3 dots.
  assertEquals([...svg.matchAll(/<path d="M[^"]*" stroke="#[0-9a-f]+"/g)].length, 4);
  assertEquals([...svg.matchAll(/<circle /g)].length, 10);
  for (const name of ["diagnose (this code)", "diagnose (--before)", "roster-check", "floor (csv-parse + COPY)"]) {
    assert(svg.includes(`>${name}<`), name);
  }
  assert(svg.includes("&lt;b&gt;caption&lt;/b&gt;") && !svg.includes("<b>"), "the caption is text, not markup");
});
