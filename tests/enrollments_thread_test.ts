/**
 * enrollments.csv read in a worker (enrollments-thread.ts) gives what the
 * main thread's own read gives: the same roster, rows, issues, refused rows
 * in the same places, and the same errors.
 */
import { join } from "node:path";
import { Readable } from "node:stream";
import { zipSync } from "fflate";
import { assert, assertEquals, assertRejects } from "./helpers/assert.ts";
import { HEADERS, MINIMAL_11, withTempDir } from "./helpers/bundle.ts";
import { readOneRosterCsv, type ReadOptions, THREAD_FROM_BYTES } from "../lib/sources/oneroster-csv/read.ts";
import { deflated, writeZip } from "./helpers/hostile-files.ts";
import { BATCH_ROWS } from "../lib/sources/oneroster-csv/enrollment-batches.ts";
import { readEnrollmentsInWorker } from "../lib/sources/oneroster-csv/enrollments-thread.ts";
import { openBundle } from "../lib/sources/oneroster-csv/bundle.ts";
import { IssueCollector } from "../lib/model/issues.ts";
import { DEFAULT_LIMITS, LimitError } from "../lib/sources/limits.ts";
import { SourceError } from "../lib/sources/errors.ts";
import type { Enrollment, Roster } from "../lib/model/roster.ts";
import { runJob } from "../server/jobs/run.ts";
import type { DiagnoseResult } from "../server/jobs/protocol.ts";
import { diagnoseCustomer } from "../lib/app/diagnose.ts";

const ROWS = 2 * BATCH_ROWS + 5_000;

/** An export whose enrollments.csv spans three batches, with dirt in each and across their edges. */
function dirtyExport(): Record<string, string> {
  const users = [HEADERS.users];
  for (let s = 1; s <= 3_000; s++) users.push(`stu-${s},active,,true,sch-1,student,s${s},,Ana,Ruiz,,${s},,,,,03,`);
  users.push("tch-1,active,,true,sch-1,teacher,li,,Li,Lee,,T1,li@example.org,,,,,");
  users.push("bad-user,active,,true,sch-1,wizard,w,,W,W,,W,,,,,,"); // refused: before enrollments' refusals
  const classes = [HEADERS.classes];
  for (let c = 1; c <= 400; c++) classes.push(`cls-${c},active,,Reading ${c},03,crs-1,R${c},scheduled,,sch-1,t1,,,`);
  const enrollments = [`${HEADERS.enrollments},metadata.note`];
  for (let i = 1; i <= ROWS; i++) {
    const cls = `cls-${1 + Math.floor(i / 400) % 400}`;
    let user = `stu-${1 + (i * 7) % 3_200}`; // some are not in users.csv
    let role = "student";
    let primary = "";
    let status = i % 11 === 0 ? "tobedeleted" : i % 5 === 0 ? "" : "active";
    let begin = "2026-08-01";
    let end = "2027-06-15";
    let id = `enr-${i}`;
    let note = "";
    if (i % 400 === 1) [user, role, primary] = ["tch-1", "teacher", i % 800 === 1 ? "TRUE" : "false"];
    if (i % 9_973 === 0) role = "wizard"; // refused
    if (i % 12_345 === 0) id = `enr-${i - BATCH_ROWS + 17}`; // a repeat, from an earlier batch when it can
    if (i % 7_919 === 0) begin = "2026-13-45"; // a date that is not one
    if (i % 3_001 === 0) status = "Inactive";
    if (i % 4_999 === 0) note = "late \u00e9t\u00e9";
    if (i % 6_007 === 0) end = "";
    enrollments.push(`${id},${status},,${cls},sch-1,${user},${role},${primary},${begin},${end},${note}`);
  }
  // A quoted field with a line break near the end: the reader hands over to csv-parse there.
  enrollments.push('enr-quoted,active,,cls-1,sch-1,stu-1,student,,2026-08-01,2027-06-15,"two\nlines"');
  enrollments.push("enr-last,active,,cls-2,sch-1,stu-2,student,,,,");
  return {
    "manifest.csv": MINIMAL_11["manifest.csv"],
    "orgs.csv": MINIMAL_11["orgs.csv"],
    "users.csv": users.join("\n") + "\n",
    "classes.csv": classes.join("\n") + "\n",
    "enrollments.csv": enrollments.join("\r\n").replaceAll("two\r\nlines", "two\nlines") + "\r\n",
  };
}

