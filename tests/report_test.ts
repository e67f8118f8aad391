import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { parse } from "csv-parse/sync";
import { generateDistrict } from "../lib/demo/generate.ts";
import { plantProblems } from "../lib/demo/plant.ts";
import { runDiagnostics } from "../lib/diagnostics/run.ts";
import { renderReport } from "../lib/report/mod.ts";
import { buildReport, finding } from "../lib/model/findings.ts";

function plantedReport() {
  const district = generateDistrict({ students: 300, seed: 6 });
  plantProblems(district);
  return runDiagnostics({
    customer: "demo-isd",
    environment: "embedded",
    roster: district.roster,
    platform: district.platform,
    now: new Date("2026-11-24T12:00:00Z"),
  });
}

Deno.test("the table leads with warnings, then a summary by code with errors first, then a few findings per code", () => {
  const report = plantedReport();
  report.warnings.push({
    code: "source.looks_incomplete",
    severity: "warning",
    message: "The export looks incomplete: test",
  });
  const text = renderReport(report, "table");
  const lines = text.split("\n");
  assertEquals(lines[0], "Diagnosis of demo-isd (embedded) from oneroster-csv 1.1, 2026-11-24T12:00:00Z");
  assert(text.indexOf("WARNINGS") < text.indexOf("SUMMARY"));
  const summary = lines.slice(
    lines.findIndex((l) => l.startsWith("SUMMARY")) + 2,
    lines.indexOf("", lines.findIndex((l) => l.startsWith("SUMMARY"))),
  );
  const ranks = summary.map((l) => l.trim().split(/\s+/)[1].includes("error") ? 0 : 1);
  assertEquals(ranks, [...ranks].sort(), "codes with errors before codes with warnings only");
  assertMatch(text, /enrollment\.missing_in_platform \(\d+\)\n( {4}[x!] .*\n {6}-> .*\n){5} {4}… and \d+ more/);
});

Deno.test("a clean report says the roster and the platform agree", () => {
  const { roster, platform } = generateDistrict({ students: 100, seed: 1 });
  const text = renderReport(runDiagnostics({ customer: "x", environment: "embedded", roster, platform }), "table");
  assertMatch(text, /SUMMARY: 0 errors, 0 warnings, 0 info\n {2}No findings: the roster and the platform agree\./);
});

Deno.test("CSV has one row per finding that round-trips through a CSV parser, commas and quotes included; a line break in a value is shown as \\n", () => {
  const report = plantedReport();
  report.findings.unshift(finding({
    code: "student.missing_in_platform",
    entity: { sourcedId: 'stu-"1",x' },
    message: 'Student Ruiz, "Jr." (line\nbreak)',
    details: { name: 'Ruiz, "Jr."', grade: "", studentNumber: "", schools: [] },
    resolution: { action: "resync", explanation: "a, b" },
  }));
  const rows = parse(renderReport(report, "csv"), { columns: true }) as Array<Record<string, string>>;
  assertEquals(rows.length, report.findings.length);
  assertEquals(rows[0].message, 'Student Ruiz, "Jr." (line\\nbreak)');
  assertEquals(JSON.parse(rows[0].entity), { sourcedId: 'stu-"1",x' });
});

