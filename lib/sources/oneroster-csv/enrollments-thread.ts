/**
 * `enrollments.csv` read on a second thread. Ten rows a student make it most
 * of an export; a worker reads it (enrollments-worker.ts) while the main
 * thread reads every other file, on a machine's second core. The main thread
 * still opens the file through the bundle, so every limit of the export holds
 * as before, and hands the worker its bytes, at most 32 MiB ahead of what
 * the worker has read (never the whole file). The worker's rows, issues and
 * refused rows are the ones the main thread's reader would have made.
 */
import type { Readable } from "node:stream";
import type { Enrollment, RejectedRow, SourceIssue } from "../../model/roster.ts";
import type { ReadLimits } from "../limits.ts";
import { LimitError } from "../limits.ts";
import { SourceError } from "../errors.ts";
import type { OneRosterVersion } from "./columns.ts";
import { BatchUnpacker, type EnrollmentBatch } from "./enrollment-batches.ts";
import { EnrollmentTable } from "../../model/enrollment-table.ts";
import { nextTurn } from "../../turn.ts";

/**
 * Bytes of the file sent ahead of what the worker has read, by default. The
 * main thread tops it up only between its own reads, so a short lead starves
 * the worker: at 200,000 students 1 MiB ahead made the worker take 7.4 s, 16
 * MiB 5.5 s.
 */
const AHEAD_BYTES = 32 * 1024 * 1024;

/** What the main thread tells the worker. */
export type ToWorker =
  | {
    type: "start";
    location: string;
    name: string;
    version: OneRosterVersion;
    limits: ReadLimits;
    tolerateMissing: boolean;
    pieceBytes?: number;
  }
  | { type: "chunk"; chunk: Uint8Array }
  | { type: "end" }
  /** Opening or reading the file failed here, after the chunks sent before: the worker's read meets it there. */
  | { type: "failed"; error: CrossError };

/** An error as it crosses threads: its class by name, its message, and a LimitError's limit. */
export interface CrossError {
  name: string;
  message: string;
  limit?: string;
}

/** An error, to send to the other thread. */
export function crossError(e: unknown): CrossError {
  const error = e as Error & { limit?: string };
  return { name: error?.name ?? "Error", message: error?.message ?? String(e), limit: error?.limit };
}

/** The error sent, as the class it was on the other side (a SourceError or LimitError; else an Error). */
export function errorFrom(e: CrossError): Error {
  return e.name === "LimitError"
    ? new LimitError(e.limit as keyof ReadLimits, e.message)
    : e.name === "SourceError"
    ? new SourceError(e.message)
    : new Error(e.message);
}

/** What the worker tells the main thread. */
export type FromWorker =
  | { type: "ack"; bytes: number }
  | { type: "batch"; batch: EnrollmentBatch }
  | { type: "progress"; rows: number; done: boolean }
  | ({ type: "done" } & EnrollmentsRead)
  | { type: "error"; error: CrossError };

/** What reading enrollments.csv left besides its rows. */
export interface EnrollmentsRead {
  /** Its issues, in the order they were first met (not sorted). */
  issues: SourceIssue[];
  rejected: readonly RejectedRow[];
  /** The file could not be read (a required column missing, with tolerateMissing). */
  unreadable: boolean;
}

/** Options of {@link readEnrollmentsInWorker}. */
export interface ThreadOptions {
  location: string;
  version: OneRosterVersion;
  limits: ReadLimits;
  tolerateMissing: boolean;
  /**
   * When `open` gives larger chunks than this thread's own read of the file would (the pump's 1 MiB reads), the size
   * of those reads (64 KiB): the worker parses the bytes in pieces of it, so that it meets the file in the same pieces
   * as this thread (a record too long is then reported on the same line either way).
   */
  pieceBytes?: number;
  /** Bytes sent ahead of what the worker has read (default 32 MiB). */
  aheadBytes?: number;
  onProgress?: (rows: number, done: boolean) => void;
}

/** A read of enrollments.csv running in a worker. */
export interface EnrollmentsThread {
  /**
   * Where rows go, in file order: rows that came before a taker was given
   * wait for it. Call once.
   */
  take(taker: ((e: Enrollment, user: number) => void) | EnrollmentTable): void;
  /** Every row given to the taker, and the rest of the read; rejects with the reader's error. */
  readonly done: Promise<EnrollmentsRead>;
  /** Settles (never rejects) once the file's bytes are all handed to the worker, or the read stopped sooner. */
  readonly sent: Promise<void>;
  /** Ends the worker. A read not done is abandoned: rows still waiting are not handed over, and `done` never settles. */
  close(): void;
}

/**
 * Starts reading `name` (opened by `open`, the bundle's) in a worker.
 *
 * @example
 * const thread = readEnrollmentsInWorker("enrollments.csv", () => bundle.open("enrollments.csv"), options);
 * thread.take((e) => table.push(e));
 * const { issues, rejected } = await thread.done;
 */
