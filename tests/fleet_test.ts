import postgres from "postgres";
import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { join } from "node:path";
import { NO_STATE_SERVER, withStateDatabase } from "./helpers/state-db.ts";
import { withCustomer } from "./helpers/customer.ts";
import { fleetSettings, QUEUE, QUEUE_SCHEMA } from "../lib/fleet/config.ts";
import { enqueue, openFleet } from "../lib/fleet/queue.ts";
import { fleetStatus } from "../lib/fleet/status.ts";
import { diagnoseCustomer } from "../lib/app/diagnose.ts";
import { openDatabaseHistory } from "../lib/history/pg-store.ts";
import { findingKey } from "../lib/history/record.ts";

const WORKER = new URL("../tools/worker.ts", import.meta.url).pathname;
const FLEET = new URL("../tools/fleet.ts", import.meta.url).pathname;
const NIGHT = "2026-11-26";

/** A worker process and what it has logged so far. */
function startWorker(env: Record<string, string>, args: string[] = ["--exit-when-idle"]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", WORKER, ...args],
    env: { NO_COLOR: "1", ...env },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let log = "";
  const reading = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) log += chunk;
  })();
  return {
    child,
    log: () => log,
    /** Waits for the worker to exit on its own, at most `ms`. */
    async exit(ms: number) {
      const timer = setTimeout(() => child.kill("SIGKILL"), ms);
      const status = await child.status;
      clearTimeout(timer);
      await reading;
      return status;
    },
  };
}