async function writeExport(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(join(dir, name), text);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * {@link dirtyExport} written to `dir` and read on this thread (`here`), and its enrollments.csv read by a worker
 * that nothing takes from yet; `finished` resolves once the worker has read the whole file.
 */
async function dirtyExportInWorker(dir: string) {
  await writeExport(dir, dirtyExport());
  const here = await readOneRosterCsv(dir, { enrollmentsThread: "never" });
  const bundle = await openBundle(dir);
  let workerDone = false;
  const thread = readEnrollmentsInWorker("enrollments.csv", () => bundle.open("enrollments.csv"), {
    location: dir,
    version: "1.1",
    limits: bundle.limits,
    tolerateMissing: false,
    onProgress: (_rows, done) => workerDone ||= done,
  });
  const finished = async () => {
    while (!workerDone) await pause(20);
  };
  return { here, thread, finished };
}

/** Reads `path` both ways; the worker is asked for, whatever the file's size. */
async function bothWays(path: string, options: ReadOptions = {}): Promise<{ here: Roster; worker: Roster }> {
  const here = await readOneRosterCsv(path, { ...options, enrollmentsThread: "never" });
  const worker = await readOneRosterCsv(path, { ...options, enrollmentsThread: "always" });
  return { here, worker };
}

Deno.test("a worker reads enrollments.csv into the same rows, issues and refused rows as the main thread", async () => {
  await withTempDir(async (dir) => {
    await writeExport(dir, dirtyExport());
    const { here, worker } = await bothWays(dir);
    assert(here.enrollments.length > 2 * BATCH_ROWS, "three batches");
    assertEquals(worker.enrollments, here.enrollments);
    assertEquals([...worker.enrollments], [...here.enrollments]);
    assertEquals(worker.issues, here.issues);
    // users.csv's refusal, then enrollments.csv's: where the main thread puts them.
    assertEquals(worker.rejected, here.rejected);
    assertEquals(here.rejected.map((r) => r.file).filter((f, i, all) => f !== all[i - 1]), [
      "users.csv",
      "enrollments.csv",
    ]);
    assertEquals(worker, here);
    const kinds = new Set(here.issues.filter((i) => i.file === "enrollments.csv").map((i) => i.kind));
    for (const kind of ["bad_row", "duplicate_id", "lenient_value"]) assert(kinds.has(kind), kind);
  });
});

Deno.test("enrollments streamed from a worker come in file order, after every other file, as the main thread's, with the moment its bytes were all sent", async () => {
  await withTempDir(async (dir) => {
    await writeExport(dir, dirtyExport());
    const streamed = async (thread: "never" | "always") => {
      const rows: Enrollment[] = [];
      const numbers: Array<number | undefined> = [];
      let usersWhenStarted = -1;
      let sent: Promise<void> | undefined;
      const roster = await readOneRosterCsv(dir, {
        enrollmentsThread: thread,
        tolerateMissing: true,
        onEnrollments: (r, bytesSent) => {
          usersWhenStarted = r.users.length + r.classes.length;
          sent = bytesSent;
          return (e, user) => {
            rows.push(e);
            numbers.push(user);
          };
        },
      });
      return { rows, numbers, usersWhenStarted, roster, sent };
    };
    const here = await streamed("never");
    const worker = await streamed("always");
    // From the worker, each row comes with its user's number: one number per id, one id per number.
    assert(here.numbers.every((n) => n === undefined));
    const idOf = new Map<number, string>();
    const numberOf = new Map<string, number>();
    worker.rows.forEach((e, i) => {
      const n = worker.numbers[i]!;
      assert(Number.isInteger(n), `row ${i}: user number ${n}`);
      assertEquals(idOf.get(n) ?? e.userSourcedId, e.userSourcedId);
      assertEquals(numberOf.get(e.userSourcedId) ?? n, n);
      idOf.set(n, e.userSourcedId);
      numberOf.set(e.userSourcedId, n);
    });
    assert(here.rows.length > 2 * BATCH_ROWS);
    assertEquals(worker.rows, here.rows);
    assertEquals(worker.usersWhenStarted, here.usersWhenStarted);
    assertEquals(worker.roster, here.roster);
    assertEquals(worker.roster.enrollments.length, 0);
    // Only a worker's read says when its bytes are all handed over (the taker may then work long between turns).
    assertEquals(here.sent, undefined);
    assert(worker.sent instanceof Promise);
    await worker.sent;
  });
});

Deno.test("a zipped export read with a worker gives the same roster", async () => {
  await withTempDir(async (dir) => {
    const files = dirtyExport();
    const zip = zipSync(Object.fromEntries(Object.entries(files).map(([n, t]) => [n, new TextEncoder().encode(t)])));
    const path = join(dir, "export.zip");
    await Deno.writeFile(path, zip);
    const { here, worker } = await bothWays(path);
    assertEquals(worker, here);
  });
});

Deno.test("the worker's errors are the main thread's: a missing column, a record too long, a file too large", async () => {
  await withTempDir(async (dir) => {
    const files = dirtyExport();
    const noId = files["enrollments.csv"].replace("sourcedId,", "id,");
    await writeExport(dir, { ...files, "enrollments.csv": noId });
    const messageOf = async (thread: "never" | "always", options: ReadOptions = {}) => {
      const e = await assertRejects(
        () => readOneRosterCsv(dir, { ...options, enrollmentsThread: thread }),
        SourceError,
      );
      return { name: e.name, message: e.message, limit: (e as LimitError).limit };
    };
    const missing = await messageOf("never");
    assert(missing.message.includes('"sourcedId"'), missing.message);
    assertEquals(await messageOf("always"), missing);
    // With tolerateMissing, the file is reported and left out, as on the main thread.
    const tolerant = await bothWays(dir, { tolerateMissing: true });
    assertEquals(tolerant.worker, tolerant.here);
    assertEquals(tolerant.here.fileModes.enrollments, "absent");

    await writeExport(dir, {
      ...files,
      "enrollments.csv": files["enrollments.csv"] + `enr-long,${"x".repeat(5000)}\n`,
    });
    const tooLong = await messageOf("never", { limits: { maxRecordBytes: 4096 } });
    assertEquals(tooLong.name, "LimitError");
    assertEquals(await messageOf("always", { limits: { maxRecordBytes: 4096 } }), tooLong);

    const tooLarge = await messageOf("never", { limits: { maxFileBytes: 1024 * 1024 } });
    assertEquals(tooLarge.limit, "maxFileBytes");
    assertEquals(await messageOf("always", { limits: { maxFileBytes: 1024 * 1024 } }), tooLarge);
  });
});

Deno.test("a read that fails in another file ends the worker reading enrollments.csv", async () => {
  await withTempDir(async (dir) => {
    const files = dirtyExport();
    await writeExport(dir, files);
    // A first worker (whose modules load slowly in a fresh test process), so the next one reads at once.
    await readOneRosterCsv(dir, { enrollmentsThread: "always" });
    await writeExport(dir, { ...files, "users.csv": files["users.csv"].replace("sourcedId,", "id,") });
    let failed = false;
    let readAfter = 0;
    const e = await assertRejects(
      () =>
        readOneRosterCsv(dir, {
          enrollmentsThread: "always",
          onProgress: (p) => {
            if (failed && p.file === "enrollments.csv") readAfter++;
          },
        }),
      SourceError,
    );
    failed = true;
    assert(e.message.startsWith("users.csv"), e.message);
    // A worker left running would go on reading (and telling its progress) for a while.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assertEquals(readAfter, 0);
  });
});

Deno.test("rows a worker read before anything took them wait for the taker, even once the worker is done", async () => {
  await withTempDir(async (dir) => {
    const { here, thread, finished } = await dirtyExportInWorker(dir);
    await finished();
    await pause(100);
    const rows: Enrollment[] = [];
    thread.take((e) => rows.push(e));
    const read = await thread.done;
    assertEquals(rows, [...here.enrollments]);
    assertEquals(read.rejected, here.rejected.filter((r) => r.file === "enrollments.csv"));
  });
});

Deno.test("a late taker is handed the rows that waited a batch a turn, in file order, and `sent` settles once the worker has every byte", async () => {
  await withTempDir(async (dir) => {
    const { here, thread, finished } = await dirtyExportInWorker(dir);
    let sent = false;
    void thread.sent.then(() => sent = true);
    await finished();
    assert(sent, "every byte was handed over before the worker was done");
    const rows: Enrollment[] = [];
    thread.take((e) => rows.push(e));
    // Three batches waited: take() hands over the first and returns; the others come a turn of the event loop apart
    // (in one go, this thread could send the worker no bytes meanwhile).
    assertEquals(rows.length, BATCH_ROWS);
    await thread.done;
    assertEquals(rows, [...here.enrollments]);
  });
});

Deno.test("merging another collector's issues is adding them one by one after those held", () => {
  const add = (c: IssueCollector, file: string, line: number, message: string) =>
    c.add("warning", file, line, "k", message);
  const sequence: Array<[string, number, string]> = [];
  for (let i = 1; i <= 9; i++) sequence.push(["enrollments.csv", i * 10, i % 3 ? "often" : "sometimes"]);
  const one = new IssueCollector();
  add(one, "users.csv", 3, "often");
  add(one, "enrollments.csv", 2, "often");
  for (const [f, l, m] of sequence) add(one, f, l, m);
  const other = new IssueCollector();
  for (const [f, l, m] of sequence) add(other, f, l, m);
  const merged = new IssueCollector();
  add(merged, "users.csv", 3, "often");
  add(merged, "enrollments.csv", 2, "often");
  merged.merge(other.entries());
  assertEquals(merged.list(), one.list());
  assertEquals(merged.list().find((i) => i.message === "often" && i.file === "enrollments.csv")?.lines, [
    2,
    10,
    20,
    40,
    50,
  ]);
});

Deno.test("with enrollments.csv and a later file both broken, the worker's read fails as the main thread's does", async () => {
  await withTempDir(async (dir) => {
    const files = dirtyExport();
    await writeExport(dir, {
      ...files,
      "enrollments.csv": files["enrollments.csv"].replace("userSourcedId", "user"),
      "classes.csv": files["classes.csv"].replace("sourcedId,", "id,"),
    });
    const never = await assertRejects(() => readOneRosterCsv(dir, { enrollmentsThread: "never" }), SourceError);
    assert(never.message.startsWith("enrollments.csv"), never.message);
    const always = await assertRejects(() => readOneRosterCsv(dir, { enrollmentsThread: "always" }), SourceError);
    assertEquals(always.message, never.message);
  });
});

Deno.test("a failure past where the worker's read stopped is not met, as the main thread would not meet it", async () => {
  await withTempDir(async (dir) => {
    // enrollments.csv cannot be read (a required column missing) and its zip entry fails its CRC at the end:
    // roster-check reports the column and reads on.
    const files = dirtyExport();
    const text = files["enrollments.csv"].replace("userSourcedId", "user");
    const others = Object.entries(files).filter(([n]) => n !== "enrollments.csv").map(([n, t]) => deflated(n, t));
    const path = join(dir, "export.zip");
    await writeZip(path, [...others, { ...deflated("enrollments.csv", text), declaredCrc: 12345 }]);
    const { here, worker } = await bothWays(path, { tolerateMissing: true });
    assertEquals(here.fileModes.enrollments, "absent");
    assertEquals(worker, here);
  });
});

Deno.test("a process that may read the export but not the worker's module reads enrollments.csv itself", async () => {
  await withTempDir(async (dir) => {
    const rows = await writeLargeExport(dir);
    assert((await Deno.stat(join(dir, "enrollments.csv"))).size >= THREAD_FROM_BYTES);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", `--allow-read=${dir}`, new URL("./helpers/read-export.ts", import.meta.url).pathname, dir],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert(out.success, stderr);
    assertEquals(stderr.includes("worker"), false, stderr);
    assertEquals(JSON.parse(new TextDecoder().decode(out.stdout)).enrollments, rows.length - 1 - rejectedIn(rows));
  });
});

/**
 * The dirty export with its enrollments copied (fresh ids each time) until enrollments.csv is large enough for `auto`
 * to want a worker; returns the file's lines.
 */
async function writeLargeExport(dir: string): Promise<string[]> {
  await writeExport(dir, dirtyExport());
  const big = (await Deno.readTextFile(join(dir, "enrollments.csv"))).split("\r\n");
  const rows = [big[0]];
  for (let copy = 0; rows.length * 60 < THREAD_FROM_BYTES + 1_000_000; copy++) {
    for (const line of big.slice(1, -3)) rows.push(line.replace(/^enr-/, `enr-${copy}-`));
  }
  await Deno.writeTextFile(join(dir, "enrollments.csv"), rows.join("\n") + "\n");
  return rows;
}

/** Rows the reader refuses or drops in the file `rows` makes (a role it does not know, or an id again). */
function rejectedIn(rows: string[]): number {
  const seen = new Set<string>();
  let dropped = 0;
  for (const line of rows.slice(1)) {
    const [id, , , , , , role] = line.split(",");
    if (role === "wizard" || seen.has(id)) dropped++;
    else seen.add(id);
  }
  return dropped;
}

Deno.test("a focused read (keep, contains) reads enrollments.csv on its own thread, whatever is asked", async () => {
  await withTempDir(async (dir) => {
    await writeExport(dir, dirtyExport());
    const teachers = { enrollments: (get: (column: string) => string) => get("role") === "teacher" };
    const kept = await bothWays(dir, { keep: teachers });
    assert(kept.here.enrollments.length > 0 && kept.here.enrollments.length < 1_000);
    assertEquals(kept.worker, kept.here);
    const found = await bothWays(dir, { contains: { enrollments: ["stu-17,"] } });
    assertEquals(found.worker, found.here);
  });
});

Deno.test("a directory's file opened in chunks of a given size gives the same bytes, and its limits still hold", async () => {
  await withTempDir(async (dir) => {
    const bytes = new Uint8Array(10_000).map((_, i) => (i * 7) % 251);
    await Deno.writeFile(join(dir, "enrollments.csv"), bytes);
    for (const chunkBytes of [1, 7, 4096, 10_000, 1 << 20]) {
      const bundle = await openBundle(dir);
      const chunks: Uint8Array[] = [];
      for await (const c of await bundle.open("enrollments.csv", { chunkBytes })) chunks.push(c as Uint8Array);
      const whole = chunks.length * chunkBytes;
      // Every chunk but the last is whole; together they are the file.
      assert(chunks.slice(0, -1).every((c) => c.length === chunkBytes), `chunks of ${chunkBytes}`);
      assert(whole >= bytes.length && whole - chunkBytes < bytes.length, `${chunks.length} chunks of ${chunkBytes}`);
      assertEquals(new Uint8Array(await new Blob(chunks as BlobPart[]).arrayBuffer()), bytes);
    }
    // The budget counts chunk by chunk: a file that grew past the limit after it was opened stops the read.
    const bundle = await openBundle(dir, { maxFileBytes: 12_000 });
    const input = await bundle.open("enrollments.csv", { chunkBytes: 4096 });
    await Deno.writeFile(join(dir, "enrollments.csv"), new Uint8Array(5_000), { append: true });
    const error = await assertRejects(async () => {
      for await (const _ of input) { /* read */ }
    }, LimitError);
    assert(error.message.includes("larger than"), error.message);
  });
});

Deno.test("a file that comes in pieces (a pipe) is read whole when opened in chunks", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "enrollments.csv");
    const made = await new Deno.Command("mkfifo", { args: [path] }).output();
    assert(made.success, "mkfifo");
    const bytes = new Uint8Array(10_000).map((_, i) => (i * 13) % 251);
    const writing = (async () => {
      using out = await Deno.open(path, { write: true });
      // Pieces of 100 bytes with pauses between: each read returns less than a chunk.
      for (let i = 0; i < bytes.length; i += 100) {
        await out.write(bytes.subarray(i, i + 100));
        if (i % 2_000 === 0) await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const bundle = await openBundle(dir);
    const chunks: Uint8Array[] = [];
    for await (const c of await bundle.open("enrollments.csv", { chunkBytes: 4096 })) chunks.push(c as Uint8Array);
    await writing;
    assertEquals(chunks.map((c) => c.length), [4096, 4096, 1808]);
    assertEquals(new Uint8Array(await new Blob(chunks as BlobPart[]).arrayBuffer()), bytes);
  });
});