export function readEnrollmentsInWorker(
  name: string,
  open: () => Promise<Readable>,
  options: ThreadOptions,
): EnrollmentsThread {
  const worker = new Worker(new URL("./enrollments-worker.ts", import.meta.url).href, { type: "module" });
  const unpacker = new BatchUnpacker();
  const aheadBytes = options.aheadBytes ?? AHEAD_BYTES;
  const waiting: EnrollmentBatch[] = [];
  let taker: ((e: Enrollment, user: number) => void) | EnrollmentTable | undefined;
  // A table takes each batch as columns; a function, row by row.
  const deliver = (batch: EnrollmentBatch, to: NonNullable<typeof taker>) =>
    to instanceof EnrollmentTable ? unpacker.unpackInto(batch, to) : unpacker.unpack(batch, to);
  let finished: EnrollmentsRead | undefined;
  // While rows that waited for a taker are handed over, a turn at a time: newer batches queue behind them.
  let draining = false;
  let closed = false;
  let failed = false;
  // Closed by the reader before the end: rows that waited are not handed over any more.
  let abandoned = false;
  let ahead = 0;
  let more: (() => void) | undefined;
  let settle!: { resolve: (r: EnrollmentsRead) => void; reject: (e: unknown) => void };
  const done = new Promise<EnrollmentsRead>((resolve, reject) => settle = { resolve, reject });
  // Awaited later, by the reader; until then a failure must not count as unhandled.
  done.catch(() => {});
  const close = () => {
    if (closed) return;
    closed = true;
    worker.terminate();
    more?.();
  };
  const fail = (e: unknown) => {
    failed = true;
    close();
    settle.reject(e);
  };
  worker.onmessage = (event: MessageEvent<FromWorker>) => {
    const m = event.data;
    try {
      switch (m.type) {
        case "ack":
          ahead -= m.bytes;
          more?.();
          break;
        case "batch":
          if (taker && !draining) deliver(m.batch, taker);
          else waiting.push(m.batch);
          break;
        case "progress":
          options.onProgress?.(m.rows, m.done);
          break;
        case "done":
          close();
          // The worker may finish before anything takes its rows (a large users.csv, a small enrollments.csv).
          finished = { issues: m.issues, rejected: m.rejected, unreadable: m.unreadable };
          if (taker && !draining) settle.resolve(finished);
          break;
        case "error":
          fail(errorFrom(m.error));
          break;
      }
    } catch (e) {
      fail(e);
    }
  };
  worker.onerror = (event) => {
    event.preventDefault();
    fail(new Error(`${name}: the reader's thread failed (${event.message})`));
  };
  worker.postMessage(
    {
      type: "start",
      location: options.location,
      name,
      version: options.version,
      limits: options.limits,
      tolerateMissing: options.tolerateMissing,
      pieceBytes: options.pieceBytes,
    } satisfies ToWorker,
  );
  // The bytes: read here, through the bundle and its limits, ahead of the worker. A failure to open or read the
  // file goes to the worker after the bytes before it, so that its read meets it where this thread's would, and
  // not at all when the read stops sooner (a missing column, with tolerateMissing).
  const sent = (async () => {
    let input: Readable | undefined;
    try {
      input = await open();
      for await (const chunk of input as AsyncIterable<Uint8Array>) {
        if (closed) break;
        // A view into a larger buffer is copied: moving its buffer would take the rest away from its owner.
        const own = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength ? chunk : chunk.slice();
        ahead += own.byteLength;
        worker.postMessage({ type: "chunk", chunk: own } satisfies ToWorker, [own.buffer as ArrayBuffer]);
        while (ahead >= aheadBytes && !closed) await new Promise<void>((resolve) => more = resolve);
        more = undefined;
      }
      if (!closed) worker.postMessage({ type: "end" } satisfies ToWorker);
    } catch (e) {
      if (!closed) worker.postMessage({ type: "failed", error: crossError(e) } satisfies ToWorker);
    } finally {
      input?.destroy();
    }
  })().catch(fail);
  return {
    sent,
    take(t) {
      taker = t;
      if (!waiting.length) {
        if (finished) settle.resolve(finished);
        return;
      }
      // Rows that came before the taker (all of enrollments.csv read so far, when it is taken last) are handed over
      // a batch a turn (about 35 ms of roster-check's work at 1,000,000 students): in one go, this thread would send no
      // bytes meanwhile and the worker would wait for them.
      draining = true;
      void (async () => {
        while (waiting.length && !failed && !abandoned) {
          deliver(waiting.shift()!, t);
          await nextTurn();
        }
        draining = false;
        if (finished && !failed && !abandoned) settle.resolve(finished);
      })().catch(fail);
    },
    done,
    close() {
      abandoned = true;
      close();
    },
  };
}
