import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "./helpers/assert.ts";
import {
  ParentStudentTable,
  ParentTable,
  PlatformClassTable,
  StudentTable,
  TeacherTable,
} from "../lib/model/platform-tables.ts";
import type { ParentStudent } from "../lib/model/snapshot.ts";
import { PlatformEnrollmentTable } from "../lib/model/platform-enrollment-table.ts";
import { TEST_DATABASE_URL, withTestDatabase } from "./helpers/database.ts";
import { connectUrl, databaseUrl, readOnly, redactUrl } from "../lib/platform/connect.ts";
import { PlatformError } from "../lib/platform/errors.ts";
import { readSnapshot } from "../lib/platform/read.ts";
import { readCopyText } from "../lib/platform/copy-text.ts";
import { SCHEMA_URL } from "../lib/platform/load.ts";
import { generateDistrict } from "../lib/demo/generate.ts";
import { plantProblems } from "../lib/demo/plant.ts";

const dbTest = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "a write through the connector is refused by the server",
  ...dbTest,
  fn: () =>
    withTestDatabase(async (db) => {
      const conn = connectUrl(db.url, { environment: "staging", applicationName: "cdt test" });
      try {
        const err = await assertRejects(
          () => readOnly(conn, (tx) => tx`insert into districts (id, slug, name) values (9, 'x', 'X')`),
          PlatformError,
        );
        assertMatch(err.message, /refused a write: the tools only read/);
        assertMatch(err.message, /read-only transaction/);
        if (db.kind === "postgres") {
          // Real PostgreSQL also honours default_transaction_read_only outside our transactions.
          await assertRejects(() => conn.sql`insert into districts (id, slug, name) values (9, 'x', 'X')`, Error);
        }
        const [{ n }] = await db.admin<{ n: number }[]>`select count(*)::int as n from districts where id = 9`;
        assertEquals(n, 0);
      } finally {
        await conn.close();
      }
    }),
});

Deno.test({
  name: "every read runs in a read-only transaction with the session settings the connector asks for",
  ...dbTest,
  fn: () =>
    withTestDatabase(async (db) => {
      const conn = connectUrl(db.url, {
        environment: "staging",
        applicationName: "cdt test",
        statementTimeoutMs: 45_000,
      });
      try {
        const [row] = await readOnly(conn, (tx) =>
          tx<{ ro: string; timeout: string; app: string }[]>`
            select current_setting('transaction_read_only') as ro,
                   current_setting('statement_timeout') as timeout,
                   current_setting('application_name') as app`);
        assertEquals(row.ro, "on");
        if (db.kind === "postgres") {
          assertEquals(row.timeout, "45s");
          assertEquals(row.app, "cdt test");
        }
      } finally {
        await conn.close();
      }
    }),
});

Deno.test({
  name: "a district read back through the connector equals the district written",
  ...dbTest,
  fn: async () => {
    const district = generateDistrict({ customerId: "round-trip", students: 150, seed: 3 });
    plantProblems(district);
    await withTestDatabase(async (db) => {
      const conn = connectUrl(db.url, { environment: "staging" });
      try {
        const tables: string[] = [];
        const snapshot = await readSnapshot(conn, "round-trip", {
          onProgress: (p) => p.done && tables.push(`${p.table}:${p.rows}`),
        });
        const sortById = <T extends { id: number }>(xs: T[]) => [...xs].sort((a, b) => a.id - b.id);
        const expected = district.platform;
        assertEquals(snapshot.district, expected.district);
        assertEquals(snapshot.campuses, sortById(expected.campuses));
        assert(
          snapshot.students instanceof StudentTable && snapshot.parents instanceof ParentTable &&
            snapshot.parentStudents instanceof ParentStudentTable && snapshot.teachers instanceof TeacherTable &&
            snapshot.classes instanceof PlatformClassTable,
          "the platform's people and links are kept as columns",
        );
        assertEquals([...snapshot.students], sortById(expected.students));
        assertEquals([...snapshot.teachers], sortById(expected.teachers));
        assertEquals([...snapshot.parents], sortById(expected.parents));
        assertEquals([...snapshot.classes], sortById(expected.classes));
        assert(
          snapshot.enrollments instanceof PlatformEnrollmentTable,
          "the platform's enrollments are kept as columns",
        );
        assertEquals([...snapshot.enrollments], sortById(expected.enrollments));
        assertEquals(snapshot.rosterSyncs, expected.rosterSyncs);
        const byLink = (a: ParentStudent, b: ParentStudent) => a.parentId - b.parentId || a.studentId - b.studentId;
        assertEquals([...snapshot.parentStudents], [...expected.parentStudents].sort(byLink));
        assert(tables.includes(`enrollments:${expected.enrollments.length}`), tables.join(" "));
      } finally {
        await conn.close();
      }
    }, district.platform);
  },
});

