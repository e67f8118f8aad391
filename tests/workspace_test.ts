import { assert, assertEquals, assertRejects } from "./helpers/assert.ts";
import { UserTable } from "../lib/model/user-table.ts";
import { join } from "node:path";
import { withTempDir } from "./helpers/bundle.ts";
import { generateDistrict } from "../lib/demo/generate.ts";
import { writeDemoExport } from "../lib/demo/export.ts";
import { CUSTOMER, withDistrict } from "./helpers/workspace-district.ts";
import { diagnoseCustomer } from "../lib/app/diagnose.ts";
import { concerns, lookupPerson, type LookupQuery } from "../lib/app/lookup.ts";
import { readOneRosterCsv } from "../lib/sources/oneroster-csv/read.ts";
import { openWorkspace, type Workspace } from "../lib/workspace/store.ts";
import { readRows, USERS } from "../lib/workspace/tables.ts";
import type { Roster } from "../lib/model/roster.ts";
import { CodedError } from "../lib/errors.ts";
import type { Report } from "../lib/model/findings.ts";

const NOW = new Date("2026-11-26T12:00:00Z");
const key = (f: { code: string; entity: unknown }) => `${f.code} ${JSON.stringify(f.entity)}`;
/** Everything a report says, except when it was generated. */
const said = (r: Report) => JSON.stringify({ ...r, generatedAt: undefined });

const opts = { sanitizeOps: false, sanitizeResources: false };

/** A lookup's read of a few users (row by row, not as the whole table is read) gives them back as stored. */
async function assertFewUsersBack(ws: Workspace, roster: Roster, fast: boolean) {
  const users = [...roster.users];
  const wanted = [users[4], users[0], users[3]];
  const few = await readRows(ws.db, USERS, {
    where: `"sourced_id" in ($1, $2, $3)`,
    params: wanted.map((u) => u.sourcedId),
    fast,
  });
  assertEquals(JSON.stringify(few), JSON.stringify([users[0], users[3], users[4]]));
}

Deno.test({
  name:
    "a roster stored in the workspace comes back row for row as the reader produced it, NUL characters included, whole or a few rows",
  ...opts,
  fn: async () => {
    await withTempDir(async (dir) => {
      const district = generateDistrict({ customerId: CUSTOMER, students: 150, seed: 5 });
      await writeDemoExport(join(dir, "export"), district.roster);
      const roster = await readOneRosterCsv(join(dir, "export"));
      assert(roster.issues.length > 0 && roster.rejected.length > 0, "the demo export's dirt is in the roster");
      // The reader's table gives copies: changed rows are put back as a table again.
      const users = [...roster.users];
      // A vendor column, kept on the record, must survive too.
      users[0].extensions = { "metadata.legacyId": "L-1" };
      roster.users = UserTable.from(users);
      const ws = await openWorkspace(join(dir, "ws"), CUSTOMER, { write: true });
      try {
        const state = await ws.saveRoster(roster, { key: "k", settings: "s", contentHash: "sha256:x", stamp: "" });
        assertEquals(state.slow, []);
        assertEquals(JSON.stringify(await ws.loadRoster()), JSON.stringify(roster));
        await assertFewUsersBack(ws, roster, true);
        // Hostile cells: a NUL inside a name, a cell equal to the fast path's NULL sentinel.
        users[3].givenName = "Ana\u0000Maria";
        users[4].middleName = "\u0001";
        roster.users = UserTable.from(users);
        // The sentinel in a field that may be absent: read row by row, it is a value, not an absence.
        roster.orgs[1].parentSourcedId = "\u0001";
        // The reader's table gives copies: the changed row is put back as a plain list.
        roster.enrollments = [
          { ...roster.enrollments.at(0)!, beginDate: undefined },
          ...[...roster.enrollments].slice(1),
        ];
        const hostile = await ws.saveRoster(roster, { key: "k2", settings: "s", contentHash: "sha256:y", stamp: "" });
        assertEquals(hostile.slow, ["orgs", "users"]);
        assertEquals(JSON.stringify(await ws.loadRoster()), JSON.stringify(roster));
        await assertFewUsersBack(ws, roster, false);
        // Stored again, the columns a lookup asks one value at a time are indexed again.
        const indexes = await ws.sql(`select index_name from duckdb_indexes() order by index_name`);
        assertEquals(indexes.map((i) => i.index_name), [
          "classes_sourced_id",
          "enrollments_class_sourced_id",
          "enrollments_user_sourced_id",
          "user_agents_agent_sourced_id",
          "users_email_norm",
          "users_sourced_id",
        ]);
      } finally {
        ws.close();
      }
    });
  },
});

