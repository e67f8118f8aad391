import { assertEquals } from "./helpers/assert.ts";
import { withTestDatabase } from "./helpers/database.ts";
import postgres from "postgres";
import { connectUrl, type PlatformConnection } from "../lib/platform/connect.ts";
import { readFocusedSnapshot, SERIAL_SCANS } from "../lib/platform/focus.ts";
import { emptySnapshot, type Parent, type Student } from "../lib/model/snapshot.ts";

const DELETED = "2026-01-05 00:00:00+00";
const parent = (id: number, email: string, deletedAt: string | null = null): Parent => ({
  id,
  sourceId: `grd-${id}`,
  email,
  firstName: "Rosa",
  lastName: "Ruiz",
  deletedAt,
});
const student = (id: number, studentNumber: string | null, deletedAt: string | null = null): Student => ({
  id,
  campusId: null,
  sourceId: `stu-${id}`,
  studentNumber,
  firstName: "Ana",
  lastName: "Ruiz",
  grade: "03",
  deletedAt,
});

Deno.test({
  name:
    "the focused slice finds a parent's every account by email, trimmed and in any case, deleted ones too, and a student's twins by trimmed number",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const platform = emptySnapshot({ id: 1, slug: "focus-isd", name: "Focus ISD" });
    platform.parents = [
      parent(1, "rosa@example.org"), // found through the platform's index on lower(email)
      parent(2, "  Rosa@Example.org "), // spaces around it: only the scan finds it
      parent(3, "ROSA@example.org", DELETED), // soft-deleted: outside the index
      parent(4, "other@example.org"),
    ];
    platform.students = [
      student(10, "1042"),
      student(11, " 1042 "),
      student(12, "1042", DELETED),
      student(13, "9"),
      student(14, "2077\t"), // PostgreSQL's trim() keeps a tab: found only as written
      student(15, "3088\t"),
      student(16, "3088"), // a twin of 15 as JavaScript trims (as the lookup compares twins)
      student(17, " 3088\t"), // trimmed of spaces, 15's number as written, but nobody's twin
    ];
    await withTestDatabase(async (db) => {
      const conn = connectUrl(db.url, { environment: "staging" });
      try {
        const byEmail = await readFocusedSnapshot(conn, "focus-isd", { parentEmails: [" ROSA@example.org"] });
        assertEquals(byEmail.parents.map((p) => p.id), [1, 2, 3]);
        const byNumber = await readFocusedSnapshot(conn, "focus-isd", { studentNumbers: ["1042 "] });
        assertEquals(byNumber.students.map((s) => s.id), [10, 11, 12]);
        const tab = await readFocusedSnapshot(conn, "focus-isd", { studentNumbers: ["2077\t"] });
        assertEquals(tab.students.map((s) => s.id), [14]);
        // A twin by a found student's own number, which was not asked for.
        const twins = await readFocusedSnapshot(conn, "focus-isd", { studentSourceIds: ["stu-11"] });
        assertEquals(twins.students.map((s) => s.id), [10, 11, 12]);
        const tabTwins = await readFocusedSnapshot(conn, "focus-isd", { studentSourceIds: ["stu-15"] });
        assertEquals(tabTwins.students.map((s) => s.id), [15, 16]);
        // By platform id: alone through the index and a scan for the twins, or with numbers in one scan.
        const byId = await readFocusedSnapshot(conn, "focus-isd", { studentIds: [15] });
        assertEquals(byId.students.map((s) => s.id), [15, 16]);
        const byIdAndNumber = await readFocusedSnapshot(conn, "focus-isd", { studentIds: [15], studentNumbers: ["9"] });
        assertEquals(byIdAndNumber.students.map((s) => s.id), [13, 15, 16]);
        const both = await readFocusedSnapshot(conn, "focus-isd", {
          studentSourceIds: ["stu-13"],
          studentNumbers: ["1042"],
        });
        assertEquals(both.students.map((s) => s.id), [10, 11, 12, 13]);
        const none = await readFocusedSnapshot(conn, "focus-isd", {});
        assertEquals([none.students.length, none.parents.length, none.teachers.length], [0, 0, 0]);
      } finally {
        await conn.close();
      }
    }, platform);
  },
});

Deno.test({
  name:
    "the focused slice finds parents by their links and by source id, and scans without parallel workers in its own transaction",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const platform = emptySnapshot({ id: 1, slug: "focus-isd", name: "Focus ISD" });
    platform.parents = [parent(1, "a@example.org"), parent(2, "b@example.org"), parent(3, "c@example.org")];
    platform.students = [student(10, "1042"), student(11, "1043")];
    platform.parentStudents = [
      { parentId: 2, studentId: 10, origin: "roster", deletedAt: null },
      { parentId: 3, studentId: 11, origin: "roster", deletedAt: null },
    ];
    await withTestDatabase(async (db) => {
      // Every statement the read sends, as the server receives it.
      const sent: string[] = [];
      const sql = postgres(db.url, {
        max: 1,
        onnotice: () => {},
        debug: (_connection: number, query: string) => void sent.push(query.trim()),
      });
      const conn: PlatformConnection = {
        environment: "staging",
        server: "test",
        sql: sql as unknown as PlatformConnection["sql"],
        close: () => sql.end(),
      };
      const workers = async () =>
        (await sql<{ n: string }[]>`select current_setting('max_parallel_workers_per_gather') as n`)[0].n;
      try {
        const before = await workers();
        const slice = await readFocusedSnapshot(conn, "focus-isd", {
          studentSourceIds: ["stu-10"],
          parentSourceIds: ["grd-1"],
        });
        // grd-1 by source id (a scan), 2 through its link to stu-10 (by id); 3 is linked to another student.
        assertEquals(slice.parents.map((p) => p.id), [1, 2]);
        assertEquals(slice.students.map((s) => s.id), [10]);
        const begin = sent.findIndex((q) => /^begin\b/i.test(q));
        assertEquals(sent[begin + 1], SERIAL_SCANS, `after begin: ${sent.slice(begin, begin + 2).join(" | ")}`);
        // The setting is the transaction's own: the connection's next query runs as the server is set.
        assertEquals(await workers(), before);
      } finally {
        await conn.close();
      }
    }, platform);
  },
});
