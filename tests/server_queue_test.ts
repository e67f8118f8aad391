import { assertEquals, assertRejects } from "./helpers/assert.ts";
import { JobQueue } from "../server/jobs/queue.ts";
import { CodedError } from "../lib/errors.ts";

Deno.test("a job whose signal aborts while it waits leaves the queue: it never runs, and the slot goes to the next", async () => {
  const queue = new JobQueue({ concurrency: 1, queue: 2 });
  const ran: string[] = [];
  let free = () => {};
  const first = queue.run(() => new Promise<void>((r) => free = r).then(() => void ran.push("first")));
  const controller = new AbortController();
  const leaving = queue.run(() => Promise.resolve(void ran.push("leaving")), controller.signal);
  const next = queue.run(() => Promise.resolve(void ran.push("next")));
  assertEquals(queue.load, { running: 1, waiting: 2 });
  controller.abort(new CodedError("limit.exceeded", "past its deadline"));
  const e = await assertRejects(() => leaving, CodedError);
  assertEquals(e.code, "limit.exceeded");
  assertEquals(queue.load, { running: 1, waiting: 1 }, "it left the queue at once");
  free();
  await Promise.all([first, next]);
  assertEquals(ran, ["first", "next"]);
  assertEquals(queue.load, { running: 0, waiting: 0 });
  // Aborted already: refused before it takes a place.
  await assertRejects(() => queue.run(() => Promise.resolve(), AbortSignal.abort(new Error("gone"))), Error);
  assertEquals(queue.load, { running: 0, waiting: 0 });
});
