import { assert, assertEquals, assertThrows } from "./helpers/assert.ts";
import { generateDistrict } from "../lib/demo/generate.ts";
import { plantProblems } from "../lib/demo/plant.ts";
import { runDiagnostics } from "../lib/diagnostics/run.ts";
import { DETAILS, DetailsError, detailsOf } from "../lib/model/details.ts";
import { CODES } from "../lib/model/findings.ts";
import { ROSTER_CHECK_CODES } from "../lib/diagnostics/roster-check-codes.ts";

Deno.test("every finding of the planted district carries details of its code's schema, for all 21 comparison codes", () => {
  const district = generateDistrict({ customerId: "details-usd", students: 600, seed: 7 });
  plantProblems(district);
  const report = runDiagnostics({
    customer: "details-usd",
    environment: "staging",
    roster: district.roster,
    platform: district.platform,
    now: new Date(0),
  });
  const seen = new Set<string>();
  for (const f of report.findings) {
    detailsOf(f, f.code);
    seen.add(f.code);
  }
  const comparison = Object.keys(CODES).filter((c) => !(c in ROSTER_CHECK_CODES));
  assertEquals(comparison.length, 21);
  assertEquals([...seen].sort(), comparison.sort());
});

Deno.test("every code has a details schema, and details that do not fit it are refused naming the field", () => {
  assertEquals(Object.keys(DETAILS).sort(), Object.keys(CODES).sort());
  const f = {
    code: "transfer.campus_not_updated" as const,
    details: {
      sourceSchool: { sourcedId: "sch-1", name: "Lincoln", platformId: "7" },
      sourceSchools: [],
      platformCampus: null,
    },
  };
  const e = assertThrows(() => detailsOf(f, f.code), DetailsError);
  assert(/transfer\.campus_not_updated: details\.sourceSchool\.platformId/.test(e.message), e.message);
  // An unknown key is refused too: the report's shape is exactly the schema's.
  assertThrows(
    () =>
      detailsOf(
        { code: "parent_email.platform_mismatch", details: { sourceEmail: "a", platformEmail: "b", x: 1 } },
        "parent_email.platform_mismatch",
      ),
    DetailsError,
  );
});
