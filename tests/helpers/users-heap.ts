/**
 * Run as a child with `--expose-gc` by tests/oneroster_csv_memory_test.ts:
 * writes a users.csv of 100,000 users in DIR, reads it with the OneRoster
 * reader and prints the heap its users hold, per user. `alike`: users share
 * a few dozen given and family names, and each username is its email;
 * `distinct`: names and usernames all different, of the same lengths;
 * `agents`: as `alike`, and each user names the next two users as its agents.
 */
import { join } from "node:path";
import { readOneRosterCsv } from "../../lib/sources/oneroster-csv/read.ts";

const [dir, mode] = Deno.args;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");
const USERS = 100_000;
const pad = (n: number) => String(n).padStart(6, "0");
const lines = [
  "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,givenName,familyName,email,agentSourcedIds",
];
for (let i = 0; i < USERS; i++) {
  const email = `someone.${pad(i)}@district.example.org`;
  const [given, family, username] = mode !== "distinct"
    ? [`Given${pad(i % 50).slice(1)}`, `Family${pad(i % 40).slice(2)}`, email]
    : [
      `Given${pad(i).slice(1)}`,
      `Family${pad(i).slice(2)}`,
      `other.${pad(i)}@district.example.org`.padEnd(email.length),
    ];
  const agents = mode === "agents" ? `"par-${pad((i + 1) % USERS)},par-${pad((i + 2) % USERS)}"` : "";
  lines.push(`par-${pad(i)},active,,true,sch-1,parent,${username.trim()},${given},${family},${email},${agents}`);
}
await Deno.writeTextFile(join(dir, "users.csv"), lines.join("\n") + "\n");

/** The read lives only in this call, so that nothing on the stack holds what it left behind. */
async function read() {
  return (await readOneRosterCsv(dir, { only: ["users"], tolerateMissing: true })).users;
}
gc();
const before = Deno.memoryUsage().heapUsed;
const users = await read();
await new Promise((resolve) => setTimeout(resolve, 0));
gc();
gc();
console.log(
  JSON.stringify({ bytesPerUser: (Deno.memoryUsage().heapUsed - before) / users.length, users: users.length }),
);
