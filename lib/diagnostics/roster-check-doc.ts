/** The roster-check codes as Markdown, in the style of shared/findings.md. */
import { ROSTER_CHECK_CODES } from "./roster-check-codes.ts";

/**
 * Renders docs/roster-check.md.
 *
 * @example
 * await Deno.writeTextFile("docs/roster-check.md", renderRosterCheckDoc());
 */
export function renderRosterCheckDoc(): string {
  const rows = Object.entries(ROSTER_CHECK_CODES).map(([code, d]) => {
    const severities = (d as { severities?: readonly string[] }).severities;
    const severity = severities ? severities.join(" / ") : d.severity;
    return `| roster-check | \`${code}\` | ${severity} | ${d.entityKeys.join(", ")} | ${d.meaning} |`;
  });
  return `# roster-check: what the export validator reports

\`roster-check\` reads a OneRoster CSV export on its own — no settings, no database — and reports what breaks
OneRoster's rules and what will break a roster sync:

\`\`\`
deno task diagnose --tool roster-check --source export.zip            # table on a terminal, else JSON
deno task diagnose --tool roster-check --source export/ --format md --out check.md
\`\`\`

The report has the shape of \`shared/findings.md\` (tool \`roster-check\`, \`environment\` \`none\`). Findings built
from the reader's observations carry \`details.count\` (how many rows) and \`details.lines\` (the first few), so a
quirk repeated on 50,000 rows is one finding. References are checked only into files the export holds in bulk: a
delta or absent file cannot show that a record is missing. Guardian links on one side only are an error in
OneRoster 1.2 (both sides MUST carry them) and allowed in 1.1. A student with more than 6 guardians is reported.

This file is generated from \`lib/diagnostics/roster-check-codes.ts\` by \`deno task docs\`; a test keeps them equal.

## Codes

| tool | code | severity | entity keys | meaning |
|---|---|---|---|---|
${rows.join("\n")}

Codes are public names: they may be added, never renamed or given another meaning.
`;
}
