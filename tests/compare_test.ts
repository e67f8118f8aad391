import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { join } from "node:path";
import { withCustomer } from "./helpers/customer.ts";
import { Report } from "../lib/model/findings.ts";

const DIAGNOSE = new URL("../tools/diagnose.ts", import.meta.url).pathname;

async function diagnose(args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", DIAGNOSE, ...args],
    env: { NO_COLOR: "1", CDT_STATE_DATABASE_URL: "", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** The test's own idea of identity: code and entity, keys sorted. */
const key = (f: { code: string; entity: Record<string, string | number> }) =>
  f.code + JSON.stringify(Object.entries(f.entity).sort(([a], [b]) => (a < b ? -1 : 1)));

Deno.test({
  name: "--compare on a platform changed between two runs marks the right findings new and resolved",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withCustomer({ customerId: "lincoln-usd", students: 200 }, async (c) => {
      const env = { ...c.env, CDT_HISTORY_DIR: join(c.dir, "history") };
      const base = ["--customer", c.customerId, "--settings-dir", c.settingsDir];
      const first = await diagnose([...base, "--format", "json", "--out", join(c.dir, "first.json")], env);
      assertEquals(first.code, 0, first.stderr);
      const before = Report.parse(JSON.parse(await Deno.readTextFile(join(c.dir, "first.json"))));
      assertEquals(before.comparison, undefined, "no comparison unless asked");

      // Resolve: the planted platform student absent from the source is soft-deleted.
      const gone = before.findings.find((f) => f.code === "student.not_in_source")!;
      await c.db.admin`update students set deleted_at = now() where id = ${gone.entity.platformId}`;
      // New: a healthy student's first name changes in the platform.
      const named = new Set(before.findings.flatMap((f) => Object.values(f.entity).map(String)));
      const healthy = c.district.platform.students.find((s) =>
        s.deletedAt === null && s.sourceId && !named.has(s.sourceId) && !named.has(String(s.id))
      )!;
      await c.db.admin`update students set first_name = 'Renamed' where id = ${healthy.id}`;

      for (const compare of [join(c.dir, "first.json"), "last"]) {
        // The file comparison is not recorded, so that `last` is the first run too.
        const record = compare === "last" ? [] : ["--no-history"];
        const second = await diagnose([...base, "--format", "json", "--compare", compare, ...record], env);
        assertEquals(second.code, 0, second.stderr);
        const after = Report.parse(JSON.parse(second.stdout));
        const beforeKeys = new Set(before.findings.map(key));
        const afterKeys = new Set(after.findings.map(key));
        const fresh = after.findings.filter((f) => f.status === "new" || f.status === "reopened");
        assertEquals(
          fresh.map((f) => [f.code, f.entity.sourcedId, f.entity.field]),
          [["student.field_mismatch", healthy.sourceId!, "first_name"]],
          `compare ${compare}`,
        );
        for (const f of after.findings) {
          assertEquals(f.status, beforeKeys.has(key(f)) ? "still_open" : "new", `${compare}: ${key(f)}`);
        }
        assert(after.comparison!.resolved.some((f) => key(f) === key(gone)), "the soft-deleted student is resolved");
        assertEquals(
          after.comparison!.resolved.map(key).sort(),
          before.findings.map(key).filter((k) => !afterKeys.has(k)).sort(),
        );
        assertEquals(after.comparison!.new, 1);
        assertEquals(after.comparison!.stillOpen, after.findings.length - 1);
        assertEquals(after.comparison!.against, before.generatedAt);
      }

      // A run of some tools is no baseline: it is not recorded, so `last` stays the whole run above.
      const partial = await diagnose([...base, "--tool", "missing-data", "--format", "json"], env);
      assertEquals(partial.code, 0, partial.stderr);
      // A report of another customer is refused (exit 2), not compared.
      const other = JSON.parse(await Deno.readTextFile(join(c.dir, "first.json")));
      await Deno.writeTextFile(join(c.dir, "other.json"), JSON.stringify({ ...other, customer: "adams-isd" }));
      const refused = await diagnose([...base, "--compare", join(c.dir, "other.json"), "--no-history"], env);
      assertEquals(refused.code, 2, refused.stderr);
      assertMatch(refused.stderr, /that report is of adams-isd \(staging\), this one of lincoln-usd \(staging\)/);
      const table = await diagnose([...base, "--format", "table", "--compare", "last", "--no-history"], env);
      assertMatch(
        table.stdout.split("\n")[2],
        /^0 new, \d+ still open, 0 resolved since \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/,
      );
      const md = await diagnose(
        [...base, "--format", "md", "--compare", join(c.dir, "first.json"), "--no-history"],
        env,
      );
      assertMatch(
        md.stdout,
        /^# Diagnosis of lincoln-usd \(staging\)\n\n\*\*1 new, \d+ still open, [1-9]\d* resolved since /,
      );
    }),
});

Deno.test({
  name: "--compare with a file that is not a report is a usage error before anything is read",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(join(dir, "x.json"), '{"customer": 1}');
      const r = await diagnose(["--customer", "nobody-here", "--compare", join(dir, "x.json")], {});
      assertEquals(r.code, 2, r.stderr);
      assertMatch(r.stderr, /--compare .*x\.json: not a cdt JSON report/);
      // An endless device (its size says 0), a FIFO nobody writes to: refused before a byte is read, not read forever.
      const zero = await diagnose(["--customer", "nobody-here", "--compare", "/dev/zero"], {});
      assertEquals(zero.code, 2, zero.stderr);
      assertMatch(zero.stderr, /--compare \/dev\/zero: not a regular file/);
      const fifo = join(dir, "fifo.json");
      await new Deno.Command("mkfifo", { args: [fifo] }).output();
      const waiting = await diagnose(["--customer", "nobody-here", "--compare", fifo], {});
      assertEquals(waiting.code, 2, waiting.stderr);
      assertMatch(waiting.stderr, /fifo\.json: not a regular file/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
