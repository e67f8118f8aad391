/**
 * Run as a child with `--expose-gc` by tests/oneroster_csv_memory_test.ts:
 * writes a users.csv of 100,000 users in DIR, reads it with the OneRoster
 * reader and prints the memory its users hold (heap and outside), per user. `alike`: users share
 * a few dozen given and family names, and each username is its email;
 * `distinct`: names and usernames all different, of the same lengths;
 * `agents`: as `alike`, and each user names the next two users as its agents; `username`: as `alike`, but each
 * username is not its email (the same length, a letter changed); `padded`: 5,000 users, each row 3,000 characters
 * longer than what is kept (a password column, read and dropped), with its own long given name, an extension column,
 * and the next user's id as its agent: whatever a user keeps that still points into the file's text shows as
 * kilobytes a user.
 */
import { join } from "node:path";
import { readOneRosterCsv } from "../../lib/sources/oneroster-csv/read.ts";

const [dir, mode] = Deno.args;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");
const USERS = mode === "padded" ? 5_000 : 100_000;
const pad = (n: number) => String(n).padStart(6, "0");
const lines = [
  "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,givenName,familyName,email,agentSourcedIds",
];
if (mode === "padded") {
  lines[0] += ",password,metadata.note";
  const id = (i: number) => `guardian-account-${pad(i)}`;
  for (let i = 0; i < USERS; i++) {
    const email = `someone.${pad(i)}@district.example.org`;
    lines.push(
      `${id(i)},active,,true,sch-1,parent,${email},Given-name-${pad(i)},Family,${email},${id(i + 1)},${
        "x".repeat(3000)
      },a note of ${pad(i)} here`,
    );
  }
}
for (let i = 0; i < (mode === "padded" ? 0 : USERS); i++) {
  const email = `someone.${pad(i)}@district.example.org`;
  const [given, family, username] = mode !== "distinct"
    ? [`Given${pad(i % 50).slice(1)}`, `Family${pad(i % 40).slice(2)}`, email]
    : [
      `Given${pad(i).slice(1)}`,
      `Family${pad(i).slice(2)}`,
      `other.${pad(i)}@district.example.org`.padEnd(email.length),
    ];
  const agents = mode === "agents" ? `"par-${pad((i + 1) % USERS)},par-${pad((i + 2) % USERS)}"` : "";
  const login = mode === "username" ? `x${username.slice(1)}` : username.trim();
  lines.push(`par-${pad(i)},active,,true,sch-1,parent,${login},${given},${family},${email},${agents}`);
}
await Deno.writeTextFile(join(dir, "users.csv"), lines.join("\n") + "\n");

// The heap and the memory outside it (a user table's columns are typed arrays there).
const held = () => Deno.memoryUsage().heapUsed + Deno.memoryUsage().external;
let users: { length: number } | undefined = (await readOneRosterCsv(dir, { only: ["users"], tolerateMissing: true }))
  .users;
const count = users.length;
await new Promise((resolve) => setTimeout(resolve, 0));
gc();
gc();
const kept = held();
// What the users hold is what dropping them gives back (a figure taken before the read would count what the read
// itself left behind for good, such as compiled code, as the users').
users = undefined;
gc();
gc();
console.log(JSON.stringify({ bytesPerUser: (kept - held()) / count, users: count }));
