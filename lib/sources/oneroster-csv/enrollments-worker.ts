/**
 * The worker that reads `enrollments.csv` on the second core while the main
 * thread reads the other files (see enrollments-thread.ts). It is given the
 * file's bytes by the main thread (which keeps the export's limits), reads
 * them exactly as the main thread would (the same reader, rows, checks and
 * issues), and sends back the kept rows in batches, then the issues and the
 * refused rows. It opens nothing itself.
 */
/// <reference lib="deno.worker" />
import { Readable } from "node:stream";
import { readEnrollmentsAlone } from "./read.ts";
import { batchBuffers, BatchPacker } from "./enrollment-batches.ts";
import { crossError, errorFrom, type FromWorker, type ToWorker } from "./enrollments-thread.ts";

const post = (m: FromWorker, transfer: Transferable[] = []) => self.postMessage(m, transfer);

// The file as the main thread sends it: chunks, then its end or the error it met; `wake` resumes a waiting read.
const chunks: Array<Uint8Array | Error> = [];
let ended = false;
let wake: (() => void) | undefined;

/** The next chunk, undefined at the end; throws the error the main thread met there. */
async function next(): Promise<Uint8Array | undefined> {
  while (true) {
    const item = chunks.shift();
    if (item instanceof Error) throw item;
    if (item) {
      post({ type: "ack", bytes: item.byteLength });
      return item;
    }
    if (ended) return undefined;
    await new Promise<void>((resolve) => wake = resolve);
    wake = undefined;
  }
}

/** The chunks, each cut in pieces of `pieceBytes` when given (see ThreadOptions.pieceBytes). */
async function* bytes(first: Uint8Array | undefined, pieceBytes: number | undefined): AsyncGenerator<Uint8Array> {
  for (let chunk = first; chunk; chunk = await next()) {
    if (!pieceBytes || chunk.length <= pieceBytes) yield chunk;
    else for (let at = 0; at < chunk.length; at += pieceBytes) yield chunk.subarray(at, at + pieceBytes);
  }
}

/** The file opened: it fails as the main thread's opening did, before any byte. */
async function open(pieceBytes: number | undefined): Promise<Readable> {
  const first = await next();
  return Readable.from(bytes(first, pieceBytes), { objectMode: false });
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const m = event.data;
  if (m.type === "chunk") chunks.push(m.chunk);
  else if (m.type === "end") ended = true;
  else if (m.type === "failed") chunks.push(errorFrom(m.error));
  else void read(m);
  wake?.();
};

async function read(start: Extract<ToWorker, { type: "start" }>): Promise<void> {
  try {
    const packer = new BatchPacker((batch) => post({ type: "batch", batch }, batchBuffers(batch)));
    const result = await readEnrollmentsAlone(
      {
        location: start.location,
        files: [start.name],
        warnings: [],
        limits: start.limits,
        open: () => open(start.pieceBytes),
      },
      start.name,
      start.version,
      {
        tolerateMissing: start.tolerateMissing,
        onProgress: (p) => post({ type: "progress", rows: p.rows, done: p.done }),
      },
      (e) => packer.add(e),
    );
    packer.flush();
    post({ type: "done", ...result });
  } catch (e) {
    post({ type: "error", error: crossError(e) });
  }
}