Deno.test({
  name:
    "a diagnosis through the workspace reports exactly what a direct diagnosis reports, and the next one finds the stored roster current",
  ...opts,
  fn: async () => {
    await withDistrict(400, async ({ dir, settingsDir, env, planted }) => {
      const base = { customerId: CUSTOMER, settingsDir, env, now: NOW, auditor: null };
      const direct = await diagnoseCustomer(base);
      assertEquals(direct.report.findings.length, planted.length, "every planted problem, nothing else");
      const workspace = { dir: join(dir, "ws") };
      const first = await diagnoseCustomer({ ...base, workspace });
      assertEquals(first.workspace?.roster, "built");
      assertEquals(first.workspace?.platform, "stored");
      assertEquals(said(first.report), said(direct.report));
      const second = await diagnoseCustomer({ ...base, workspace });
      assertEquals(second.workspace?.roster, "current");
      assertEquals(said(second.report), said(direct.report));
      assertEquals(JSON.stringify(second.roster), JSON.stringify(direct.roster));
      // Every run's report is kept in the workspace.
      const ws = await openWorkspace(workspace.dir, CUSTOMER);
      try {
        const stored = await ws.reports();
        assertEquals(stored.length, 2);
        assertEquals(said(stored[0].report), said(direct.report));
      } finally {
        ws.close();
      }
    });
  },
});

Deno.test({
  name: "a changed export is detected by its content hash and read again; --refresh reads an unchanged one again",
  ...opts,
  fn: async () => {
    await withDistrict(300, async ({ dir, exportDir, settingsDir, env }) => {
      const base = {
        customerId: CUSTOMER,
        settingsDir,
        env,
        now: NOW,
        auditor: null,
        workspace: { dir: join(dir, "ws") },
      };
      const first = await diagnoseCustomer(base);
      assertEquals(first.workspace?.roster, "built");
      // The same bytes rewritten (new modification time) are the same export.
      const users = await Deno.readTextFile(join(exportDir, "users.csv"));
      await Deno.writeTextFile(join(exportDir, "users.csv"), users);
      assertEquals((await diagnoseCustomer(base)).workspace?.roster, "current");
      // One student's surname changes in the SIS: a new export, read again, and the finding follows it.
      const student = first.roster.users.find((u) => u.role === "student" && u.status === "active")!;
      const lines = users.split("\n");
      const at = lines.findIndex((l) => l.startsWith(`${student.sourcedId},`));
      lines[at] = lines[at].replace(`,${student.familyName},`, ",Zyxwvut,");
      await Deno.writeTextFile(join(exportDir, "users.csv"), lines.join("\n"));
      const changed = await diagnoseCustomer(base);
      assertEquals(changed.workspace?.roster, "built");
      assert(changed.workspace?.contentHash !== first.workspace?.contentHash);
      assert(
        changed.report.findings.some((f) =>
          f.code === "student.field_mismatch" && f.entity.sourcedId === student.sourcedId
        ),
        "the changed surname is reported",
      );
      assertEquals((await diagnoseCustomer(base)).workspace?.roster, "current");
      assertEquals(
        (await diagnoseCustomer({ ...base, workspace: { ...base.workspace, refresh: true } })).workspace?.roster,
        "built",
      );
    });
  },
});

