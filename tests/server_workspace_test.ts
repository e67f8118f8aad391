import { assert, assertEquals, assertMatch, assertRejects } from "./helpers/assert.ts";
import { join } from "node:path";
import { CUSTOMER, type DistrictContext, withDistrict } from "./helpers/workspace-district.ts";
import { writableElsewhere } from "./helpers/workspace-lock.ts";
import { diagnoseCustomer } from "../lib/app/diagnose.ts";
import { lookupPerson, type LookupQuery, lookupWith } from "../lib/app/lookup.ts";
import { createApp } from "../server/app.ts";
import { sha256Hex, TokenStore } from "../server/auth.ts";
import { WorkspaceLookups } from "../server/jobs/workspace-lookups.ts";
import { PlatformPool } from "../lib/platform/pool.ts";
import { CredentialResolver } from "../lib/credentials/resolver.ts";
import { openLookupSession, WorkspaceCannotAnswer } from "../lib/app/lookup-session.ts";
import { loadSettings } from "../lib/settings/load.ts";
import type { Settings } from "../lib/settings/schema.ts";
import { openWorkspace } from "../lib/workspace/store.ts";
import { JobQueue } from "../server/jobs/queue.ts";
import { JobService } from "../server/jobs/service.ts";
import { DEFAULT_TOOLS } from "../lib/diagnostics/run.ts";
import { buildServer } from "../server/build.ts";
import postgres from "postgres";

const opts = { sanitizeOps: false, sanitizeResources: false };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A student the demo planted a campus transfer problem on. */
const studentQuery = (planted: Array<{ code: string; entity: Record<string, unknown> }>): LookupQuery => ({
  kind: "student",
  key: String(planted.find((p) => p.code === "transfer.campus_not_updated")!.entity.sourcedId),
});
const TOKEN = "cdt_engineer_token_ws";

/** What {@link withBuiltWorkspace} hands its callback. */
interface BuiltContext extends DistrictContext {
  /** The workspace a diagnosis built. */
  workspace: { dir: string };
  settings: Settings;
  /** Connections to the district's platform database, closed afterwards. */
  pool: PlatformPool;
}

/**
 * {@link withDistrict} with its workspace built by a diagnosis (after `prepare`, which may change the export), the
 * customer's settings, and a platform pool.
 */
async function withBuiltWorkspace(
  students: number,
  fn: (ctx: BuiltContext) => Promise<void>,
  prepare?: (ctx: DistrictContext) => Promise<void>,
): Promise<void> {
  await withDistrict(students, async (ctx) => {
    await prepare?.(ctx);
    const workspace = { dir: join(ctx.dir, "ws") };
    const { settingsDir, env } = ctx;
    await diagnoseCustomer({ customerId: CUSTOMER, settingsDir, env, auditor: null, workspace });
    const { settings } = await loadSettings(settingsDir, CUSTOMER);
    const pool = new PlatformPool({ resolver: new CredentialResolver({ env }) });
    try {
      await fn({ ...ctx, workspace, settings, pool });
    } finally {
      await pool.close();
    }
  });
}

/** Holds `lock table students` from a second client until released: the platform's student queries wait meanwhile. */
async function lockStudents(url: string): Promise<{ release(): Promise<void> }> {
  const locker = postgres(url, { max: 1, onnotice: () => {} });
  let unlock = () => {};
  await new Promise<void>((resolve, reject) => {
    locker.begin(async (tx) => {
      await tx`lock table students in access exclusive mode`;
      resolve();
      await new Promise<void>((r) => unlock = r);
    }).catch(reject);
  });
  let released: Promise<void> | undefined;
  return {
    release: () =>
      released ??= (() => {
        unlock();
        return locker.end({ timeout: 5 });
      })(),
  };
}

/** A server over {@link withDistrict}'s customer whose lookups may answer from the workspace in `wsDir`. */
async function withWorkspaceServer(
  ctx: { dir: string; settingsDir: string; env: Record<string, string> },
  wsDir: string,
  fn: (app: ReturnType<typeof createApp>, lookups: WorkspaceLookups) => Promise<void>,
  jobs: { concurrency: number; queue: number; deadlineMs: number } = { concurrency: 2, queue: 8, deadlineMs: 60_000 },
  maxRows?: number,
  Lookups: typeof WorkspaceLookups = WorkspaceLookups,
): Promise<void> {
  const resolver = new CredentialResolver({ env: ctx.env });
  const pool = new PlatformPool({ resolver });
  const lookups = new Lookups({
    dir: wsDir,
    settingsDir: ctx.settingsDir,
    pool,
    deadlineMs: jobs.deadlineMs,
    maxRows,
  });
  const app = createApp({
    settingsDir: ctx.settingsDir,
    tokens: new TokenStore([{ name: "eng", sha256: await sha256Hex(TOKEN), role: "engineer" }]),
    pool,
    resolver,
    audit: { path: join(ctx.dir, "audit.jsonl"), key: "k" },
    workspaces: lookups,
    jobs,
  });
  try {
    await fn(app, lookups);
  } finally {
    await lookups.close();
    await pool.close();
  }
}

