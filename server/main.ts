/** `deno task serve`: the read-only support server (default 127.0.0.1:8787, the embedded demo when nothing is configured). */
import { buildServer } from "./build.ts";
import { EXIT, UsageError } from "../lib/cli/errors.ts";
import { runMain } from "../lib/cli/main.ts";
import { parseCli } from "../lib/cli/args.ts";
import { appLog } from "../lib/log.ts";
import { installCrashGuards } from "./crash-guards.ts";
import { JOB_CHILD_ENV } from "./jobs/runner.ts";
import { runChild } from "./jobs/child.ts";

const HELP = `Usage: deno task serve [--host HOST] [--port PORT]

Serves the same diagnoses and lookups as the CLI, read-only, to signed-in
support staff: JSON under /api/…, pages under /. Tokens come from
CDT_SERVER_TOKENS (default config/server-tokens.json; add one with
deno task server-token add NAME --role support|engineer). With none, a
one-time demo token for the embedded demo is printed.

  --host HOST   default 127.0.0.1 (put HTTPS in front: an ALB or API Gateway)
  --port PORT   default 8787
`;

async function main(args: string[]): Promise<number> {
  const parsed = parseCli(args, { host: { type: "string" }, port: { type: "string" } }, HELP);
  if (!parsed) return EXIT.ok;
  const { values } = parsed;
  const port = Number(values.port ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port "${values.port}" is not a port`);
  }
  // A request's failure stays that request's: whatever escapes is logged and the server goes on.
  installCrashGuards((kind, message) => {
    console.error(`${kind} (the server goes on): ${message}`);
    appLog("error", kind, { error: message });
  });
  const { app, close, demoToken, warnings } = await buildServer(Deno.env.toObject());
  for (const w of warnings) console.error(`warning: ${w}`);
  const server = Deno.serve({
    hostname: values.host ?? "127.0.0.1",
    port,
    onListen: ({ hostname, port }) => {
      console.error(`Customer Data Tools server on http://${hostname}:${port}/ (read-only)`);
      if (demoToken) {
        console.error(`No tokens configured: one-time demo token (embedded demo only) for this run:\n  ${demoToken}`);
      }
    },
  }, app.fetch);
  const stop = () => server.shutdown();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await server.finished;
  await close();
  return EXIT.ok;
}

if (import.meta.main) {
  // A compiled server starts its job processes as itself (server/jobs/runner.ts): this one is a job.
  if (Deno.env.get(JOB_CHILD_ENV) === "1") await runChild();
  else {
    await runMain("serve", main);
    // Whatever ended the server (a signal, or its listener failing: out of file descriptors), the process ends with
    // it, so that a supervisor starts another; the signal listeners and the demo database would keep it alive.
    Deno.exit(Deno.exitCode);
  }
}
