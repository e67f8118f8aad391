/**
 * Run as a child with `--expose-gc` by tests/detach_test.ts: cuts 1,000
 * values from a text of about 100 MB, detaches them (`detached`), keeps
 * them as cut (`raw`) or keeps none (`none`), lets the text go and prints
 * how many MiB the heap still holds.
 */
import { detach } from "../../lib/sources/detach.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");
const mode = Deno.args[0];

/** The text lives only in this call, so that nothing on the stack holds it once the call returns. */
function cut(): string[] {
  const text = Array.from({ length: 400_000 }, (_, i) => `line-${i},benjamin.patel.${i}@example.org,${"x".repeat(200)}`)
    .join("\n");
  const kept: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const at = (i * 90_001) % (text.length - 40);
    const value = text.slice(at, at + 28);
    if (mode !== "none") kept.push(mode === "raw" ? value : detach(value));
  }
  return kept;
}

gc();
const before = Deno.memoryUsage().heapUsed;
const kept = cut();
await new Promise((resolve) => setTimeout(resolve, 0));
gc();
gc();
console.log(JSON.stringify({ heldMiB: (Deno.memoryUsage().heapUsed - before) / 2 ** 20, kept: kept.length }));