/** A class of the workspace's roster with more than `n` enrollments. */
async function firstClassOver(dir: string, n: number): Promise<string> {
  const ws = await openWorkspace(dir, CUSTOMER);
  try {
    const [[id]] = await ws.db.rows(
      `select class_sourced_id from enrollments group by class_sourced_id having count(*) > $1 order by 1 limit 1`,
      [n],
    );
    return String(id);
  } finally {
    ws.close();
  }
}

/** An engineer's request to the app, whatever its answer. */
const ask = (app: { request: ReturnType<typeof createApp>["request"] }, path: string) =>
  app.request(path, { headers: { authorization: `Bearer ${TOKEN}` } });
/** An engineer's request that must be answered 200. */
const get = async (app: ReturnType<typeof createApp>, path: string) => {
  const res = await ask(app, path);
  assertEquals(res.status, 200, `${path}: ${res.status}`);
  return res;
};

/** Workspace lookups that refuse every lookup ("the export changed") after `ms`. */
function refusingAfter(ms: number): typeof WorkspaceLookups {
  return class extends WorkspaceLookups {
    override async lookup(): Promise<never> {
      await sleep(ms);
      throw new WorkspaceCannotAnswer("changed", "the export changed");
    }
  };
}
const paths: Record<LookupQuery["kind"], string> = {
  student: "students",
  parent: "parents",
  teacher: "teachers",
  class: "classes",
};

