/**
 * Charts as functions from data to an Observable Plot figure, rendered to
 * SVG outside a browser (linkedom is the document). Notebooks display them,
 * the server inlines them. Every label passes through Plot's own text
 * nodes, so names are never markup.
 */
import { detailsOf } from "./model/details.ts";
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import type { Report } from "./model/findings.ts";
import type { Roster } from "./model/roster.ts";
import type { PlatformSnapshot } from "./model/snapshot.ts";
import { isActiveInSource } from "./model/roster.ts";
import { normalizeGrade } from "./normalize.ts";
import { Raw } from "./html.ts";

const SEVERITY_COLORS = { domain: ["error", "warning", "info"], range: ["#d62728", "#ff9f1c", "#6c8ebf"] };

/** Options every chart takes: its width in CSS pixels (Plot's default is 640; a page passes its own). */
export interface ChartOptions {
  width?: number;
}

const sized = (options: ChartOptions) =>
  options.width ? { width: Math.max(320, Math.min(4000, Math.round(options.width))) } : {};

function render(options: Plot.PlotOptions): Raw {
  // linkedom's typings describe a Window; at run time it carries the document Plot needs.
  const { document } = parseHTML("<!doctype html><html><body></body></html>") as unknown as {
    document: Plot.PlotOptions["document"];
  };
  const figure = Plot.plot({ ...options, document } as Plot.PlotOptions);
  return new Raw(figure.outerHTML);
}

/**
 * One bar per finding code, longest first, coloured by severity. Answers:
 * what is wrong with this district, and how much of it?
 *
 * @example
 * findingsByCodeChart(report).value // "<svg …>"
 */
export function findingsByCodeChart(report: Report, options: ChartOptions = {}): Raw {
  const counts = new Map<string, { code: string; severity: string; count: number }>();
  for (const f of report.findings) {
    const key = `${f.code}\u0000${f.severity}`;
    const c = counts.get(key) ?? { code: f.code, severity: f.severity, count: 0 };
    c.count++;
    counts.set(key, c);
  }
  const data = [...counts.values()];
  return render({
    title: "Findings by code",
    ...sized(options),
    marginLeft: 260,
    height: Math.max(80, 24 * new Set(data.map((d) => d.code)).size + 40),
    x: { label: "findings", grid: true },
    y: { label: null },
    color: { ...SEVERITY_COLORS, legend: true },
    marks: [
      Plot.barX(data, { x: "count", y: "code", fill: "severity", sort: { y: "-x" }, tip: true }),
      Plot.ruleX([0]),
    ],
  });
}

/** Active students per campus: the roster's count beside the platform's. Answers: are whole schools missing? */
export function studentsPerCampusChart(roster: Roster, platform: PlatformSnapshot, options: ChartOptions = {}): Raw {
  const totals = new Map<string, { campus: string; side: string; students: number }>();
  for (const r of studentsPerCampus(roster, platform)) {
    const key = `${r.campus}\u0000${r.side}`;
    const t = totals.get(key) ?? { campus: r.campus, side: r.side, students: 0 };
    t.students += r.students;
    totals.set(key, t);
  }
  const rows = [...totals.values()];
  return render({
    title: "Active students per campus: roster vs platform",
    ...sized(options),
    marginLeft: 180,
    height: Math.max(80, 40 * new Set(rows.map((r) => r.campus)).size + 40),
    x: { label: "students", grid: true },
    fy: { label: null },
    y: { label: null, axis: null },
    color: { domain: ["roster", "platform"], range: ["#4269d0", "#97bbf5"], legend: true },
    marks: [Plot.barX(rows, { x: "students", y: "side", fy: "campus", fill: "side", tip: true }), Plot.ruleX([0])],
  });
}

/** The rows behind {@link studentsPerCampusChart}, also by grade. */
export function studentsPerCampus(
  roster: Roster,
  platform: PlatformSnapshot,
): Array<{ campus: string; grade: string; side: "roster" | "platform"; students: number }> {
  const schoolName = new Map(roster.orgs.filter((o) => o.type === "school").map((o) => [o.sourcedId, o.name]));
  const campusName = new Map(platform.campuses.map((c) => [c.id, c.name]));
  const counts = new Map<string, { campus: string; grade: string; side: "roster" | "platform"; students: number }>();
  const add = (campus: string, grade: string, side: "roster" | "platform") => {
    const key = `${campus}\u0000${grade}\u0000${side}`;
    const c = counts.get(key) ?? { campus, grade, side, students: 0 };
    c.students++;
    counts.set(key, c);
  };
  for (const u of roster.users) {
    if (u.role !== "student" || !isActiveInSource(u)) continue;
    const school = u.orgSourcedIds.find((o) => schoolName.has(o));
    add(school ? schoolName.get(school)! : "(no school)", normalizeGrade(u.grades[0]) || "?", "roster");
  }
  for (const s of platform.students) {
    if (s.deletedAt !== null) continue;
    add(
      s.campusId === null ? "(no campus)" : campusName.get(s.campusId) ?? `campus ${s.campusId}`,
      normalizeGrade(s.grade) || "?",
      "platform",
    );
  }
  return [...counts.values()].sort((a, b) => a.campus.localeCompare(b.campus) || a.grade.localeCompare(b.grade));
}

