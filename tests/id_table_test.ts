import { assert, assertEquals } from "./helpers/assert.ts";
import fc from "fast-check";
import { IdTable, keyedHash, maxProbe } from "../lib/id-table.ts";

Deno.test("IdTable numbers strings in order of first appearance, as a Map would, through growth", () => {
  fc.assert(
    fc.property(fc.array(fc.string({ maxLength: 12 }), { minLength: 600, maxLength: 3000 }), (strings) => {
      const table = new IdTable(4);
      const map = new Map<string, number>();
      for (const s of strings) {
        if (!map.has(s)) map.set(s, map.size);
        assertEquals(table.add(s), map.get(s));
      }
      assertEquals(table.size, map.size);
      for (const [s, n] of map) {
        assertEquals(table.indexOf(s), n);
        assertEquals(table.at(n), s);
      }
      assertEquals(table.indexOf("\u0000never added\u0000"), -1);
    }),
    { numRuns: 30, endOnFailure: true },
  );
});

Deno.test("IdTable keeps what `keep` returns for a new string, and only for a new one", () => {
  const table = new IdTable();
  let calls = 0;
  const keep = (s: string) => (calls++, `${s}`);
  assertEquals(table.add("a-long-source-id-0001", keep), 0);
  assertEquals(table.add("a-long-source-id-0001", keep), 0);
  assertEquals(calls, 1);
  // 300,000 ids: the table grows many times and still finds each.
  for (let i = 0; i < 300_000; i++) table.add(`stu-${i}`);
  assertEquals(table.size, 300_001);
  let lost = 0;
  for (let i = 0; i < 300_000; i++) if (table.indexOf(`stu-${i}`) !== i + 1) lost++;
  assertEquals(lost, 0);
});

Deno.test("ids crafted to collide turn the table into a Map instead of making numbering quadratic", () => {
  // A hash that sends every id to one slot: what an attacker who knew the hash would aim for.
  const table = new IdTable(16, () => 42);
  for (let i = 0; i < 20_000; i++) assertEquals(table.add(`x-${i}`), i);
  assertEquals(table.mode, "map");
  assertEquals(table.add("x-123"), 123);
  assertEquals(table.indexOf("x-19999"), 19_999);
  assertEquals(table.indexOf("nobody"), -1);
  assertEquals(table.at(7), "x-7");
  // Well-spread ids stay in the table.
  const spread = new IdTable();
  for (let i = 0; i < 20_000; i++) spread.add(`x-${i}`);
  assertEquals(spread.mode, "table");
});

Deno.test("a long run of honest neighbours in a big table is clustering, not an attack: the table keeps its own hashing", () => {
  // 100 ids in 100 consecutive slots, then one more that hashes to the run's start: a probe of 100 slots. At half load,
  // runs that long happen by chance among millions of ids (up to 60 measured at two million).
  const hash = (s: string) => s.startsWith("run-") ? Number(s.slice(4)) : 0;
  const big = new IdTable(500_000, hash);
  for (let i = 0; i < 100; i++) big.add(`run-${i}`);
  assertEquals(big.add("late"), 100);
  assertEquals(big.mode, "table");
  assertEquals(big.indexOf("late"), 100);
  // The bound grows with the table, slowly: a small table still gives up sooner.
  assert(maxProbe(1024) < 100 && maxProbe(2 ** 20) > 100 && maxProbe(2 ** 25) < 150);
});

Deno.test("the probe bound follows the table as it grows, and bounds indexOf as it bounds add", () => {
  // Ids spread two slots apart (never a run), then 100 ids in consecutive slots and one more hashing to their start.
  const hash = (s: string) =>
    s.startsWith("run-") ? Number(s.slice(4)) : s.startsWith("fill-") ? 200 + 2 * Number(s.slice(5)) : 0;
  const grown = new IdTable(1, hash);
  for (let i = 0; i < 300_000; i++) grown.add(`fill-${i}`);
  for (let i = 0; i < 100; i++) grown.add(`run-${i}`);
  assertEquals(grown.add("late"), 300_100);
  assertEquals(grown.mode, "table", "a table grown to a million slots allows the probe a table that size allows");
  const sized = new IdTable(500_000, hash);
  for (let i = 0; i < 100; i++) sized.add(`run-${i}`);
  assertEquals(sized.indexOf("absent"), -1);
  assertEquals(sized.mode, "table", "asking is bounded as adding is");
});

Deno.test("each table's hash is keyed at random: one id hashes differently in two tables", () => {
  const ids = ["stu-000001", "par-000002", "a-long-source-id-0001"];
  const h1 = keyedHash();
  const h2 = keyedHash();
  assert(ids.some((id) => h1(id) !== h2(id)));
  // The same table always agrees with itself.
  for (const id of ids) assertEquals(h1(id), h1(id));
});

Deno.test("a multiplier whose low byte is 01 still spreads a district's sequential ids over distinct hashes", () => {
  // Parents, students and teachers numbered in sequence, as an export names them. With the multiplier below (one of
  // the one in 128 ending in 01), a hash without the per-character fold gave 406,844 such ids only 287,952 values.
  const ids = [
    ...Array.from({ length: 60_000 }, (_, i) => `par-${String(i + 1).padStart(6, "0")}`),
    ...Array.from({ length: 40_000 }, (_, i) => `stu-${String(i + 1).padStart(6, "0")}`),
    ...Array.from({ length: 2_000 }, (_, i) => `tch-${String(i + 1).padStart(5, "0")}`),
  ];
  for (const multiplier of [0x84af3e01, 0xff618601, 0x6e3a0d01]) {
    const hash = keyedHash(0x24401f6b, multiplier);
    const distinct = new Set(ids.map(hash)).size;
    // Random 32-bit hashes of 102,000 ids collide about once.
    assert(
      distinct > ids.length - 10,
      `multiplier ${multiplier.toString(16)}: ${distinct} hashes for ${ids.length} ids`,
    );
  }
});

