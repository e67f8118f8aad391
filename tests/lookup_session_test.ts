import { assert, assertEquals, assertRejects } from "./helpers/assert.ts";
import { join } from "node:path";
import { z } from "zod";
import { CUSTOMER, withDistrict } from "./helpers/workspace-district.ts";
import { diagnoseCustomer } from "../lib/app/diagnose.ts";
import { lookupPerson, type LookupQuery, type LookupResult } from "../lib/app/lookup.ts";
import { openLookupSession, WorkspaceCannotAnswer } from "../lib/app/lookup-session.ts";
import { writableElsewhere } from "./helpers/workspace-lock.ts";
import { connectUrl } from "../lib/platform/connect.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
/** What a lookup answered, without how long it took. */
const answer = (r: LookupResult) => JSON.stringify({ ...r, timings: undefined });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** People the demo planted problems on: a student, a parent, a teacher and a class. */
function queriesOf(planted: Array<{ code: string; entity: Record<string, unknown> }>): LookupQuery[] {
  const first = (prefix: string) => planted.find((p) => p.code.startsWith(prefix))!.entity;
  return [
    { kind: "student", key: String(first("transfer.campus_not_updated").sourcedId) },
    { kind: "parent", key: String(first("parent_email.shared").email) },
    { kind: "teacher", key: String(first("teacher.").sourcedId) },
    { kind: "class", key: String(first("class.").sourcedId) },
  ];
}

Deno.test({
  name:
    "a lookup session answers from the workspace it holds open exactly what one lookup at a time answers, each result its own",
  ...opts,
  fn: async () => {
    await withDistrict(300, async ({ dir, settingsDir, env, planted }) => {
      const workspace = { dir: join(dir, "ws") };
      await diagnoseCustomer({ customerId: CUSTOMER, settingsDir, env, auditor: null, workspace });
      const session = await openLookupSession({ customerId: CUSTOMER, settingsDir, env, auditor: null, workspace });
      try {
        assertEquals(session.environment, "staging");
        for (const query of queriesOf(planted)) {
          const held = await session.lookup(query);
          assertEquals(held.rosterFrom?.kind, "workspace", `${query.kind} ${query.key}: ${held.rosterFrom?.note}`);
          assert(held.findings.length > 0 || query.kind === "class", `${query.kind} ${query.key} has findings`);
          // The session holds the workspace between lookups: no diagnosis elsewhere can write it meanwhile.
          assertEquals(await writableElsewhere(workspace.dir, CUSTOMER), false, "held open between lookups");
          const alone = await lookupPerson({ customerId: CUSTOMER, settingsDir, query, env, auditor: null, workspace });
          assertEquals(answer(held), answer(alone), `${query.kind} ${query.key}`);
          // What the session reads once for all its lookups (the export's orgs, issues, rejected rows) is each
          // result's own: a caller changing one result leaves the next lookup's answer as it was.
          held.roster.orgs[0].name = "changed by the caller";
          held.roster.orgs.pop();
          held.roster.issues.length = 0;
        }
      } finally {
        await session.close();
      }
      assertEquals(await writableElsewhere(workspace.dir, CUSTOMER), true, "released on close");
      const late = await assertRejects(() => session.lookup(queriesOf(planted)[0]), Error);
      assert(late.message.includes("closed"), late.message);
    });
  },
});

Deno.test({
  name:
    "a lookup session lets the workspace go when idle, reads a changed export directly, and answers from the workspace again once it is rebuilt",
  ...opts,
  fn: async () => {
    await withDistrict(200, async ({ dir, exportDir, settingsDir, env, planted }) => {
      const workspace = { dir: join(dir, "ws") };
      const base = { customerId: CUSTOMER, settingsDir, env, auditor: null, workspace };
      await diagnoseCustomer(base);
      const [student, parent] = queriesOf(planted);
      const session = await openLookupSession({ ...base, idleMs: 50 });
      try {
        assertEquals((await session.lookup(student)).rosterFrom?.kind, "workspace");
        // Idle past idleMs, the file is free for a diagnosis; the next lookup opens it again.
        await sleep(300);
        assertEquals(await writableElsewhere(workspace.dir, CUSTOMER), true, "released when idle");
        assertEquals((await session.lookup(parent)).rosterFrom?.kind, "workspace");

        // The export changes under the held workspace: the next lookup reads the export, and says why.
        const users = join(exportDir, "users.csv");
        await Deno.writeTextFile(users, (await Deno.readTextFile(users)) + "\n");
        const stale = await session.lookup(student);
        assertEquals(stale.rosterFrom?.kind, "export");
        assert(stale.rosterFrom?.note?.includes("export changed"), stale.rosterFrom?.note);
        const fromExport = await lookupPerson({ ...base, query: student, workspace: undefined });
        assertEquals(answer({ ...stale, rosterFrom: undefined }), answer({ ...fromExport, rosterFrom: undefined }));

        // A diagnosis rebuilds the workspace (nothing holds it now); the session answers from it again.
        await diagnoseCustomer(base);
        const again = await session.lookup(student);
        assertEquals(again.rosterFrom?.kind, "workspace");
      } finally {
        await session.close();
      }
    });
  },
});

