/** Writes N audit lines as fast as it can: one of the concurrent writers of the audit test. */
import { Auditor } from "../../lib/audit.ts";

const [path, writer, count] = Deno.args;
const auditor = new Auditor({ path, user: `writer-${writer}`, key: "k" });
await Promise.all(
  Array.from(
    { length: Number(count) },
    (_, i) =>
      auditor.write({
        customer: "demo-isd",
        environment: "embedded",
        operation: "test",
        records: { i, writer: Number(writer) },
      }),
  ),
);
