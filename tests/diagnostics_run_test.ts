import { assert, assertEquals } from "./helpers/assert.ts";
import { demoDistrict } from "../lib/demo/demo.ts";
import { DEFAULT_TOOLS, runDiagnostics } from "../lib/diagnostics/run.ts";
import { type DiagnosticContext, diagnosticContext } from "../lib/diagnostics/context.ts";
import { findingKey, type ToolName } from "../lib/model/findings.ts";

/** A run's context that records what the tools ask of it: the enrollment indexes, the guardians' index, a release. */
function watched(district: ReturnType<typeof demoDistrict>): { ctx: DiagnosticContext; events: string[] } {
  const real = diagnosticContext(district.roster, district.platform);
  const events: string[] = [];
  const enrollments = <T extends object>(index: T, side: string): T =>
    new Proxy(index, {
      get(target, key) {
        if (key === "activeEnrollments") events.push(`${side} enrollments`);
        return Reflect.get(target, key);
      },
    });
  const ctx: DiagnosticContext = {
    roster: real.roster,
    platform: real.platform,
    get source() {
      return enrollments(real.source, "source");
    },
    get plat() {
      return enrollments(real.plat, "platform");
    },
    get guardians() {
      events.push("guardians");
      return real.guardians;
    },
    people: real.people,
    releaseEnrollments() {
      events.push("release");
      real.releaseEnrollments();
    },
  };
  return { ctx, events };
}

Deno.test("a diagnosis lets go of the enrollment indexes before it builds the guardians' index, whatever the tools' order", () => {
  const district = demoDistrict({ students: 300, seed: 11 });
  const orders: ToolName[][] = [
    [...DEFAULT_TOOLS],
    ["parent-email", "campus-transfer", "student-mismatch", "missing-data"],
  ];
  for (const tools of orders) {
    const { ctx, events } = watched(district);
    runDiagnostics({ customer: "t", environment: "embedded", ...district, tools, context: ctx });
    const release = events.indexOf("release");
    assert(release !== -1, `released: ${events.join(", ")}`);
    assertEquals(events.lastIndexOf("release"), release);
    assert(events.lastIndexOf("source enrollments") < release, events.join(", "));
    assert(events.lastIndexOf("platform enrollments") < release, events.join(", "));
    assert(events.indexOf("guardians") > release, events.join(", "));
  }
});

Deno.test("tools run together find what each finds alone, and an index let go answers alike when asked again", () => {
  const district = demoDistrict({ students: 300, seed: 12 });
  const run = (tools: ToolName[]) =>
    runDiagnostics({ customer: "t", environment: "embedded", ...district, tools, now: new Date(0) }).findings;
  const together = run(["student-mismatch", "campus-transfer", "parent-email", "missing-data"]).map(findingKey);
  const alone = DEFAULT_TOOLS.flatMap((tool) => run([tool])).map(findingKey);
  assert(together.length > 0);
  assertEquals([...together].sort(), [...alone].sort());

  const ctx = diagnosticContext(district.roster, district.platform);
  const built = [ctx.source.activeEnrollments, ctx.plat.activeEnrollments];
  const before = [...ctx.source.activeEnrollments.notIn(ctx.plat.activeEnrollments)].map(([c, u, r]) =>
    `${c} ${u} ${r}`
  );
  ctx.releaseEnrollments();
  // Let go: built anew when asked for again.
  assert(ctx.source.activeEnrollments !== built[0] && ctx.plat.activeEnrollments !== built[1]);
  const after = [...ctx.source.activeEnrollments.notIn(ctx.plat.activeEnrollments)].map(([c, u, r]) =>
    `${c} ${u} ${r}`
  );
  assert(before.length > 0);
  assertEquals(after, before);
});