Deno.test("a record too long after a quoted line break is reported on the same line by the worker, wherever the chunks fall", async () => {
  await withTempDir(async (dir) => {
    for (const name of ["manifest.csv", "orgs.csv", "users.csv", "classes.csv"] as const) {
      await Deno.writeTextFile(join(dir, name), MINIMAL_11[name]);
    }
    const messages = async (thread: "never" | "always") => {
      const error = await assertRejects(() => readOneRosterCsv(dir, { enrollmentsThread: thread }), LimitError);
      return error.message;
    };
    // The long record starts just before, at and after the 1 MiB the main thread reads for the worker at a time.
    for (const offset of [-40, -4, 0, 8]) {
      let text = `${HEADERS.enrollments}\r\n`;
      for (let i = 0; text.length < (1 << 20) + offset - 60; i++) {
        text += `enr-${i},active,,cls-1,sch-1,stu-1,student,,,\r\n`;
      }
      text += "x".repeat(Math.max(0, (1 << 20) + offset - text.length));
      text += 'a"\r\n"\r\n"\r\n"' + "y".repeat(1.5 * (1 << 20)) + "\r\n";
      await Deno.writeTextFile(join(dir, "enrollments.csv"), text);
      const here = await messages("never");
      assert(here.includes("a record is longer than"), here);
      assertEquals(await messages("always"), here, `offset ${offset}`);
    }
  });
});

