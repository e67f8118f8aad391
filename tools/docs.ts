/**
 * `deno task docs`: writes docs/roster-check.md and docs/findings.md from the code tables, so the
 * documentation cannot drift from the codes (a test compares them).
 */
import { renderRosterCheckDoc } from "../lib/diagnostics/roster-check-doc.ts";
import { renderFindingsDoc } from "../lib/diagnostics/findings-doc.ts";
import { demoDistrict } from "../lib/demo/demo.ts";
import { runDiagnostics } from "../lib/diagnostics/run.ts";
import { findingsByCodeChart } from "../lib/charts.ts";

if (import.meta.main) {
  if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
    console.log(
      "Usage: deno task docs\n\nRewrites docs/roster-check.md and docs/findings.md from the code tables, and\ndocs/findings-by-code.svg (the README's chart) from the demo district.",
    );
  } else {
    for (const [file, text] of [["roster-check.md", renderRosterCheckDoc()], ["findings.md", renderFindingsDoc()]]) {
      const path = new URL(`../docs/${file}`, import.meta.url);
      await Deno.writeTextFile(path, text);
      console.error(`wrote ${path.pathname}`);
    }
    // The README's chart: the demo district's findings by code.
    const { roster, platform } = demoDistrict();
    const report = runDiagnostics({
      customer: "demo-isd",
      environment: "embedded",
      roster,
      platform,
      now: new Date(0),
    });
    const chart = new URL("../docs/findings-by-code.svg", import.meta.url);
    // The figure's last svg is the chart (the ones before it are legend swatches).
    const figure = findingsByCodeChart(report).value;
    const svg = figure.slice(figure.lastIndexOf("<svg "), figure.lastIndexOf("</svg>") + 6);
    await Deno.writeTextFile(
      chart,
      svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" style="background:#fff" '),
    );
    console.error(`wrote ${chart.pathname}`);
  }
}
