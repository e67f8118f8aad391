/**
 * Charts of a customer's history (Observable Plot rendered to SVG, as in
 * lib/charts.ts) and the fleet page's inline trend.
 */
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import { Raw } from "../html.ts";
import type { RunSummary } from "./record.ts";

function render(options: Plot.PlotOptions): Raw {
  const { document } = parseHTML("<!doctype html><html><body></body></html>") as unknown as {
    document: Plot.PlotOptions["document"];
  };
  return new Raw(Plot.plot({ ...options, document } as Plot.PlotOptions).outerHTML);
}

/**
 * Errors and warnings per run (oldest left), one line per severity.
 *
 * @example
 * severityTrendChart(await store.runs("demo-isd")).value // "<svg …>"
 */
export function severityTrendChart(runs: readonly RunSummary[]): Raw {
  const data = [...runs].reverse().flatMap((r) => [
    { run: new Date(r.generatedAt), severity: "error", count: r.summary.error },
    { run: new Date(r.generatedAt), severity: "warning", count: r.summary.warning },
  ]);
  return render({
    title: "Errors and warnings per run",
    height: 220,
    x: { label: null, type: "utc" },
    y: { label: "findings", grid: true, zero: true },
    color: { domain: ["error", "warning"], range: ["#d62728", "#ff9f1c"], legend: true },
    marks: [
      Plot.lineY(data, { x: "run", y: "count", stroke: "severity", marker: "circle", tip: true }),
      Plot.ruleY([0]),
    ],
  });
}

/**
 * Findings per run by code, stacked (oldest left).
 *
 * @example
 * codeTrendChart(await store.runs("demo-isd")).value // "<svg …>"
 */
export function codeTrendChart(runs: readonly RunSummary[]): Raw {
  const data = [...runs].reverse().flatMap((r) =>
    Object.entries(r.summary.byCode).map(([code, count]) => ({ run: new Date(r.generatedAt), code, count }))
  );
  return render({
    title: "Findings per run, by code",
    height: 260,
    marginBottom: 40,
    x: { label: null, type: "utc" },
    y: { label: "findings", grid: true },
    color: { legend: true, type: "ordinal" },
    marks: [Plot.areaY(data, { x: "run", y: "count", fill: "code", curve: "step", tip: true }), Plot.ruleY([0])],
  });
}

/**
 * A small inline line of numbers (oldest first), no text in it.
 *
 * @example
 * sparkline([3, 5, 2]).value // "<svg …><polyline …/></svg>"
 */
export function sparkline(values: readonly number[], width = 80, height = 18): Raw {
  if (!values.length) return new Raw("");
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? (width - 2) / (values.length - 1) : 0;
  const points = values.map((v, i) =>
    `${(1 + i * step).toFixed(1)},${(height - 1 - (v / max) * (height - 2)).toFixed(1)}`
  ).join(" ");
  return new Raw(
    `<svg class="spark" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="trend">` +
      `<polyline fill="none" stroke="#d62728" stroke-width="1.5" points="${points}"/></svg>`,
  );
}