/** Findings of one tool per campus (by the student or class they name). Answers: where do the parent-link problems sit? */
export function findingsPerCampusChart(report: Report, platform: PlatformSnapshot, code: string): Raw {
  const campusOfStudent = new Map<number, string>();
  const campusName = new Map(platform.campuses.map((c) => [c.id, c.name]));
  for (const s of platform.students) {
    campusOfStudent.set(s.id, s.campusId === null ? "(no campus)" : campusName.get(s.campusId) ?? "?");
  }
  const counts = new Map<string, number>();
  for (const f of report.findings) {
    if (f.code !== code) continue;
    const d = f.code === "parent_link.mismatch" ? detailsOf(f, f.code) : undefined;
    const ids = [...(d?.missing ?? []), ...(d?.unexpected ?? [])]
      .map((s) => s.platformId).filter((id): id is number => id !== null);
    const campus = ids.length ? campusOfStudent.get(ids[0]) ?? "?" : "(unknown)";
    counts.set(campus, (counts.get(campus) ?? 0) + 1);
  }
  const data = [...counts].map(([campus, n]) => ({ campus, findings: n }));
  return render({
    title: `${code} per campus`,
    marginLeft: 180,
    height: Math.max(80, 26 * data.length + 40),
    x: { label: "findings", grid: true },
    y: { label: null },
    marks: [
      Plot.barX(data, { x: "findings", y: "campus", fill: "#d62728", sort: { y: "-x" }, tip: true }),
      Plot.ruleX([0]),
    ],
  });
}

/** Roster enrollments against platform enrollments per class, for the classes that differ. Answers: which classes are empty or short? */
export function enrollmentGapsChart(report: Report, top = 20): Raw {
  const gaps = new Map<string, { class: string; missing: number; extra: number }>();
  for (const f of report.findings) {
    if (f.code !== "enrollment.missing_in_platform" && f.code !== "enrollment.not_in_source") continue;
    const id = String(f.entity.classSourcedId);
    const g = gaps.get(id) ?? { class: id, missing: 0, extra: 0 };
    if (f.code === "enrollment.missing_in_platform") g.missing++;
    else g.extra++;
    gaps.set(id, g);
  }
  const data = [...gaps.values()].sort((a, b) => b.missing + b.extra - a.missing - a.extra).slice(0, top)
    .flatMap((
      g,
    ) => [{ class: g.class, kind: "missing in platform", n: g.missing }, {
      class: g.class,
      kind: "not in roster",
      n: -g.extra,
    }]);
  return render({
    title: "Enrollment gaps per class (missing in platform → / ← not in roster)",
    marginLeft: 120,
    height: Math.max(80, 22 * (data.length / 2) + 40),
    x: { label: "enrollments", grid: true },
    y: { label: null },
    color: { domain: ["missing in platform", "not in roster"], range: ["#d62728", "#ff9f1c"], legend: true },
    marks: [Plot.barX(data, { x: "n", y: "class", fill: "kind", tip: true }), Plot.ruleX([0])],
  });
}

/** The platform's roster syncs over time, coloured by status. Answers: did a failed or partial sync cause this? */
export function rosterSyncsChart(platform: PlatformSnapshot, options: ChartOptions = {}): Raw {
  const data = platform.rosterSyncs.map((s) => ({
    started: new Date(s.startedAt.replace(" ", "T").replace(/\+00$/, "Z")),
    status: s.status,
    students: Number((s.stats as Record<string, unknown> | null)?.students ?? 0),
  }));
  return render({
    title: "Roster syncs: students reported per sync",
    ...sized(options),
    x: { label: "started", type: "utc" },
    y: { label: "students", grid: true },
    color: {
      domain: ["succeeded", "partial", "failed", "running"],
      range: ["#2ca02c", "#ff9f1c", "#d62728", "#6c8ebf"],
      legend: true,
    },
    marks: [
      Plot.ruleY([0]),
      Plot.line(data, { x: "started", y: "students", stroke: "#ccc" }),
      Plot.dot(data, { x: "started", y: "students", fill: "status", r: 5, tip: true }),
    ],
  });
}
