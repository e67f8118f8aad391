import { assertEquals, assertMatch } from "./helpers/assert.ts";
import { capNotes, mapHeader, MAX_HEADER_NOTES } from "../lib/sources/oneroster-csv/header.ts";

Deno.test("a header of many unknown, repeated or padded columns gives a score of notes of each kind, the rest told as one", () => {
  const known = ["sourcedId", "status", "name"];
  const unknown = Array.from({ length: 100_000 }, (_, i) => `col${i}`);
  const twice = Array.from({ length: 50 }, () => "status");
  const map = mapHeader(["sourcedId", "status", "name", ...unknown, ...twice, " name "], known);
  // Every column is still read as before: the unknown ones kept as extensions.
  assertEquals(map.extensions.length, 100_000);
  assertEquals(map.index.get("status"), 1);
  assertEquals(map.infos.length, MAX_HEADER_NOTES + 1);
  assertEquals(map.infos[0].message, 'column "col0" is not a OneRoster column; kept as an extension');
  assertMatch(
    map.infos[MAX_HEADER_NOTES].message,
    /^99,980 more columns are not OneRoster columns.*"col20" … "col99999"/,
  );
  const duplicates = map.warnings.filter((w) => w.kind === "duplicate_column");
  assertEquals(duplicates.length, MAX_HEADER_NOTES + 1);
  assertMatch(duplicates.at(-1)!.message, /^31 more columns appear again/);
  // Below the cap, notes are as they were, in their order.
  assertEquals(map.warnings.filter((w) => w.kind === "header_spaces").length, 1);
  const few = mapHeader(["sourcedId", "x", "y"], known).infos.map((n) => n.column);
  assertEquals(few, ["x", "y"]);
  assertEquals(capNotes([]), []);
});