async function waitFor(what: string, ms: number, test: () => boolean | Promise<boolean>): Promise<void> {
  const until = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test({
  name: "enqueuing a customer twice for one night queues one job, even after it finished",
  ignore: !!NO_STATE_SERVER,
  fn: () =>
    withStateDatabase(async (url) => {
      const fleet = await openFleet(fleetSettings({ CDT_STATE_DATABASE_URL: url }));
      try {
        const first = await enqueue(fleet, ["lincoln-usd", "adams-isd"], { night: NIGHT });
        assert(first.every((e) => e.jobId), "the first enqueue queues both");
        const second = await enqueue(fleet, ["lincoln-usd", "adams-isd"], { night: NIGHT });
        assertEquals(second.map((e) => e.jobId), [null, null]);
        const [job] = await fleet.boss.fetch(QUEUE);
        await fleet.boss.complete(QUEUE, job.id, {});
        assertEquals(
          (await enqueue(fleet, [(job.data as { customer: string }).customer], { night: NIGHT }))[0].jobId,
          null,
        );
        assertEquals((await fleet.boss.findJobs(QUEUE)).length, 2);
        // The same night enqueued again on a later day (pg-boss's singleton window is one UTC day): still one job.
        const sql = postgres(url, { max: 1, onnotice: () => {} });
        try {
          await sql`update ${
            sql(QUEUE_SCHEMA)
          }.job set singleton_on = singleton_on - interval '2 days' where name = ${QUEUE}`;
        } finally {
          await sql.end();
        }
        assertEquals((await enqueue(fleet, ["lincoln-usd", "adams-isd"], { night: NIGHT })).map((e) => e.jobId), [
          null,
          null,
        ]);
        assertEquals((await fleet.boss.findJobs(QUEUE)).length, 2);
        // Another night, or another environment, is another job.
        assert((await enqueue(fleet, ["lincoln-usd"], { night: "2026-11-27" }))[0].jobId);
        assert((await enqueue(fleet, ["lincoln-usd"], { night: NIGHT, environment: "production" }))[0].jobId);
      } finally {
        await fleet.stop({ graceful: false });
      }
    }),
});

Deno.test({
  name:
    "two workers: the healthy customer ends done with the findings of a direct diagnose, the broken one failed naming its missing export",
  ignore: !!NO_STATE_SERVER,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withStateDatabase((url) =>
      withCustomer({ customerId: "lincoln-usd", students: 200 }, async (c) => {
        const missingPath = join(c.dir, "exports", "broken-isd", "latest.zip");
        await Deno.writeTextFile(
          join(c.settingsDir, "broken-isd.json"),
          JSON.stringify({
            customer_id: "broken-isd",
            customer_name: "Broken ISD",
            integration_type: "oneroster-csv",
            oneshelf_environment: "staging",
            source: { kind: "oneroster-csv", path: missingPath },
          }),
        );
        const env = {
          ...c.env,
          CDT_STATE_DATABASE_URL: url,
          CDT_SETTINGS_DIR: c.settingsDir,
          CDT_FLEET_RETRY_LIMIT: "1",
          CDT_FLEET_RETRY_DELAY_SECONDS: "1",
          CDT_FLEET_SUPERVISE_SECONDS: "1",
          CDT_FLEET_DEADLINE_SECONDS: "120",
          CDT_FLEET_EXPIRE_SECONDS: "150",
        };
        const enq = await new Deno.Command(Deno.execPath(), {
          args: ["run", "--allow-all", FLEET, "enqueue", "--all", "--night", NIGHT],
          env,
          stdout: "piped",
          stderr: "piped",
        }).output();
        assertEquals(enq.code, 0, new TextDecoder().decode(enq.stderr));

        const workers = [startWorker(env), startWorker(env)];
        const statuses = await Promise.all(workers.map((w) => w.exit(180_000)));
        for (const [i, s] of statuses.entries()) assertEquals(s.code, 0, `worker ${i}: ${workers[i].log()}`);

        const status = await new Deno.Command(Deno.execPath(), {
          args: ["run", "--allow-all", FLEET, "status", "--format", "json"],
          env,
          stdout: "piped",
          stderr: "piped",
        }).output();
        const rows = JSON.parse(new TextDecoder().decode(status.stdout));
        const direct = await diagnoseCustomer({
          customerId: c.customerId,
          settingsDir: c.settingsDir,
          env: c.env,
          auditor: null,
        });
        const healthy = rows.find((r: { customer: string }) => r.customer === "lincoln-usd");
        const broken = rows.find((r: { customer: string }) => r.customer === "broken-isd");
        assertEquals(healthy.state, "done", workers.map((w) => w.log()).join("\n"));
        assertEquals(healthy.findings, direct.report.findings.length);
        assertEquals(healthy.error, null);
        assertMatch(healthy.finishedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
        assertEquals(broken.state, "failed");
        assert(broken.error.includes(missingPath), `the error names the missing path: ${broken.error}`);
        assertEquals(broken.findings, null);
        assertEquals(Object.keys(healthy), [
          "customer",
          "environment",
          "night",
          "state",
          "findings",
          "new",
          "resolved",
          "error",
          "finishedAt",
        ]);

        // Exactly the findings of the direct diagnosis are in the history.
        const history = await openDatabaseHistory(url);
        try {
          const [run] = await history.runs("lincoln-usd");
          const recorded = await history.load(run.id);
          assertEquals(recorded!.findings.map((f) => f.key).sort(), direct.report.findings.map(findingKey).sort());
          assertEquals(await history.runs("broken-isd"), []);
        } finally {
          await history.close();
        }
        // Both workers took part or one took both: either way each job ran to its end once.
        const log = workers.map((w) => w.log()).join("\n");
        assertEquals(log.match(/: done in /g)?.length, 1, log);
      })
    ),
});

Deno.test({
  name: "a worker killed with SIGKILL mid-job loses nothing: the job expires and another worker finishes it",
  ignore: !!NO_STATE_SERVER,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withStateDatabase((url) =>
      withCustomer({ customerId: "lincoln-usd", students: 200 }, async (c) => {
        const env = {
          ...c.env,
          CDT_STATE_DATABASE_URL: url,
          CDT_SETTINGS_DIR: c.settingsDir,
          CDT_FLEET_RETRY_LIMIT: "2",
          CDT_FLEET_RETRY_DELAY_SECONDS: "1",
          CDT_FLEET_SUPERVISE_SECONDS: "1",
          CDT_FLEET_DEADLINE_SECONDS: "15",
          CDT_FLEET_EXPIRE_SECONDS: "16",
        };
        const fleet = await openFleet(fleetSettings(env));
        try {
          await enqueue(fleet, ["lincoln-usd"], { night: NIGHT });
          const first = startWorker(env, []);
          await waitFor("the first worker to start the job", 60_000, () => first.log().includes(": started"));
          first.child.kill("SIGKILL");
          await first.exit(10_000);
          assertEquals((await fleetStatus(fleet))[0].state, "running", "the killed worker's job is still held");

          const second = startWorker(env);
          const status = await second.exit(120_000);
          assertEquals(status.code, 0, second.log());
          const [row] = await fleetStatus(fleet);
          assertEquals(row.state, "done", second.log());
          assertMatch(second.log(), /started \(attempt 2\)/);
          const history = await openDatabaseHistory(url);
          try {
            assertEquals((await history.runs("lincoln-usd")).length, 1, "recorded once");
          } finally {
            await history.close();
          }
        } finally {
          await fleet.stop({ graceful: false });
        }
      })
    ),
});
