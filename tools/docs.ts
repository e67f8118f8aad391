/**
 * `deno task docs`: writes docs/roster-check.md from the code table, so the
 * documentation cannot drift from the codes (a test compares them).
 */
import { renderRosterCheckDoc } from "../lib/diagnostics/roster-check-doc.ts";

if (import.meta.main) {
  if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
    console.log("Usage: deno task docs\n\nRewrites docs/roster-check.md from lib/diagnostics/roster-check-codes.ts.");
  } else {
    const path = new URL("../docs/roster-check.md", import.meta.url);
    await Deno.writeTextFile(path, renderRosterCheckDoc());
    console.error(`wrote ${path.pathname}`);
  }
}
