import { assert, assertEquals } from "./helpers/assert.ts";
import { MAX_SESSIONS, MAX_SESSIONS_PER_PRINCIPAL, type Principal, SessionStore } from "../server/auth.ts";

const person = (name: string): Principal => ({ name, role: "support", environments: ["embedded"], via: "token" });
const policy = { idleMs: 30 * 60_000, absoluteMs: 8 * 3600_000 };

Deno.test("a principal holds at most a score of browser sessions: signing in again closes its oldest, no one else's", () => {
  const store = new SessionStore(policy);
  const other = store.open(person("sup"));
  const ids = Array.from({ length: MAX_SESSIONS_PER_PRINCIPAL + 5 }, () => store.open(person("eng")));
  assertEquals(store.size, MAX_SESSIONS_PER_PRINCIPAL + 1);
  for (const id of ids.slice(0, 5)) assertEquals(store.get(id), undefined);
  for (const id of ids.slice(5)) assertEquals(store.get(id)?.name, "eng");
  assertEquals(store.get(other)?.name, "sup");
});

Deno.test("the server holds a bounded number of sessions: past it, the oldest goes", () => {
  const store = new SessionStore(policy);
  const first = store.open(person("p-0"));
  for (let i = 1; i <= MAX_SESSIONS; i++) store.open(person(`p-${i}`));
  assertEquals(store.size, MAX_SESSIONS);
  assertEquals(store.get(first), undefined);
  assert(store.size <= MAX_SESSIONS);
});