Deno.test({
  name:
    "--cached compares with the stored platform snapshot without opening the platform, and the report says how old it is",
  ...opts,
  fn: async () => {
    await withDistrict(300, async ({ dir, settingsDir, env }) => {
      const workspace = { dir: join(dir, "ws") };
      const base = { customerId: CUSTOMER, settingsDir, auditor: null };
      // Nothing stored yet: --cached cannot answer.
      const none = await assertRejects(
        () => diagnoseCustomer({ ...base, env, now: NOW, workspace: { ...workspace, cached: true } }),
        CodedError,
      );
      assertEquals(none.code, "not_found");
      const live = await diagnoseCustomer({ ...base, env, now: NOW, workspace });
      const readAt = Date.parse(live.workspace!.platformReadAt!);
      // The platform is unreachable now: a cached run must not need it.
      const offline = { STAGING_DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" };
      const later = new Date(readAt + 3 * 3600_000 + 5 * 60_000);
      const cached = await diagnoseCustomer({
        ...base,
        env: offline,
        now: later,
        workspace: { ...workspace, cached: true },
      });
      assertEquals(cached.workspace?.platform, "cached");
      const [notice, ...rest] = cached.report.warnings;
      assertEquals(notice.code, "platform.cached_snapshot");
      assertEquals(notice.details?.ageSeconds, 3 * 3600 + 5 * 60);
      assert(notice.message.includes("3 h 5 min ago"), notice.message);
      assertEquals(rest, live.report.warnings);
      assertEquals(cached.report.findings.map(key), live.report.findings.map(key));
      // A snapshot of another environment is never passed off as this one.
      const other = await assertRejects(
        () =>
          diagnoseCustomer({
            ...base,
            env: offline,
            environment: "production",
            workspace: { ...workspace, cached: true },
          }),
        CodedError,
      );
      assertEquals(other.code, "usage");
    });
  },
});

Deno.test({
  name: "a lookup answered from the workspace reports exactly the full diagnosis's findings about that person",
  ...opts,
  fn: async () => {
    await withDistrict(600, async ({ dir, exportDir, settingsDir, env, planted }) => {
      const workspace = { dir: join(dir, "ws") };
      const full = await diagnoseCustomer({
        customerId: CUSTOMER,
        settingsDir,
        env,
        now: NOW,
        auditor: null,
        workspace,
      });
      const queries: LookupQuery[] = [];
      for (const p of planted) {
        const e = p.entity;
        if (
          p.code.startsWith("student.") || p.code.startsWith("transfer.campus") || p.code.startsWith("transfer.stale")
        ) {
          queries.push({ kind: "student", key: String(e.sourcedId) });
        } else if (p.code === "transfer.duplicate_student") {
          queries.push({ kind: "student", key: String(e.studentNumber) });
        } else if (
          p.code.startsWith("parent_link.") || p.code.startsWith("parent_email.shared") ||
          p.code.startsWith("parent.missing")
        ) {
          queries.push({ kind: "parent", key: String(e.email) });
        } else if (p.code.startsWith("teacher.")) queries.push({ kind: "teacher", key: String(e.sourcedId) });
        else if (p.code.startsWith("class.")) queries.push({ kind: "class", key: String(e.sourcedId) });
      }
      const student = full.roster.users.find((u) => u.role === "student" && u.agentSourcedIds.length > 0)!;
      queries.push({ kind: "student", key: `${student.givenName} ${student.familyName}` });
      const unique = [...new Map(queries.map((q) => [`${q.kind}:${q.key}`, q])).values()];
      assert(unique.length >= 20, `${unique.length} lookups`);
      for (const query of unique) {
        const result = await lookupPerson({ customerId: CUSTOMER, settingsDir, query, env, auditor: null, workspace });
        assertEquals(result.rosterFrom?.kind, "workspace", `${query.kind} ${query.key}: ${result.rosterFrom?.note}`);
        const concern = new Set(result.concern);
        const expected = full.report.findings.filter((f) => concerns(f, concern)).map(key);
        assertEquals(result.findings.map(key), expected, `${query.kind} ${query.key}`);
        // The same question asked of the export gives the same answer.
        const fromExport = await lookupPerson({ customerId: CUSTOMER, settingsDir, query, env, auditor: null });
        assertEquals(fromExport.rosterFrom?.kind, "export");
        assertEquals(result.findings.map(key), fromExport.findings.map(key), `${query.kind} ${query.key} (export)`);
        assertEquals(result.people, fromExport.people);
      }
      // A replaced export is not answered from the stale workspace.
      const users = join(exportDir, "users.csv");
      await Deno.writeTextFile(users, (await Deno.readTextFile(users)) + "\n");
      const stale = await lookupPerson({
        customerId: CUSTOMER,
        settingsDir,
        query: unique[0],
        env,
        auditor: null,
        workspace,
      });
      assertEquals(stale.rosterFrom?.kind, "export");
      assert(stale.rosterFrom?.note?.includes("export changed"), stale.rosterFrom?.note);
    });
  },
});

Deno.test({
  name: "a notebook queries the workspace with SQL and parameters",
  ...opts,
  fn: async () => {
    await withDistrict(200, async ({ dir, settingsDir, env }) => {
      const workspace = { dir: join(dir, "ws") };
      const { roster, platform } = await diagnoseCustomer({
        customerId: CUSTOMER,
        settingsDir,
        env,
        auditor: null,
        workspace,
      });
      const ws = await openWorkspace(workspace.dir, CUSTOMER);
      try {
        const [{ n }] = await ws.sql(`select count(*) as n from users where role = $1`, ["student"]);
        assertEquals(n, roster.users.filter((u) => u.role === "student").length);
        const guardian = roster.users.find((u) => u.agentSourcedIds.length > 1)!;
        const children = await ws.sql(
          `select agent_sourced_id from user_agents where user_sourced_id = $1 order by agent_sourced_id`,
          [guardian.sourcedId],
        );
        assertEquals(children.map((r) => r.agent_sourced_id), [...guardian.agentSourcedIds].sort());
        const [{ m }] = await ws.sql(`select count(*) as m from platform_enrollments where deleted_at is null`);
        assertEquals(m, [...platform!.enrollments].filter((e) => e.deletedAt === null).length);
        // Read-only: a notebook cannot change what the diagnoses rely on.
        await assertRejects(() => ws.sql(`delete from users`), Error);
        // Nor read or write any other file, nor switch that back on.
        const outside = join(dir, "leak.csv");
        await assertRejects(() => ws.sql(`copy (select * from users) to '${outside}'`), Error);
        await assertEquals(await Deno.stat(outside).then(() => true, () => false), false);
        await Deno.writeTextFile(join(dir, "other.csv"), "a,b\n1,2\n");
        await assertRejects(() => ws.sql(`select * from read_csv('${join(dir, "other.csv")}')`), Error);
        await assertRejects(() => ws.sql(`set enable_external_access = true`), Error);
      } finally {
        ws.close();
      }
    });
  },
});
