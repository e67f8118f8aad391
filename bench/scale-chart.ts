/**
 * The cost curve of `bench:scale` as an SVG chart (Observable Plot, rendered
 * with linkedom as lib/charts.ts renders its charts): wall seconds of a full
 * diagnosis, of the code measured with `--before`, of roster-check and of
 * the floor, by district size on logarithmic axes, where a straight line of
 * slope one is linear growth.
 */
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";

const SERIES = ["diagnose (--before)", "diagnose (this code)", "floor (csv-parse + COPY)", "roster-check"];

/** One size's figures, as bench/scale.ts measures them. */
export interface ScalePoint {
  students: number;
  floorSeconds: number;
  diagnoseSeconds: number;
  before: { seconds: number } | null;
  rosterCheckSeconds: number | null;
}

/**
 * A standalone SVG document: one line and its dots per measured series.
 *
 * @example
 * await Deno.writeTextFile("docs/scale.svg", scaleChart(results, "2026-12-02"));
 */
export function scaleChart(points: readonly ScalePoint[], caption: string): string {
  const rows = points.flatMap((p) => [
    { students: p.students, seconds: p.diagnoseSeconds, series: "diagnose (this code)" },
    ...(p.before ? [{ students: p.students, seconds: p.before.seconds, series: "diagnose (--before)" }] : []),
    ...(p.rosterCheckSeconds === null
      ? []
      : [{ students: p.students, seconds: p.rosterCheckSeconds, series: "roster-check" }]),
    { students: p.students, seconds: p.floorSeconds, series: "floor (csv-parse + COPY)" },
  ]);
  const { document } = parseHTML("<!doctype html><html><body></body></html>") as unknown as {
    document: Plot.PlotOptions["document"];
  };
  const svg = Plot.plot({
    document,
    width: 720,
    height: 440,
    marginTop: 50,
    marginLeft: 60,
    marginRight: 50,
    x: { type: "log", label: "students", grid: true, tickFormat: "~s" },
    y: { type: "log", label: "seconds", grid: true, tickFormat: (d: number) => String(d) },
    color: { domain: SERIES },
    marks: [
      // The title inside the svg (Plot's own title is HTML around it): text nodes, so nothing in it is markup.
      Plot.text([`A full diagnosis by district size: ${caption}`], {
        frameAnchor: "top-left",
        dy: -36,
        fontSize: 14,
        fontWeight: "bold",
      }),
      Plot.line(rows, { x: "students", y: "seconds", stroke: "series", sort: "students" }),
      Plot.dot(rows, { x: "students", y: "seconds", fill: "series" }),
      Plot.text(rows.filter((r) => r.series === "diagnose (this code)"), {
        x: "students",
        y: "seconds",
        text: (r: { seconds: number }) => `${r.seconds} s`,
        textAnchor: "start",
        dx: 6,
        dy: 10,
      }),
      // The legend inside the chart (Plot's own is HTML beside it), each series' name in its colour.
      ...SERIES.filter((name) => rows.some((r) => r.series === name)).map((name, k) =>
        Plot.text([name], {
          frameAnchor: "top-left",
          dx: 10,
          dy: 10 + 16 * k,
          textAnchor: "start",
          fill: (d: string) => d,
          fontWeight: "bold",
        })
      ),
    ],
  } as Plot.PlotOptions).outerHTML;
  return svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" style="background:#fff" ');
}

if (import.meta.main) {
  // `deno run -A bench/scale-chart.ts RESULTS.json OUT.svg CAPTION`: the chart of a saved run (the JSON bench:scale prints).
  const [results, out, caption] = Deno.args;
  if (!results || !out) {
    console.error("Usage: deno run -A bench/scale-chart.ts RESULTS.json OUT.svg [CAPTION]");
    Deno.exit(2);
  }
  await Deno.writeTextFile(out, scaleChart(JSON.parse(await Deno.readTextFile(results)), caption ?? ""));
  console.error(`wrote ${out}`);
}