Deno.test({
  name:
    "the server answers a lookup from the customer's workspace in its own process, exactly as the CLI would, and from a job process reading the export once the export changed",
  ...opts,
  fn: async () => {
    await withBuiltWorkspace(300, async (ctx) => {
      const { exportDir, settingsDir, env, planted, workspace } = ctx;
      const student = String(planted.find((p) => p.code === "transfer.campus_not_updated")!.entity.sourcedId);
      const parent = String(planted.find((p) => p.code === "parent_email.shared")!.entity.email);
      await withWorkspaceServer(ctx, workspace.dir, async (app, lookups) => {
        for (const query of [{ kind: "student", key: student }, { kind: "parent", key: parent }] as LookupQuery[]) {
          const body = await (await get(app, `/api/customers/${CUSTOMER}/${paths[query.kind]}/${query.key}`)).json();
          assertEquals(body.rosterFrom.kind, "workspace", `${query.kind}: ${body.rosterFrom.note}`);
          const cli = await lookupPerson({ customerId: CUSTOMER, settingsDir, query, env, auditor: null, workspace });
          assertEquals(cli.rosterFrom?.kind, "workspace");
          assertEquals(body.findings, cli.findings, query.kind);
          assertEquals(body.people, cli.people, query.kind);
          assert(body.findings.length > 0, `${query.kind} has findings`);
        }
        assertEquals(lookups.size, 1, "one session for the customer, reused");
        // Its DuckDB memory is the server's bound: a reader opened here shares the session's instance, and its setting.
        const beside = await openWorkspace(workspace.dir, CUSTOMER);
        try {
          assertEquals(await beside.sql("select current_setting('memory_limit') as m"), [{ m: "122.0 MiB" }]);
        } finally {
          beside.close();
        }
        // The server holds the workspace between lookups, as a reader: a diagnosis elsewhere waits for it.
        assertEquals(await writableElsewhere(workspace.dir, CUSTOMER), false);
        const page = await (await get(app, `/customers/${CUSTOMER}/students/${student}`)).text();
        assertMatch(page, /Roster read from the workspace \(stored \d{4}-/);

        // The export changes: the workspace no longer stands for it, and a job process reads the export.
        const users = join(exportDir, "users.csv");
        await Deno.writeTextFile(users, await Deno.readTextFile(users) + "\n");
        const body = await (await get(app, `/api/customers/${CUSTOMER}/students/${student}`)).json();
        // In the server's words (the session's own note would give CLI advice): proof the job process answered.
        assertEquals(body.rosterFrom, { kind: "export", note: "the export changed since the workspace was built" });
        const direct = await lookupPerson({
          customerId: CUSTOMER,
          settingsDir,
          query: { kind: "student", key: student },
          env,
          auditor: null,
        });
        assertEquals(body.findings, direct.findings);
        const stale = await (await get(app, `/customers/${CUSTOMER}/students/${student}`)).text();
        assertMatch(
          stale,
          /Roster read from the export in [\d.]+ s,\s+the platform in [\d.]+ s\. Why not the workspace: the export changed/,
        );
      });
      assertEquals(await writableElsewhere(workspace.dir, CUSTOMER), true, "closed with the server");
    });
  },
});

Deno.test({
  name:
    "a workspace that fails under a lookup (a table gone) is left for the export: the server's job process and the CLI answer and say why, and the file is let go",
  ...opts,
  fn: async () => {
    await withBuiltWorkspace(200, async (ctx) => {
      const { settingsDir, env, planted, workspace } = ctx;
      const query = studentQuery(planted);
      // The damage shows only mid-lookup: the roster's state is intact, the family walk's table is gone.
      const damaged = await openWorkspace(workspace.dir, CUSTOMER, { write: true });
      try {
        await damaged.db.run("drop table user_agents");
      } finally {
        damaged.close();
      }
      const direct = await lookupPerson({ customerId: CUSTOMER, settingsDir, query, env, auditor: null });
      assert(direct.findings.length > 0);

      const cli = await lookupPerson({ customerId: CUSTOMER, settingsDir, query, env, auditor: null, workspace });
      assertEquals(cli.rosterFrom?.kind, "export");
      assertMatch(cli.rosterFrom?.note ?? "", /could not be read: .*user_agents.*; read the export instead/s);
      assertEquals(cli.findings, direct.findings);

      const session = await openLookupSession({ customerId: CUSTOMER, settingsDir, env, auditor: null, workspace });
      try {
        assertEquals((await session.lookup(query)).rosterFrom?.kind, "export");
        assertEquals(await writableElsewhere(workspace.dir, CUSTOMER), true, "the session let the damaged file go");
      } finally {
        await session.close();
      }

      await withWorkspaceServer(ctx, workspace.dir, async (app) => {
        const body = await (await get(app, `/api/customers/${CUSTOMER}/students/${query.key}`)).json();
        assertEquals(body.rosterFrom, {
          kind: "export",
          note: "the workspace could not be opened or read (the server log says why)",
        });
        assertEquals(body.findings, direct.findings);
        assertEquals(await writableElsewhere(workspace.dir, CUSTOMER), true, "the server let the damaged file go");
      });
    });
  },
});

Deno.test({
  name:
    "a lookup the workspace takes long to refuse gets what is left of its deadline in its job process, not a fresh one",
  ...opts,
  fn: async () => {
    await withDistrict(200, async (ctx) => {
      const { key } = studentQuery(ctx.planted);
      // Workspaces that spend 2 of the request's 3 seconds before they refuse.
      const SlowToRefuse = refusingAfter(2_000);
      // The job's platform read waits on the lock until its deadline stops it.
      const lock = await lockStudents(ctx.env.STAGING_DATABASE_URL);
      try {
        await withWorkspaceServer(
          ctx,
          join(ctx.dir, "ws"),
          async (app) => {
            const t0 = performance.now();
            const res = await ask(app, `/api/customers/${CUSTOMER}/students/${key}`);
            const seconds = (performance.now() - t0) / 1000;
            const body = await res.json();
            assertEquals(body.error?.code ?? body.code, "limit.exceeded", JSON.stringify(body));
            // A fresh deadline would end it at 2 + 3 s; what was left ends it at about 3 s.
            assert(seconds >= 2.9 && seconds < 4.5, `answered after ${seconds.toFixed(2)} s`);
          },
          { concurrency: 2, queue: 8, deadlineMs: 3_000 },
          undefined,
          SlowToRefuse,
        );
        // Refused after the whole deadline: no job process is started for nobody.
        await withWorkspaceServer(
          ctx,
          join(ctx.dir, "ws"),
          async (app) => {
            const res = await ask(app, `/api/customers/${CUSTOMER}/students/${key}`);
            const text = await res.text();
            assertMatch(text, /limit\.exceeded/);
            assertMatch(text, /went past its deadline \(1\.5 s\) before a job process could start/);
          },
          { concurrency: 2, queue: 8, deadlineMs: 1_500 },
          undefined,
          SlowToRefuse,
        );
      } finally {
        await lock.release();
      }
    });
  },
});

Deno.test({
  name:
    "a lookup the workspace declined answers at the request's deadline: resolving the platform's credentials and waiting in the queue count",
  ...opts,
  fn: async () => {
    await withDistrict(200, async (ctx) => {
      const { settings } = await loadSettings(ctx.settingsDir, CUSTOMER);
      const Refuses = refusingAfter(0);
      /** A resolver that takes 2 s, as a secrets store may. */
      class SlowResolver extends CredentialResolver {
        override async databaseUrl(env: "staging" | "production") {
          await sleep(2_000);
          return await super.databaseUrl(env);
        }
      }
      const service = (resolver: CredentialResolver, concurrency: number, pool: PlatformPool) =>
        new JobService({
          settingsDir: ctx.settingsDir,
          pool,
          resolver,
          cacheSeconds: 0,
          queue: new JobQueue({ concurrency, queue: 8 }),
          limits: { memoryMb: 1024, deadlineMs: 3_000 },
          workspaces: new Refuses({ dir: join(ctx.dir, "ws"), settingsDir: ctx.settingsDir, pool, deadlineMs: 3_000 }),
        });
      const timed = async (p: Promise<unknown>) => {
        const t0 = performance.now();
        const outcome = await p.then(() => "answered", (e) => e.code ?? String(e));
        return { outcome, seconds: (performance.now() - t0) / 1000 };
      };
      const query = { kind: "student", key: "x" } as const;
      // The job's platform read waits on the lock until its deadline stops it.
      const lock = await lockStudents(ctx.env.STAGING_DATABASE_URL);
      const pool = new PlatformPool({ resolver: new CredentialResolver({ env: ctx.env }) });
      try {
        const slow = await timed(
          service(new SlowResolver({ env: ctx.env }), 2, pool).lookup(settings, "staging", query),
        );
        assertEquals(slow.outcome, "limit.exceeded");
        // 2 s resolving, then what is left of 3: about 3 s in all, not 2 + 3.
        assert(slow.seconds < 4, `answered after ${slow.seconds.toFixed(2)} s`);

        const one = service(new CredentialResolver({ env: ctx.env }), 1, pool);
        const ahead = [DEFAULT_TOOLS, [...DEFAULT_TOOLS].reverse()].map((tools) =>
          one.diagnose(settings, "staging", tools, true).catch(() => {})
        );
        const waiting = await timed(one.lookup(settings, "staging", query));
        assertEquals(waiting.outcome, "limit.exceeded");
        // Two 3 s diagnoses ahead of it: answered at its own deadline, not when a slot comes at 6 s.
        assert(waiting.seconds < 4, `answered after ${waiting.seconds.toFixed(2)} s`);
        await Promise.all(ahead);
      } finally {
        await lock.release();
        await pool.close();
      }
    });
  },
});

Deno.test({
  name:
    "a workspace that fails under a lookup of a REST customer gives its own error: there is no export to read instead",
  ...opts,
  fn: async () => {
    const loaded = await loadSettings("customer-integration-settings", "demo-isd");
    const settings = {
      ...loaded.settings,
      source: { kind: "oneroster-rest", baseUrl: "https://sis.invalid/ims/oneroster/v1p1", credentials: "x" },
    } as unknown as Settings;
    const broken = () =>
      Promise.reject(
        new WorkspaceCannotAnswer("unavailable", "the workspace ws/demo-isd.duckdb could not be read: gone"),
      );
    const source = {
      from: "workspace" as const,
      classMembers: broken,
      targets: broken,
      usersById: broken,
      close: broken,
      slice: broken,
    };
    let told: string | undefined;
    const e = await assertRejects(
      () =>
        lookupWith(
          {
            customerId: "demo-isd",
            settingsDir: "customer-integration-settings",
            query: { kind: "student", key: "stu-1" },
            auditor: null,
          },
          { ...loaded, settings },
          { source, readAt: "2026-12-01T00:00:00Z", current: () => Promise.resolve(true), close() {} },
          (failed) => told = failed.reason,
        ),
      WorkspaceCannotAnswer,
    );
    assertMatch(e.message, /could not be read: gone/);
    assertEquals(told, undefined, "no fallback was taken");
  },
});

Deno.test({
  name:
    "lookups that keep coming let the workspace go now and then: a diagnosis elsewhere, waiting as it does, gets to store into it",
  ...opts,
  fn: async () => {
    await withBuiltWorkspace(200, async ({ settingsDir, planted, workspace, settings, pool }) => {
      const query = studentQuery(planted);
      const lookups = new WorkspaceLookups({
        dir: workspace.dir,
        settingsDir,
        pool,
        deadlineMs: 60_000,
        idleMs: 1_000,
      });
      const from: string[] = [];
      let steady = true;
      // Back to back for as long as the other process tries, and then until a few have been answered (a loaded
      // machine answers fewer in the meantime): the session is never idle.
      const stream = (async () => {
        while (steady || from.length < 6) {
          from.push(
            await lookups.lookup(settings, "staging", query).then(
              (r) => r.rosterFrom!.kind,
              (e) => e instanceof WorkspaceCannotAnswer ? e.reason : String(e),
            ),
          );
        }
      })();
      let meanwhile = 0;
      try {
        await sleep(300);
        assertEquals(await writableElsewhere(workspace.dir, CUSTOMER, 4_000), true, "the writer got its turn");
        meanwhile = from.length;
      } finally {
        steady = false;
        await stream;
        await lookups.close();
      }
      assert(meanwhile >= 1, "lookups were answered while the writer waited");
      assertEquals(from.filter((f) => f !== "workspace" && f !== "unavailable"), [], from.join(" "));
      assertEquals(from.at(-1), "workspace", "and the lookups went on from the workspace");
    });
  },
});

Deno.test({
  name: "without a workspace for the customer, the server's lookup reads the export in a job process and says why",
  ...opts,
  fn: async () => {
    await withDistrict(200, async (ctx) => {
      const student = String(ctx.planted.find((p) => p.code === "transfer.campus_not_updated")!.entity.sourcedId);
      await withWorkspaceServer(ctx, join(ctx.dir, "empty-ws"), async (app) => {
        const body = await (await get(app, `/api/customers/${CUSTOMER}/students/${student}`)).json();
        assertEquals(body.rosterFrom, { kind: "export", note: "no workspace holds this customer's roster" });
        assert(body.findings.length > 0);
      });
    });
  },
});

Deno.test({
  name:
    "the server's workspace lookups keep a bounded number of sessions, close those they push out, and follow a settings change",
  ...opts,
  fn: async () => {
    await withBuiltWorkspace(200, async ({ dir, exportDir, settingsDir, planted, workspace, settings, pool }) => {
      const query = studentQuery(planted);
      const lookups = new WorkspaceLookups({
        dir: workspace.dir,
        settingsDir,
        pool,
        deadlineMs: 60_000,
        maxSessions: 1,
        idleMs: 60_000,
      });
      try {
        assertEquals((await lookups.lookup(settings, "staging", query)).rosterFrom?.kind, "workspace");
        // Settings changed on disk make a new session: one that reads another export is not answered from here.
        await Deno.mkdir(join(dir, "export-copy"));
        for await (const f of Deno.readDir(exportDir)) {
          await Deno.copyFile(join(exportDir, f.name), join(dir, "export-copy", f.name));
        }
        const moved = { ...settings, source: { ...settings.source, path: "../export-copy" } } as typeof settings;
        const e = await assertRejects(() => lookups.lookup(moved, "staging", query), WorkspaceCannotAnswer);
        assertEquals(e.reason, "settings");
        const renamed = { ...settings, customer_name: "Renamed USD" };
        assertEquals((await lookups.lookup(renamed, "staging", query)).rosterFrom?.kind, "workspace");
        assertEquals(lookups.size, 1);
        // Many lookups at once under several settings: none is closed under, each answers from the workspace.
        const names = ["A", "B", "C", "D"].map((n) => ({ ...settings, customer_name: `USD ${n}` }));
        const all = await Promise.all(
          Array.from({ length: 12 }, (_, i) => lookups.lookup(names[i % names.length], "staging", query)),
        );
        assertEquals(all.map((r) => r.rosterFrom?.kind), Array(12).fill("workspace"));
        assertEquals(lookups.size, 1, "back to the bound once they ended");
        // A session that cannot open takes no one's place: the open one is kept.
        await assertRejects(() => lookups.lookup(settings, "production", query), Error);
        assertEquals(lookups.size, 1);
      } finally {
        await lookups.close();
      }
      // The sessions pushed out were closed too (their idle time is a minute): nothing holds the workspace now.
      assertEquals(await writableElsewhere(workspace.dir, CUSTOMER), true);
      const refused = await assertRejects(() => lookups.lookup(settings, "staging", query), Error);
      assertMatch(refused.message, /closed/);
    });
  },
});

Deno.test({
  name:
    "a workspace lookup past its deadline answers limit.exceeded, keeps its job slot until its queries end, and one waiting behind it is never run",
  ...opts,
  fn: async () => {
    await withBuiltWorkspace(200, async ({ settingsDir, env, planted, workspace, settings, pool }) => {
      const query = studentQuery(planted);
      const lookups = new WorkspaceLookups({ dir: workspace.dir, settingsDir, pool, deadlineMs: 1_500 });
      const queue = new JobQueue({ concurrency: 1, queue: 0 });
      const ran: string[] = [];
      const outcomes: string[] = [];
      const slot = (name: string, q = queue) => <T>(run: () => Promise<T>) =>
        q.run(() => {
          ran.push(name);
          return run().then((r) => {
            outcomes.push(`${name}:answered`);
            return r;
          }, (e) => {
            outcomes.push(`${name}:${e.code}`);
            throw e;
          });
        });
      let lock: Awaited<ReturnType<typeof lockStudents>> | undefined;
      try {
        await lookups.lookup(settings, "staging", query, slot("warm"));
        // Another client locks the platform's students: the next lookup's queries wait for it.
        lock = await lockStudents(env.STAGING_DATABASE_URL);
        const outcome = (p: Promise<unknown>) => p.then(() => "answered", (e) => e.code ?? String(e));
        const first = outcome(lookups.lookup(settings, "staging", query, slot("first")));
        await sleep(200);
        const second = outcome(lookups.lookup(settings, "staging", query, slot("second")));
        assertEquals(await first, "limit.exceeded");
        assertEquals(await second, "limit.exceeded");
        // The first lookup's queries still wait on the lock, in its slot: a diagnosis now finds the server busy.
        assertEquals(queue.load.running, 1);
        const busy = await queue.run(() => Promise.resolve("ran")).catch((e) => e.code);
        assertEquals(busy, "server.busy");
        await lock.release();
        for (let i = 0; i < 100 && queue.load.running > 0; i++) await sleep(50);
        assertEquals(queue.load.running, 0, "the slot is free once the queries end");
        await sleep(200);
        assertEquals(ran, ["warm", "first"], "the lookup that waited past its deadline was not run");
        // One waiting for a job slot (held elsewhere) past its deadline does not run when the slot comes.
        const roomy = new JobQueue({ concurrency: 1, queue: 1 });
        let free = () => {};
        const blocker = roomy.run(() => new Promise<void>((r) => free = r));
        const slotWaiter = outcome(lookups.lookup(settings, "staging", query, slot("third", roomy)));
        assertEquals(await slotWaiter, "limit.exceeded");
        free();
        await blocker;
        for (let i = 0; i < 100 && roomy.load.running > 0; i++) await sleep(50);
        assertEquals(outcomes, ["warm:answered", "first:answered", "third:limit.exceeded"]);
      } finally {
        await lock?.release();
        await lookups.close();
      }
    });
  },
});

Deno.test({
  name:
    "the server's workspace lookup holds one of its job slots while it runs: a diagnosis beside it finds the server busy",
  ...opts,
  fn: async () => {
    await withBuiltWorkspace(200, async (ctx) => {
      const { env, workspace } = ctx;
      const { key } = studentQuery(ctx.planted);
      await withWorkspaceServer(ctx, workspace.dir, async (app) => {
        await get(app, `/api/customers/${CUSTOMER}/students/${key}`);
        const lock = await lockStudents(env.STAGING_DATABASE_URL);
        try {
          const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
          const lookup = app.request(`/api/customers/${CUSTOMER}/students/${key}`, auth);
          await sleep(300);
          const diagnosis = await app.request(`/api/customers/${CUSTOMER}/diagnose`, auth);
          assertEquals(diagnosis.status, 503);
          assertEquals((await diagnosis.json()).code, "server.busy");
          const late = await lookup;
          assertEquals([late.status, (await late.json()).code], [500, "limit.exceeded"]);
        } finally {
          // Before the server closes: its close() waits for the lookup that waits on the lock.
          await lock.release();
        }
      }, { concurrency: 1, queue: 0, deadlineMs: 1_500 });
    });
  },
});

Deno.test({
  name:
    "a lookup that reaches more rows than the server reads in its own process is answered by a job process, under its heap budget",
  ...opts,
  fn: async () => {
    await withBuiltWorkspace(200, async (ctx) => {
      const { settingsDir, env, planted, workspace, settings, pool } = ctx;
      const lookups = new WorkspaceLookups({ dir: workspace.dir, settingsDir, pool, deadlineMs: 60_000, maxRows: 50 });
      try {
        // A name search of one letter matches most students: stopped at the bound, not read.
        const e = await assertRejects(
          () => lookups.lookup(settings, "staging", { kind: "student", key: "a" }),
          WorkspaceCannotAnswer,
        );
        assertEquals([e.reason, e.message], ["large", "the lookup reaches more than 50 people"]);
        // A student's family past the bound: refused on the walk, before the platform is read.
        const two = new WorkspaceLookups({ dir: workspace.dir, settingsDir, pool, deadlineMs: 60_000, maxRows: 2 });
        try {
          const f = await assertRejects(
            () => two.lookup(settings, "staging", studentQuery(planted)),
            WorkspaceCannotAnswer,
          );
          assertEquals(f.message, "the lookup reaches more than 2 people in the family");
          // A session that cannot open (production is not configured) is forgotten, not kept.
          await assertRejects(() => two.lookup(settings, "production", studentQuery(planted)), Error);
          assertEquals(two.size, 1);
        } finally {
          await two.close();
        }
        const big = await firstClassOver(workspace.dir, 10);
        const small = new WorkspaceLookups({ dir: workspace.dir, settingsDir, pool, deadlineMs: 60_000, maxRows: 10 });
        try {
          const c = await assertRejects(
            () => small.lookup(settings, "staging", { kind: "class", key: big }),
            WorkspaceCannotAnswer,
          );
          assertEquals(c.message, "the lookup reaches more than 10 class members");
        } finally {
          await small.close();
        }
        // One student and their family, within the bound, is answered here.
        assertEquals((await lookups.lookup(settings, "staging", studentQuery(planted))).rosterFrom?.kind, "workspace");
      } finally {
        await lookups.close();
      }
      const { key } = studentQuery(planted);
      await withWorkspaceServer(
        ctx,
        workspace.dir,
        async (app) => {
          const body = await (await get(app, `/api/customers/${CUSTOMER}/students/${key}`)).json();
          assertEquals(body.rosterFrom, {
            kind: "export",
            note: "the lookup reaches more rows than the server reads in its own process",
          });
          const direct = await lookupPerson({
            customerId: CUSTOMER,
            settingsDir,
            query: studentQuery(planted),
            env,
            auditor: null,
          });
          assertEquals(body.findings, direct.findings);
        },
        undefined,
        3,
      );
    });
  },
});

Deno.test({
  name:
    "a lookup from the workspace counts the export's orgs, issues and rejected rows before reading them, and stops past the bound",
  ...opts,
  fn: async () => {
    await withBuiltWorkspace(
      200,
      async ({ settingsDir, planted, workspace, settings, pool }) => {
        const base = { dir: workspace.dir, settingsDir, pool, deadlineMs: 60_000 };
        const tight = new WorkspaceLookups({ ...base, maxRows: 250 });
        const roomy = new WorkspaceLookups({ ...base, maxRows: 2_000 });
        try {
          const e = await assertRejects(
            () => tight.lookup(settings, "staging", studentQuery(planted)),
            WorkspaceCannotAnswer,
          );
          assertEquals(e.message, "the lookup reaches more than 250 orgs, issues and rejected rows of the export");
          const r = await roomy.lookup(settings, "staging", studentQuery(planted));
          assertEquals(r.rosterFrom?.kind, "workspace");
          assertEquals(r.roster.rejected.filter((x) => x.sourcedId.startsWith("enr-bad-")).length, 300);
        } finally {
          await tight.close();
          await roomy.close();
        }
      },
      async ({ exportDir }) => {
        // 300 enrollments with an id but no class or user: each one a rejected row the reader keeps, and every lookup
        // reads (with the export's issues and orgs).
        const enrollments = join(exportDir, "enrollments.csv");
        const text = await Deno.readTextFile(enrollments);
        const header = text.slice(0, text.indexOf("\n")).replace(/^\uFEFF/, "").trim().split(",");
        const bad = (n: number) =>
          header.map((h) => h === "sourcedId" ? `enr-bad-${n}` : h === "status" ? "active" : "");
        const rows = Array.from({ length: 300 }, (_, n) => bad(n).join(","));
        const eol = text.includes("\r\n") ? "\r\n" : "\n";
        await Deno.writeTextFile(enrollments, `${text.trimEnd()}${eol}${rows.join(eol)}${eol}`);
      },
    );
  },
});

Deno.test({
  name: "the server built from its environment (deno task serve) answers lookups from CDT_WORKSPACE_DIR",
  ...opts,
  fn: async () => {
    await withBuiltWorkspace(200, async ({ dir, settingsDir, env, planted, workspace }) => {
      const tokens = join(dir, "server-tokens.json");
      await Deno.writeTextFile(
        tokens,
        JSON.stringify([{ name: "eng", sha256: await sha256Hex(TOKEN), role: "engineer" }]),
      );
      const server = await buildServer({
        ...env,
        CDT_SETTINGS_DIR: settingsDir,
        CDT_SERVER_TOKENS: tokens,
        CDT_WORKSPACE_DIR: workspace.dir,
        CDT_HISTORY_DIR: join(dir, "history"),
        CDT_AUDIT_LOG: join(dir, "audit.jsonl"),
        CDT_APP_LOG: join(dir, "app.log"),
      });
      try {
        const { key } = studentQuery(planted);
        const res = await ask(server.app, `/api/customers/${CUSTOMER}/students/${key}`);
        assertEquals(res.status, 200);
        assertEquals((await res.json()).rosterFrom.kind, "workspace");
        // The server's own connections answer these lookups: their statements end before a lookup's deadline.
        const conn = await server.pool.get("staging");
        assertEquals(conn.sql.options.connection.statement_timeout, 105_000);
      } finally {
        await server.close();
      }
      assertEquals(await writableElsewhere(workspace.dir, CUSTOMER), true, "let go when the server closes");
    });
  },
});

Deno.test({
  name: "a session a lookup is running on is not pushed out: the sessions shrink back to their bound once it ends",
  ...opts,
  fn: async () => {
    await withBuiltWorkspace(200, async ({ settingsDir, env, planted, workspace, settings, pool }) => {
      const query = studentQuery(planted);
      const base = { dir: workspace.dir, settingsDir, pool, deadlineMs: 60_000, maxSessions: 1 };
      const lookups = new WorkspaceLookups(base);
      // Both lookups' platform queries wait on a lock another client holds: both sessions are in use.
      const lock = await lockStudents(env.STAGING_DATABASE_URL);
      try {
        const a = lookups.lookup({ ...settings, customer_name: "A" }, "staging", query);
        await sleep(300);
        const b = lookups.lookup({ ...settings, customer_name: "B" }, "staging", query);
        await sleep(300);
        assertEquals(lookups.size, 2, "the first session, still in use, is kept beside the second");
        await lock.release();
        assertEquals([(await a).rosterFrom?.kind, (await b).rosterFrom?.kind], ["workspace", "workspace"]);
        assertEquals(lookups.size, 1);
      } finally {
        await lock.release();
        await lookups.close();
      }
    });
  },
});

Deno.test({
  name:
    "lookups past the queue's room are refused at once with 503 and Retry-After, though a customer's session would take them all",
  ...opts,
  fn: async () => {
    await withBuiltWorkspace(200, async (ctx) => {
      const { key } = studentQuery(ctx.planted);
      // The platform's student queries wait on a lock: the lookups taken pile up in the session.
      const lock = await lockStudents(ctx.env.STAGING_DATABASE_URL);
      try {
        await withWorkspaceServer(
          ctx,
          ctx.workspace.dir,
          async (app) => {
            const asked = Array.from({ length: 8 }, () => ask(app, `/api/customers/${CUSTOMER}/students/${key}`));
            await sleep(1_000);
            await lock.release();
            const answers = await Promise.all(asked);
            const statuses = answers.map((r) => r.status).sort();
            // One running and one waiting are taken; the other six are told to come back.
            assertEquals(statuses, [200, 200, 503, 503, 503, 503, 503, 503], JSON.stringify(statuses));
            const refused = answers.find((r) => r.status === 503)!;
            assert(Number(refused.headers.get("retry-after")) >= 1);
            for (const r of answers) await r.body?.cancel();
          },
          { concurrency: 1, queue: 1, deadlineMs: 30_000 },
        );
      } finally {
        await lock.release();
      }
    });
  },
});