Deno.test({
  name: "an unknown customer is a configuration error that says how many districts the database holds",
  ...dbTest,
  fn: () =>
    withTestDatabase(async (db) => {
      const conn = connectUrl(db.url, { environment: "production" });
      try {
        const err = await assertRejects(() => readSnapshot(conn, "nowhere-usd"), PlatformError);
        assert(err.config);
        assertMatch(err.message, /has no district with slug "nowhere-usd" \(it holds 1 district\)/);
      } finally {
        await conn.close();
      }
    }, generateDistrict({ students: 10 }).platform),
});

Deno.test({
  name: "an unreachable server is a clear error that names the server but never the password",
  ...dbTest,
  fn: async () => {
    const conn = connectUrl("postgres://cdt:hunter2secret@127.0.0.1:1/platform", { environment: "production" });
    try {
      const err = await assertRejects(() => readSnapshot(conn, "demo-isd"), PlatformError);
      assertMatch(
        err.message,
        /cannot reach the production platform database \(postgres:\/\/cdt@127\.0\.0\.1:1\/platform\)/,
      );
      assert(!err.message.includes("hunter2secret"));
    } finally {
      await conn.close();
    }
  },
});

Deno.test("a remote environment without its URL variable is a configuration error naming the variable", () => {
  const err = assertThrows(() => databaseUrl("production", {}), PlatformError);
  assert(err.config);
  assertMatch(err.message, /PRODUCTION_DATABASE_URL is not set/);
  assertEquals(databaseUrl("staging", { STAGING_DATABASE_URL: " postgres://a@b/c " }), "postgres://a@b/c");
  assertEquals(redactUrl("postgres://u:p%40ss@h:5432/d?sslmode=require"), "postgres://u@h:5432/d");
});

Deno.test({
  name: "the project's schema copy matches the shared platform contract",
  ignore: !existsSync(new URL("../../shared/platform/schema.sql", import.meta.url)),
  fn: async () => {
    const shared = await Deno.readTextFile(new URL("../../shared/platform/schema.sql", import.meta.url));
    assertEquals(await Deno.readTextFile(SCHEMA_URL), shared);
  },
});

Deno.test({
  name: "a 20,000-student district streams from a real server (small tables by cursor, big ones as COPY text)",
  ignore: !TEST_DATABASE_URL,
  ...dbTest,
  fn: async () => {
    const district = generateDistrict({ customerId: "big-usd", students: 20_000, seed: 20 });
    await withTestDatabase(async (db) => {
      const conn = connectUrl(db.url, { environment: "staging" });
      try {
        const snapshot = await readSnapshot(conn, "big-usd");
        assertEquals(snapshot.students.length, 20_000);
        assertEquals(snapshot.enrollments.length, district.platform.enrollments.length);
        assertEquals(snapshot.parentStudents.length, district.platform.parentStudents.length);
      } finally {
        await conn.close();
      }
    }, district.platform);
  },
});

