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
import type { FromWorker, ToWorker } from "./enrollments-thread.ts";

const post = (m: FromWorker, transfer: Transferable[] = []) => self.postMessage(m, transfer);

// Chunks of the file, as the main thread sends them; `wake` resumes the reader waiting for one.
const chunks: Uint8Array[] = [];
let ended = false;
let wake: (() => void) | undefined;

async function* bytes(): AsyncGenerator<Uint8Array> {
  while (true) {
    const chunk = chunks.shift();
    if (chunk) {
      post({ type: "ack", bytes: chunk.byteLength });
      yield chunk;
      continue;
    }
    if (ended) return;
    await new Promise<void>((resolve) => wake = resolve);
    wake = undefined;
  }
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const m = event.data;
  if (m.type === "chunk") chunks.push(m.chunk);
  else if (m.type === "end") ended = true;
  else void read(m);
  wake?.();
};

async function read(start: Extract<ToWorker, { type: "start" }>): Promise<void> {
  try {
    const packer = new BatchPacker((batch) => post({ type: "batch", batch }, batchBuffers(batch)));
    const input = Readable.from(bytes(), { objectMode: false });
    const result = await readEnrollmentsAlone(
      {
        location: start.location,
        files: [start.name],
        warnings: [],
        limits: start.limits,
        open: () => Promise.resolve(input),
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
    const error = e as Error & { limit?: string };
    post({ type: "error", name: error?.name ?? "Error", message: error?.message ?? String(e), limit: error?.limit });
  }
}