Deno.test({
  name: "a lookup session refuses a malformed query and goes on answering, and leaves a connection passed in open",
  ...opts,
  fn: async () => {
    await withDistrict(100, async ({ settingsDir, env, planted }) => {
      const connection = connectUrl(env.STAGING_DATABASE_URL, { environment: "staging", applicationName: "test" });
      try {
        const session = await openLookupSession({ customerId: CUSTOMER, settingsDir, env, auditor: null, connection });
        // Rejected, not thrown: a caller's .catch() sees it.
        const refused = session.lookup({ kind: "student", key: "  " });
        assert(refused instanceof Promise);
        await assertRejects(() => refused, z.ZodError);
        const r = await session.lookup(queriesOf(planted)[0]);
        assertEquals(r.rosterFrom?.kind, "export");
        assert(r.people.length > 0);
        await session.close();
        // The caller's connection still answers.
        assertEquals((await connection.sql`select 1 as one`)[0].one, 1);
      } finally {
        await connection.close();
      }
    });
  },
});

Deno.test({
  name: "a lookup session asked to refresh rebuilds the workspace on its first lookup that gets that far",
  ...opts,
  fn: async () => {
    await withDistrict(200, async ({ dir, exportDir, settingsDir, env, planted }) => {
      const workspace = { dir: join(dir, "ws") };
      const base = { customerId: CUSTOMER, settingsDir, env, auditor: null };
      await diagnoseCustomer({ ...base, workspace });
      const [student] = queriesOf(planted);
      const users = join(exportDir, "users.csv");
      await Deno.writeTextFile(users, (await Deno.readTextFile(users)) + "\n");
      const session = await openLookupSession({ ...base, workspace: { ...workspace, refresh: true } });
      try {
        // The first lookup fails before the rebuild (the export is briefly away): the refresh is not spent.
        await Deno.rename(exportDir, `${exportDir}.away`);
        await assertRejects(() => session.lookup(student), Error);
        await Deno.rename(`${exportDir}.away`, exportDir);
        const rebuilt = await session.lookup(student);
        assertEquals(rebuilt.rosterFrom?.kind, "workspace", rebuilt.rosterFrom?.note);
      } finally {
        await session.close();
      }
    });
  },
});

Deno.test({
  name:
    "a workspace-only lookup session rejects what its workspace cannot answer, saying why, instead of reading the export",
  ...opts,
  fn: async () => {
    await withDistrict(200, async ({ dir, exportDir, settingsDir, env, planted }) => {
      const workspace = { dir: join(dir, "ws") };
      const base = { customerId: CUSTOMER, settingsDir, env, auditor: null, workspaceOnly: true };
      const [student] = queriesOf(planted);
      const none = await openLookupSession({ ...base, workspace });
      try {
        const e = await assertRejects(() => none.lookup(student), WorkspaceCannotAnswer);
        assertEquals(e.message, "no workspace holds this customer's roster");
      } finally {
        await none.close();
      }
      await diagnoseCustomer({ ...base, workspace });
      const session = await openLookupSession({ ...base, workspace });
      try {
        assertEquals((await session.lookup(student)).rosterFrom?.kind, "workspace");
        const users = join(exportDir, "users.csv");
        await Deno.writeTextFile(users, (await Deno.readTextFile(users)) + "\n");
        const e = await assertRejects(() => session.lookup(student), WorkspaceCannotAnswer);
        assert(e.message.includes("export changed"), e.message);
      } finally {
        await session.close();
      }
    });
  },
});
