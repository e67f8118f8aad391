import { assert, assertEquals, assertRejects } from "./helpers/assert.ts";
import { join } from "node:path";
import postgres from "postgres";
import { CUSTOMER, withDistrict } from "./helpers/workspace-district.ts";
import { TEST_DATABASE_URL } from "./helpers/database.ts";
import { diagnoseCustomer } from "../lib/app/diagnose.ts";
import { lookupPerson, type SliceInput } from "../lib/app/lookup.ts";
import { WorkspaceCannotAnswer } from "../lib/workspace/cannot-answer.ts";
import { openWorkspace } from "../lib/workspace/store.ts";
import type { SqlParam } from "../lib/workspace/duckdb.ts";
import { workspaceLookupSource } from "../lib/workspace/slice.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** A copy of a slice's input: a read adds classes to its classIds. */
const copy = (input: SliceInput): SliceInput => ({ ...input, classIds: new Set(input.classIds) });

Deno.test({
  name:
    "a workspace's slice read ahead while the platform is read answers only the lookup that asks exactly that slice",
  ...opts,
  fn: async () => {
    await withDistrict(200, async ({ dir, settingsDir, env, district }) => {
      const workspace = { dir: join(dir, "ws") };
      await diagnoseCustomer({ customerId: CUSTOMER, settingsDir, env, auditor: null, workspace });
      const ws = await openWorkspace(workspace.dir, CUSTOMER);
      try {
        const state = (await ws.rosterState())!;
        const students = district.roster.users.filter((u) => u.role === "student" && u.agentSourcedIds.length);
        const [one, other] = [students[0], students[1]];
        const asked: SliceInput = {
          query: { kind: "student", key: one.sourcedId },
          key: one.sourcedId,
          wanted: new Set([one.sourcedId, ...one.agentSourcedIds]),
          people: new Set([one.sourcedId]),
          classIds: new Set(),
          targetClasses: new Set(),
        };
        // The platform named someone the roster side did not reach: another family is wanted too.
        const wider: SliceInput = {
          ...asked,
          wanted: new Set([...asked.wanted, other.sourcedId, ...other.agentSourcedIds]),
          people: new Set([one.sourcedId, other.sourcedId]),
        };
        const fresh = async (input: SliceInput) => {
          const mine = copy(input);
          const roster = await workspaceLookupSource(ws, state).slice(mine);
          return { roster, classIds: [...mine.classIds].sort() };
        };
        const expected = await fresh(asked);
        const expectedWider = await fresh(wider);
        assert(expectedWider.roster.users.length > expected.roster.users.length, "the wider slice reads more people");

        // The queries the source sends, by the table they read.
        const sent: string[] = [];
        const db = { ...ws.db, rows: (sql: string, params?: SqlParam[]) => (sent.push(sql), ws.db.rows(sql, params)) };
        const source = workspaceLookupSource({ ...ws, db }, state);
        const reads = (table: string) => sent.filter((q) => q.includes(`from ${table} `)).length;
        source.prefetch!(copy(asked));
        // Read ahead, before the slice is asked; then not read again.
        for (let i = 0; i < 500 && reads("users") === 0; i++) await new Promise((r) => setTimeout(r, 20));
        assertEquals([reads("enrollments"), reads("users")], [1, 1]);
        const same = copy(asked);
        assertEquals(await source.slice(same), expected.roster);
        assertEquals([...same.classIds].sort(), expected.classIds);
        assertEquals([reads("enrollments"), reads("users")], [1, 1]);

        source.prefetch!(copy(asked));
        const changed = copy(wider);
        assertEquals(await source.slice(changed), expectedWider.roster);
        assertEquals([...changed.classIds].sort(), expectedWider.classIds);

        // The same people, but the platform links an account the roster's family walk did not reach.
        const linked: SliceInput = { ...asked, wanted: new Set([...asked.wanted, other.sourcedId]) };
        source.prefetch!(copy(asked));
        assertEquals(await source.slice(copy(linked)), (await fresh(linked)).roster);

        // A class the platform names beyond the people's own is read too, from a slice read ahead without it.
        const classId = district.roster.classes.at(-1)!.sourcedId;
        source.prefetch!(copy(asked));
        const withClass = { ...copy(asked), classIds: new Set([classId]) };
        const got = await source.slice(withClass);
        assertEquals(got, (await fresh({ ...asked, classIds: new Set([classId]) })).roster);
        assert(got.classes.some((c) => c.sourcedId === classId), "the platform's class is in the slice");
      } finally {
        ws.close();
      }
    });
  },
});

