import { assert, assertEquals, assertStrictEquals as assertSame } from "./helpers/assert.ts";
import { readOneRosterCsv } from "../lib/sources/oneroster-csv/read.ts";
import { IdTable, numberedIds, rememberIds } from "../lib/id-table.ts";
import { bySourcedId, keyedBy, tableOf } from "../lib/diagnostics/indexes.ts";
import type { Class } from "../lib/model/roster.ts";
import { UserTable } from "../lib/model/user-table.ts";

const DIRTY = new URL("./fixtures/oneroster-1.1-dirty", import.meta.url).pathname;

Deno.test("a read roster's rows come with the reader's table of their ids, and are found by it as by a table built anew", async () => {
  const roster = await readOneRosterCsv(DIRTY, { tolerateMissing: true });
  for (const rows of [roster.classes, roster.orgs]) {
    const ids = numberedIds(rows);
    assert(ids !== undefined, "the reader's table is handed on");
    assertEquals(ids.size, rows.length);
    const fresh = keyedBy(rows as Array<{ sourcedId: string }>, (r) => r.sourcedId);
    const kept = bySourcedId(rows as Array<{ sourcedId: string }>);
    for (const [n, row] of rows.entries()) {
      assertSame(kept.get(row.sourcedId), row);
      assertSame(kept.get(row.sourcedId), fresh.get(row.sourcedId));
      assertEquals(kept.numberOf(row.sourcedId), n);
      assertSame(kept.at(n), row);
    }
    assertEquals(kept.get("never-an-id"), undefined);
    assertEquals(kept.has("never-an-id"), false);
    assertEquals(kept.size, fresh.size);
  }
});

Deno.test("a read roster's users are a table that finds each user by id, numbered by row, as an index of its rows would", async () => {
  const roster = await readOneRosterCsv(DIRTY, { tolerateMissing: true });
  assert(roster.users instanceof UserTable, "the reader keeps its users as columns");
  const rows = [...roster.users];
  const fresh = keyedBy(rows, (r) => r.sourcedId);
  const kept = bySourcedId(roster.users);
  assertSame(tableOf(kept), roster.users);
  for (const [n, row] of rows.entries()) {
    assertEquals(kept.get(row.sourcedId), row);
    assertEquals(kept.get(row.sourcedId), fresh.get(row.sourcedId));
    assertEquals(kept.numberOf(row.sourcedId), n);
    assertEquals(kept.at(n), row);
  }
  assertEquals(kept.get("never-an-id"), undefined);
  assertEquals(kept.has("never-an-id"), false);
  assertEquals(kept.size, fresh.size);
  // No number but a key's names a user (a table's own `at` counts back from its end).
  for (const n of [-1, 0.5, rows.length]) assertEquals([kept.at(n), fresh.at(n)], [undefined, undefined]);
  // An index of rows that are not a table's has no table to read.
  assertEquals(tableOf(keyedBy(rows, (r) => r.sourcedId)), undefined);
});

Deno.test("rows changed since the read are not answered by the reader's table: another id, a row pushed or dropped", async () => {
  const roster = await readOneRosterCsv(DIRTY, { tolerateMissing: true });
  const classes = roster.classes;
  const renamed: Class = { ...classes[1], sourcedId: "renamed-after-the-read" };
  classes[1] = renamed;
  assertEquals(numberedIds(classes), undefined);
  assertSame(bySourcedId(classes).get("renamed-after-the-read"), renamed);

  const again = await readOneRosterCsv(DIRTY, { tolerateMissing: true });
  const added: Class = { ...again.classes[0], sourcedId: "pushed-after-the-read" };
  again.classes.push(added);
  assertEquals(numberedIds(again.classes), undefined);
  assertSame(bySourcedId(again.classes).get("pushed-after-the-read"), added);

  const third = await readOneRosterCsv(DIRTY, { tolerateMissing: true });
  const dropped = third.classes.pop()!;
  assertEquals(numberedIds(third.classes), undefined);
  assertEquals(bySourcedId(third.classes).has(dropped.sourcedId), false);
  assertEquals(bySourcedId(third.classes).size, third.classes.length);
});

Deno.test("the index of a read roster's rows asks the reader's table, and builds none of its own", () => {
  class Counted extends IdTable {
    lookups = 0;
    override indexOf(id: string): number {
      this.lookups++;
      return super.indexOf(id);
    }
  }
  const rows = ["u-1", "u-2", "u-3"].map((sourcedId) => ({ sourcedId }));
  const table = new Counted();
  for (const r of rows) table.add(r.sourcedId);
  rememberIds(rows, table);
  const index = bySourcedId(rows);
  assertSame(index.get("u-2"), rows[1]);
  assertEquals(index.numberOf("u-3"), 2);
  assertEquals(table.lookups, 2);
});