/** A file handed to the thread by the test: its first bytes, then more, an end or a failure, as the test says. */
function fileByHand(first: string) {
  const encoder = new TextEncoder();
  // What the test said and the file has not given yet, in order; `wake` resumes a file waiting for it.
  const said: Array<string | Error | null> = [];
  let wake: (() => void) | undefined;
  const say = (next: string | Error | null) => {
    said.push(next);
    wake?.();
  };
  async function* bytes(): AsyncGenerator<Uint8Array> {
    yield encoder.encode(first);
    while (true) {
      while (!said.length) await new Promise<void>((resolve) => wake = resolve);
      const next = said.shift()!;
      if (next === null) return;
      if (next instanceof Error) throw next;
      yield encoder.encode(next);
    }
  }
  return {
    open: () => Promise.resolve(Readable.from(bytes(), { objectMode: false })),
    more: (text: string) => say(text),
    end: () => say(null),
    fail: (e: Error) => say(e),
  };
}

/** Enrollment rows `from` to `from + n - 1`, one line each. */
const enrollmentLines = (from: number, n: number) => {
  let text = "";
  for (let i = from; i < from + n; i++) text += `enr-${i},active,,cls-1,sch-1,stu-${i % 50},student,false,,\n`;
  return text;
};

/** A thread reading `file`, with the number of rows it has read so far. */
function threadOver(file: ReturnType<typeof fileByHand>) {
  const progress = { rows: 0 };
  const thread = readEnrollmentsInWorker("enrollments.csv", file.open, {
    location: "by-hand",
    version: "1.1",
    limits: DEFAULT_LIMITS,
    tolerateMissing: false,
    onProgress: (rows) => progress.rows = rows,
  });
  return { thread, progress };
}