Deno.test("ids that come in increasing order are numbered as a Map would, whenever the order breaks or a lookup comes", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.string({ maxLength: 10 }), { minLength: 1, maxLength: 400 }),
      // Where the order breaks: a repeat of an earlier id, an id smaller than the last, or a lookup.
      fc.array(fc.tuple(fc.nat(), fc.constantFrom("repeat", "smaller", "lookup")), { maxLength: 4 }),
      (unique, breaks) => {
        const sorted = [...unique].sort();
        const steps: Array<{ add?: string; lookup?: string }> = sorted.map((add) => ({ add }));
        for (const [at, kind] of breaks) {
          const i = at % steps.length;
          const earlier = sorted[at % Math.min(i + 1, sorted.length)];
          steps.splice(i, 0, kind === "lookup" ? { lookup: earlier } : { add: kind === "repeat" ? earlier : "" });
        }
        const table = new IdTable(4);
        const map = new Map<string, number>();
        for (const step of steps) {
          if (step.add !== undefined) {
            if (!map.has(step.add)) map.set(step.add, map.size);
            assertEquals(table.add(step.add), map.get(step.add));
          } else assertEquals(table.indexOf(step.lookup!), map.get(step.lookup!) ?? -1);
        }
        assertEquals(table.size, map.size);
        for (const [s, n] of map) assertEquals([table.indexOf(s), table.at(n)], [n, s]);
        assertEquals(table.indexOf("\uffff"), -1);
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("ids in increasing order crafted to collide still turn the table into a Map once it hashes", () => {
  const ordered = Array.from({ length: 20_000 }, (_, i) => `x-${String(i).padStart(6, "0")}`);
  const hash = (s: string) => s.startsWith("x-") ? 42 : 7;
  const table = new IdTable(16, hash);
  for (const [i, id] of ordered.entries()) assertEquals(table.add(id), i);
  // Filling the slots gives up on its own hashing as adding does: a lookup that never meets the run sees it.
  assertEquals(table.indexOf("elsewhere"), -1);
  assertEquals(table.mode, "map");
  assertEquals(table.indexOf("x-012345"), 12_345);
  assertEquals(table.mode, "map");
  assertEquals(table.add("x-000007"), 7);
  assertEquals(table.add("a-new-one"), 20_000);
  // Honest ids, far more than the table was made for: the slots are made for as many as there are.
  const honest = new IdTable(4);
  for (const id of ordered) honest.add(id);
  assertEquals(honest.indexOf("x-019999"), 19_999);
  assertEquals(honest.mode, "table");
});

/** Ids past one packed chunk (65,536), made from `seed`: prefixed numbers, repeats, some out of order. */
function manyIds(seed: number, count: number): string[] {
  const ids: string[] = [];
  let x = seed >>> 0 || 1;
  const next = () => (x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) >>> 0 || 1);
  for (let i = 0; i < count; i++) {
    const r = next() % 100;
    ids.push(
      r < 70 ? `enr-${String(i).padStart(7, "0")}` : r < 85 ? ids[next() % (ids.length || 1)] ?? "first" : `x${next()}`,
    );
  }
  return ids;
}

Deno.test("a packed IdTable numbers, finds and gives back ids exactly as a plain one, across chunks and modes", () => {
  fc.assert(
    fc.property(fc.integer(), fc.boolean(), (seed, collide) => {
      const ids = manyIds(seed, 70_000);
      // A hash that sends every id to one slot drives both tables to their Map.
      const hash = collide ? () => 42 : keyedHash();
      const packed = IdTable.packed(16, hash);
      const plain = new IdTable(16, hash);
      for (const [i, id] of ids.entries()) {
        assertEquals(packed.add(id), plain.add(id));
        if (i % 997 === 0) assertEquals(packed.indexOf(ids[(i * 7) % (i + 1)]), plain.indexOf(ids[(i * 7) % (i + 1)]));
      }
      assertEquals([packed.size, packed.mode], [plain.size, plain.mode]);
      for (let n = 0; n < plain.size; n++) if (packed.at(n) !== plain.at(n)) assertEquals(packed.at(n), plain.at(n));
      for (const id of ids.slice(-2_000)) assertEquals(packed.indexOf(id), plain.indexOf(id));
      assertEquals(packed.indexOf("enr-9999999"), -1);
    }),
    { numRuns: 6 },
  );
});

Deno.test("a packed IdTable in increasing order gives its ids back packed, and has no array of them", () => {
  const table = IdTable.packed();
  for (let i = 0; i < 140_000; i++) assertEquals(table.add(`enr-${String(i).padStart(7, "0")}`), i);
  assertEquals([table.at(0), table.at(70_000), table.at(139_999)], ["enr-0000000", "enr-0070000", "enr-0139999"]);
  assertEquals(table.indexOf("enr-0065536"), 65_536);
  assertEquals(table.add("enr-0000003"), 3);
  assertEquals(table.add("a-new-one"), 140_000);
  let thrown = false;
  try {
    table.ids;
  } catch {
    thrown = true;
  }
  assert(thrown, "a packed table has no array of its ids");
});

Deno.test("a packed IdTable answers a number it has no id for as a plain one does: undefined", () => {
  const packed = IdTable.packed();
  const plain = new IdTable();
  for (let i = 0; i < 70_000; i++) assertEquals(packed.add(`enr-${i}`), plain.add(`enr-${i}`));
  for (const n of [-1, 70_000, 1e9, NaN, 0.5, 65_536.5]) assertEquals(packed.at(n), plain.at(n), `at(${n})`);
  assertEquals(packed.at(65_536), "enr-65536");
});