Deno.test({
  name: "a lookup whose workspace side fails ends the platform transaction it had opened meanwhile",
  ...opts,
  fn: async () => {
    await withDistrict(200, async ({ dir, settingsDir, env, district }) => {
      const workspace = { dir: join(dir, "ws") };
      await diagnoseCustomer({ customerId: CUSTOMER, settingsDir, env, auditor: null, workspace });
      const student = district.roster.users.find((u) => u.role === "student" && u.agentSourcedIds.length)!;
      const base = { customerId: CUSTOMER, settingsDir, env, auditor: null };
      // A family of three is more than one row: the workspace refuses it, and nothing may read the export.
      const refused = lookupPerson({
        ...base,
        query: { kind: "student", key: student.sourcedId },
        workspace: { ...workspace, maxRows: 1 },
        workspaceOnly: true,
      });
      // Settles (a transaction left waiting for its focus would keep the lookup's connection open for ever).
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<"hung">((r) => timer = setTimeout(() => r("hung"), 20_000));
      const settled = await Promise.race([refused.then(() => "answered", (e) => e), timeout]);
      clearTimeout(timer);
      assert(settled instanceof WorkspaceCannotAnswer, `refused as too large, got ${settled}`);
      if (TEST_DATABASE_URL) {
        const admin = postgres(env.STAGING_DATABASE_URL, { max: 1, onnotice: () => {} });
        try {
          const open = async () =>
            (await admin<{ n: number }[]>`
              select count(*)::int as n from pg_stat_activity
              where datname = current_database() and application_name = 'cdt lookup'`)[0].n;
          for (let i = 0; i < 50 && await open() > 0; i++) await new Promise((r) => setTimeout(r, 100));
          assertEquals(await open(), 0, "the lookup's connection is closed");
        } finally {
          await admin.end();
        }
      }
      // The platform answers the next lookup as before.
      const answered = await lookupPerson({ ...base, query: { kind: "student", key: student.sourcedId }, workspace });
      assertEquals(answered.rosterFrom?.kind, "workspace");
      assert(answered.platform.students.some((s) => s.sourceId === student.sourcedId));
      await assertRejects(() => refused, WorkspaceCannotAnswer);
    });
  },
});

Deno.test({
  name:
    "a lookup that fails on the platform while its workspace reads ahead waits for that read before the workspace closes",
  ...opts,
  fn: async () => {
    await withDistrict(300, async ({ dir, settingsDir, env, district }) => {
      const workspace = { dir: join(dir, "ws") };
      await diagnoseCustomer({ customerId: CUSTOMER, settingsDir, env, auditor: null, workspace });
      // Nothing listens on port 1 of loopback: the platform refuses at once, while the workspace is still reading.
      const down = { STAGING_DATABASE_URL: "postgres://cdt@127.0.0.1:1/platform" };
      const students = district.roster.users.filter((u) => u.role === "student").slice(0, 5);
      for (const s of students) {
        // Each call closes the workspace as it fails; closing it under a running query crashed the process.
        const e = await assertRejects(() =>
          lookupPerson({
            customerId: CUSTOMER,
            settingsDir,
            query: { kind: "student", key: s.sourcedId },
            env: down,
            auditor: null,
            workspace,
          }), Error);
        assert(/cannot reach/.test(e.message), e.message);
      }
      const answered = await lookupPerson({
        customerId: CUSTOMER,
        settingsDir,
        query: { kind: "student", key: students[0].sourcedId },
        env,
        auditor: null,
        workspace,
      });
      assertEquals(answered.rosterFrom?.kind, "workspace");
    });
  },
});