/** Waits until the worker has read `rows` rows, and its batches have come. */
async function readUpTo(progress: { rows: number }, rows: number): Promise<void> {
  while (progress.rows < rows) await pause(20);
  await pause(200);
}

Deno.test("rows read while waiting rows are handed over come after them, in file order, and done only after the last", async () => {
  const first = 6 * BATCH_ROWS + 5;
  const file = fileByHand(`${HEADERS.enrollments}\n${enrollmentLines(0, first)}`);
  const { thread, progress } = threadOver(file);
  await readUpTo(progress, 6 * BATCH_ROWS - 25_000);
  const ids: string[] = [];
  let settledAt = -1;
  thread.done.then(() => settledAt = ids.length, () => {});
  thread.take((e) => {
    ids.push(e.sourcedId);
    // A slow taker: the waiting rows take long enough to hand over that new rows come meanwhile.
    if (ids.length % 1_000 === 0) { for (const t = performance.now(); performance.now() - t < 3;); }
  });
  file.more(enrollmentLines(first, 2 * BATCH_ROWS));
  file.end();
  await thread.done;
  assertEquals(settledAt, first + 2 * BATCH_ROWS);
  assertEquals(ids.length, first + 2 * BATCH_ROWS);
  assertEquals(ids.findIndex((id, i) => id !== `enr-${i}`), -1);
});