function existsSync(url: URL): boolean {
  try {
    Deno.statSync(url);
    return true;
  } catch {
    return false;
  }
}

Deno.test({
  name: "text with tabs, line breaks, backslashes, \\N and any script comes back from the platform as written",
  ...dbTest,
  fn: async () => {
    const district = generateDistrict({ customerId: "dirty-text", students: 60, seed: 5 });
    const dirty = ["Tab\there", "two\nlines", "back\\slash", "\\N", "", "Zoë 😀 ñ", "cr\rlf\r\n", "trailing\\"];
    const p = district.platform;
    p.students.forEach((s, i) => {
      s.firstName = dirty[i % dirty.length];
      s.studentNumber = i % 3 === 0 ? null : dirty[(i + 1) % dirty.length];
      s.sourceId = `${dirty[i % dirty.length]}#${i}`;
    });
    p.parents.forEach((x, i) => {
      x.email = `${dirty[i % dirty.length]}.${i}@x.org`;
      x.lastName = i % 2 ? null : dirty[(i + 3) % dirty.length];
    });
    p.teachers.forEach((t, i) => t.email = i % 2 ? null : dirty[i % dirty.length]);
    p.classes.forEach((c, i) => c.title = dirty[i % dirty.length] + c.title);
    p.enrollments.forEach((e, i) => e.sourceId = i % 4 === 0 ? null : `${dirty[i % dirty.length]}-${i}`);
    await withTestDatabase(async (db) => {
      const conn = connectUrl(db.url, { environment: "staging" });
      try {
        const snapshot = await readSnapshot(conn, "dirty-text");
        const sortById = <T extends { id: number }>(xs: T[]) => [...xs].sort((a, b) => a.id - b.id);
        assertEquals([...snapshot.students], sortById(p.students));
        assertEquals([...snapshot.parents], sortById(p.parents));
        assertEquals([...snapshot.teachers], sortById(p.teachers));
        assertEquals([...snapshot.classes], sortById(p.classes));
        assertEquals([...snapshot.enrollments], sortById(p.enrollments));
      } finally {
        await conn.close();
      }
    }, p);
  },
});

Deno.test({
  name: "a connection answers its next query after COPY reads, in and after the transaction",
  ...dbTest,
  fn: async () => {
    // Rows enough to fill postgres.js's stream while the server's last bytes arrive with the end of the COPY: the
    // socket was left paused and the next query on the connection waited forever (porsager/postgres#499).
    await withTestDatabase(async (db) => {
      const conn = connectUrl(db.url, { environment: "staging" });
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const work = (async () => {
          const counts = await readOnly(conn, async (tx) => {
            const rows: number[] = [];
            for (let i = 0; i < 3; i++) {
              const stream = await tx.unsafe(
                `copy (select i, repeat('x', 50) from generate_series(1, 2000) i) to stdout`,
              )
                .readable();
              rows.push(await readCopyText(stream, () => {}));
            }
            const [{ one }] = await tx<{ one: number }[]>`select 1 as one`;
            return [...rows, one];
          });
          // A row refused mid-COPY fails the read with its own error, and leaves the connection usable.
          const refused = await readOnly(conn, async (tx) => {
            const stream = await tx.unsafe(
              `copy (select i, repeat('x', 50) from generate_series(1, 50000) i) to stdout`,
            )
              .readable();
            await readCopyText(stream, (f) => {
              if (f.int() === 1000) throw new Error("row 1000 refused");
            });
          }).then(() => "read", (e: Error) => e.message);
          assertMatch(refused, /row 1000 refused/);
          const [{ two }] = await readOnly(conn, (tx) => tx<{ two: number }[]>`select 2 as two`);
          return [...counts, two];
        })();
        const late = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("the connection hung after a COPY")), 30_000);
        });
        assertEquals(await Promise.race([work, late]), [2000, 2000, 2000, 1, 2]);
      } finally {
        clearTimeout(timer);
        await conn.close();
      }
    });
  },
});
