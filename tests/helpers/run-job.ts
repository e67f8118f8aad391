/**
 * Runs one job the way the server does (server/jobs/runner.ts), from a process
 * a test can kill: `deno run -A tests/helpers/run-job.ts JOB_JSON MODULE_URL`.
 */
import { runJobProcess } from "../../server/jobs/runner.ts";

const [job, module] = Deno.args;
await runJobProcess(JSON.parse(job), { memoryMb: 256, deadlineMs: 600_000 }, new URL(module));