Deno.test("a taker that throws while waiting rows are handed over fails the read with its error and is given no more", async () => {
  const file = fileByHand(`${HEADERS.enrollments}\n${enrollmentLines(0, 4 * BATCH_ROWS)}`);
  const { thread, progress } = threadOver(file);
  await readUpTo(progress, 3 * BATCH_ROWS);
  let taken = 0;
  thread.take(() => {
    if (++taken === BATCH_ROWS + 10) throw new Error("the taker failed");
  });
  assertEquals((await assertRejects(() => thread.done, Error)).message, "the taker failed");
  await pause(300);
  assertEquals(taken, BATCH_ROWS + 10);
  file.end();
});

Deno.test("a thread closed while waiting rows are handed over hands over no more", async () => {
  const file = fileByHand(`${HEADERS.enrollments}\n${enrollmentLines(0, 4 * BATCH_ROWS)}`);
  const { thread, progress } = threadOver(file);
  await readUpTo(progress, 4 * BATCH_ROWS - 25_000);
  let taken = 0;
  thread.take(() => taken++);
  thread.close();
  const atClose = taken;
  await pause(300);
  assertEquals(taken, atClose);
  assert(atClose < 3 * BATCH_ROWS, `${atClose} rows handed over`);
  file.end();
});

Deno.test("a server job reads enrollments.csv on its own thread (its heap budget bounds one); a CLI diagnosis uses a second", async () => {
  await withTempDir(async (dir) => {
    const exportDir = join(dir, "export");
    await Deno.mkdir(exportDir);
    await writeLargeExport(exportDir);
    const settingsDir = join(dir, "settings");
    await Deno.mkdir(settingsDir);
    await Deno.writeTextFile(
      join(settingsDir, "big-usd.json"),
      JSON.stringify({
        customer_id: "big-usd",
        customer_name: "Big USD",
        integration_type: "oneroster-csv",
        oneshelf_environment: "staging",
        source: { kind: "oneroster-csv", path: exportDir },
      }),
    );
    // Count the threads started, as the reader starts its one (enrollments-thread.ts).
    const RealWorker = globalThis.Worker;
    let started = 0;
    globalThis.Worker = class extends RealWorker {
      constructor(...args: ConstructorParameters<typeof Worker>) {
        super(...args);
        started++;
      }
    };
    try {
      const job = {
        kind: "diagnose",
        tools: ["roster-check"],
        customerId: "big-usd",
        settingsDir,
        platform: { environment: "staging", url: "postgres://nobody@127.0.0.1:1/none", server: "none" },
        credentials: {},
      } as const;
      const served = await runJob(job) as DiagnoseResult;
      assertEquals(started, 0, "a server job starts no thread");
      const cli = await diagnoseCustomer({
        customerId: "big-usd",
        settingsDir,
        tools: ["roster-check"],
        auditor: null,
      });
      assertEquals(started, 1, "the CLI's diagnosis reads on a second thread");
      assertEquals(served.report.findings, cli.report.findings);
    } finally {
      globalThis.Worker = RealWorker;
    }
  });
});