Deno.test("Markdown has a summary table and a section per code, with pipes escaped", () => {
  const report = plantedReport();
  report.findings[0].message = "a | b";
  const md = renderReport(report, "md");
  assertMatch(md, /^# Diagnosis of demo-isd \(embedded\)/);
  assertMatch(md, /\| code \| severity \| count \|/);
  for (const code of Object.keys(report.summary.byCode)) assert(md.includes(`## \`${code}\``), code);
  assert(md.includes("a \\| b"));
});

Deno.test("JSON is the report object itself", () => {
  const report = plantedReport();
  assertEquals(JSON.parse(renderReport(report, "json")), report);
});

Deno.test("table and Markdown lead with the root causes ranked by the findings they explain", () => {
  const report = plantedReport();
  const table = renderReport(report, "table");
  assertMatch(
    table,
    /ROOT CAUSES \(fix these first[^\n]*\n {2}\* [a-z_.]+ \S+.* explains \d+ of \d+ findings: fix it first\n/,
  );
  assert(table.indexOf("ROOT CAUSES") < table.indexOf("SUMMARY"));
  const md = renderReport(report, "md");
  assertMatch(md, /## Root causes: fix these first\n\n- [a-z\\_.]+ .* explains \d+ of \d+ findings: fix it first/);
});

Deno.test("counts agree with their nouns and carry thousands separators", () => {
  const report = plantedReport();
  report.summary = { ...report.summary, error: 1, warning: 14203, info: 0 };
  const table = renderReport(report, "table");
  assertMatch(table, /SUMMARY: 1 error, 14,203 warnings, 0 info/);
  assertMatch(renderReport(report, "md"), /\*\*1 error, 14,203 warnings, 0 info\.\*\*/);
});

Deno.test("the Markdown report gives each resolution's explanation, not only its action", () => {
  const report = plantedReport();
  const md = renderReport(report, "md");
  const f = report.findings[0];
  assertMatch(md, /\| severity \| entity \| message \| action \| why and how \|/);
  assert(md.includes(`| ${f.resolution.action} | `), "the action is there");
  assert(md.includes(f.resolution.explanation.slice(0, 30).replaceAll("(", "\\(").replaceAll(")", "\\)")));
});

Deno.test("colour is ours alone: asked for, the table colours its marks; a district's escape stays text", async () => {
  const report = plantedReport();
  report.findings[0].message = "\x1b[2Jplanted";
  const { renderTable } = await import("../lib/report/table.ts");
  const plain = renderTable(report);
  assertEquals(plain.includes("\x1b"), false, "no colour unless asked");
  const coloured = renderTable(report, { color: true });
  assert(coloured.includes("\x1b[31mx\x1b[0m "), "the error mark is red");
  assert(coloured.includes("\\x1b[2Jplanted"), "the district's ESC is shown, not obeyed");
  assertEquals(coloured.includes("\x1b[2J"), false);
});

Deno.test("colour only on a terminal, and never with NO_COLOR set", async () => {
  const { wantsColor } = await import("../lib/report/mod.ts");
  const env = (v?: string) => ({ get: (n: string) => (n === "NO_COLOR" ? v : undefined) });
  assertEquals(wantsColor({ isTerminal: () => true }, env()), true);
  assertEquals(wantsColor({ isTerminal: () => true }, env("1")), false);
  assertEquals(wantsColor({ isTerminal: () => false }, env()), false);
});

Deno.test("a report lists at most so many findings of a code and in all; the summary counts every one and a warning names each cut", () => {
  const make = (code: "student.missing_in_platform" | "teacher.missing_in_platform" | "class.missing_in_platform") =>
    Array.from({ length: 4 }, (_, i) =>
      finding({
        code,
        entity: { sourcedId: `${code}-${i}` },
        message: "x",
        details: code === "class.missing_in_platform"
          ? { title: "t", school: "s" }
          : code === "teacher.missing_in_platform"
          ? { name: "n", email: "", schools: [] }
          : { name: "n", grade: "", studentNumber: "", schools: [] },
        resolution: { action: "resync", explanation: "x" },
      }));
  const report = buildReport({
    customer: "c",
    environment: "staging",
    generatedAt: new Date(0),
    source: { kind: "oneroster-csv", version: "1.1" },
    tools: ["missing-data"],
    findings: [
      ...make("student.missing_in_platform"),
      ...make("teacher.missing_in_platform"),
      ...make("class.missing_in_platform"),
    ],
    listed: { perCode: 3, total: 5 },
  });
  assertEquals(report.summary.error + report.summary.warning + report.summary.info, 12);
  assertEquals(report.findings.length, 5);
  assertEquals(
    report.warnings.filter((w) => w.code === "report.findings_capped").map((w) => w.details),
    [
      { code: "class.missing_in_platform", total: 4, listed: 3 },
      { code: "student.missing_in_platform", total: 4, listed: 2 },
      { code: "teacher.missing_in_platform", total: 4, listed: 0 },
    ],
  );
});
