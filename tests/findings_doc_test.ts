import { assertEquals, assertMatch } from "./helpers/assert.ts";
import { renderFindingsDoc } from "../lib/diagnostics/findings-doc.ts";
import { CODES } from "../lib/model/findings.ts";

Deno.test("docs/findings.md is the rendering of the code table (deno task docs rewrites it)", async () => {
  const doc = await Deno.readTextFile(new URL("../docs/findings.md", import.meta.url));
  assertEquals(doc, renderFindingsDoc());
});

Deno.test("docs/findings.md lists every diagnostic code with its severity and entity keys, and no roster-check code", () => {
  const doc = renderFindingsDoc();
  for (const [code, d] of Object.entries(CODES)) {
    const row = new RegExp(`\\| \`${code.replaceAll(".", "\\.")}\` \\|`);
    if (d.tool === "roster-check") {
      assertEquals(row.test(doc), false, `${code} belongs to roster-check.md`);
      continue;
    }
    assertMatch(
      doc,
      new RegExp(
        `\\| ${d.tool} \\| \`${code.replaceAll(".", "\\.")}\` \\| [a-z /]+ \\| ${d.entityKeys.join(", ")} \\|`,
      ),
    );
  }
  assertMatch(doc, /causedBy` `parent\.not_in_source`, severity error/);
});
