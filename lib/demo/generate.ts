/**
 * Generates a whole district, consistent between its roster and the platform:
 * campuses, students in families with their guardians, teachers, classes and
 * enrollments, with the dirt real rosters carry (accents, commas in names,
 * `3` for `03`). Seeded: the same options give the same district every run.
 */
import type { AcademicSession, BuiltRoster, Class, Course, Enrollment, Org, User } from "../model/roster.ts";
import { emptyRoster } from "../model/roster.ts";
import type { BuiltSnapshot, RosterSync } from "../model/snapshot.ts";
import { emptySnapshot } from "../model/snapshot.ts";
import { FAMILY_NAMES, GIVEN_NAMES, SUBJECTS } from "./names.ts";
import { seededRandom } from "./random.ts";

/** Options of {@link generateDistrict}. */
export interface DemoOptions {
  customerId?: string;
  name?: string;
  seed?: number;
  students?: number;
  /** Default: one campus per 1,500 students, at least 3. */
  campuses?: number;
}

/** A generated district: what its SIS exports and what the platform holds. */
export interface DemoDistrict {
  roster: BuiltRoster;
  platform: BuiltSnapshot;
}

/** The demo customer's defaults. */
export const DEMO_CUSTOMER_ID = "demo-isd";
export const DEMO_SEED = 20261124;
export const DEMO_STUDENTS = 1200;

const CLASS_SIZE = 25;
const CLASSES_PER_TEACHER = 5;
const KINDS = [
  { label: "Elementary", grades: ["KG", "01", "02", "03", "04", "05"] },
  { label: "Middle", grades: ["06", "07", "08"] },
  { label: "High", grades: ["09", "10", "11", "12"] },
] as const;
const CAMPUS_NAMES = [
  "Lincoln",
  "Washington",
  "Roosevelt",
  "Jefferson",
  "Adams",
  "Madison",
  "Monroe",
  "Jackson",
  "Franklin",
  "Hamilton",
  "Kennedy",
  "Grant",
  "Garfield",
  "Cleveland",
  "McKinley",
  "Wilson",
  "Hoover",
  "Truman",
];
const SCHOOL_YEAR = "sy-2027";
const TERMS = ["term-2027-s1", "term-2027-s2"];
const CLOCK = "2026-08-15 08:00:00+00";

const pad = (n: number, width: number) => String(n).padStart(width, "0");
const ascii = (s: string) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[^A-Za-z]/g, "").toLowerCase();

/**
 * Generates a clean district: every diagnostic finds nothing in it until
 * problems are planted (see `plant.ts`).
 *
 * @example
 * const { roster, platform } = generateDistrict({ students: 1200, seed: 7 });
 */
export function generateDistrict(options: DemoOptions = {}): DemoDistrict {
  const customerId = options.customerId ?? DEMO_CUSTOMER_ID;
  const studentCount = options.students ?? DEMO_STUDENTS;
  const campusCount = options.campuses ?? Math.max(3, Math.round(studentCount / 1500));
  const rng = seededRandom(options.seed ?? DEMO_SEED);
  const districtName = options.name ??
    (customerId === DEMO_CUSTOMER_ID ? "Demo Independent School District" : customerId);

  const roster = emptyRoster({ kind: "oneroster-csv", version: "1.1", location: "(generated)", systemName: "DemoSIS" });
  const platform = emptySnapshot({ id: 1, slug: customerId, name: districtName });
  const districtOrg = `dist-${customerId}`;
  roster.orgs.push({
    sourcedId: districtOrg,
    status: "active",
    name: districtName,
    type: "district",
    identifier: "D1",
  });

  // Campuses
  const campuses = Array.from({ length: campusCount }, (_, i) => {
    const kind = KINDS[i % KINDS.length];
    const base = CAMPUS_NAMES[Math.floor(i / KINDS.length) % CAMPUS_NAMES.length];
    const round = Math.floor(i / (KINDS.length * CAMPUS_NAMES.length));
    const name = `${base} ${kind.label}${round ? ` ${round + 1}` : ""}`;
    return { sourcedId: `sch-${pad(i + 1, 3)}`, platformId: 101 + i, name, kind };
  });
  for (const c of campuses) {
    roster.orgs.push(
      {
        sourcedId: c.sourcedId,
        status: "active",
        name: c.name,
        type: "school",
        identifier: String(c.platformId),
        parentSourcedId: districtOrg,
      } satisfies Org,
    );
    platform.campuses.push({ id: c.platformId, sourceId: c.sourcedId, name: c.name, deletedAt: null });
  }

  // Sessions
  roster.academicSessions.push(
    session(SCHOOL_YEAR, "2026-27", "schoolYear", "2026-08-01", "2027-06-15", ""),
    session(TERMS[0], "Fall 2026", "semester", "2026-08-01", "2026-12-18", SCHOOL_YEAR),
    session(TERMS[1], "Spring 2027", "semester", "2027-01-05", "2027-06-15", SCHOOL_YEAR),
  );

  // Students in families, with guardians
  type Kid = { user: User; campus: (typeof campuses)[number]; grade: string; platformId: number };
  const kids: Kid[] = [];
  let guardianSeq = 0;
  let parentPlatformId = 300001;
  for (let familyIndex = 0; kids.length < studentCount; familyIndex++) {
    const size = Math.min(studentCount - kids.length, rng.next() < 0.6 ? 1 : rng.next() < 0.75 ? 2 : 3);
    const familyName = rng.pick(FAMILY_NAMES);
    const members: Kid[] = [];
    for (let k = 0; k < size; k++) {
      const n = kids.length + 1;
      const campus = campuses[(n - 1) % campuses.length];
      const grade = rng.pick(campus.kind.grades);
      const sourcedId = `stu-${pad(n, 6)}`;
      const givenName = rng.pick(GIVEN_NAMES);
      // Some exporters drop the leading zero of a grade; the tools read 3 as 03.
      const exportedGrade = /^0\d$/.test(grade) && rng.chance(0.05) ? grade.slice(1) : grade;
      const user: User = {
        sourcedId,
        status: "active",
        enabledUser: true,
        role: "student",
        roles: [{ role: "student", roleType: "primary", orgSourcedId: campus.sourcedId }],
        orgSourcedIds: [campus.sourcedId],
        username: `${ascii(givenName)}.${ascii(familyName)}${n}`,
        givenName,
        familyName,
        middleName: "",
        identifier: String(100000 + n),
        email: `${ascii(givenName)}.${ascii(familyName)}${n}@students.${customerId}.org`,
        agentSourcedIds: [],
        grades: [exportedGrade],
      };
      const kid = { user, campus, grade, platformId: 100000 + n };
      kids.push(kid);
      members.push(kid);
      platform.students.push({
        id: kid.platformId,
        campusId: campus.platformId,
        sourceId: sourcedId,
        studentNumber: user.identifier,
        firstName: givenName,
        lastName: familyName,
        grade,
        deletedAt: null,
      });
    }
    // One family in ten has no guardian in the roster (adult students, records without contacts).
    const guardianCount = familyIndex % 10 === 9 ? 0 : rng.chance(0.6) ? 2 : 1;
    const bothSides = rng.chance(0.5);
    for (let g = 0; g < guardianCount; g++) {
      guardianSeq++;
      const givenName = rng.pick(GIVEN_NAMES);
      const guardianFamily = g === 1 && rng.chance(0.2) ? rng.pick(FAMILY_NAMES) : familyName;
      const sourcedId = `par-${pad(guardianSeq, 6)}`;
      const email = `${ascii(givenName)}.${ascii(guardianFamily)}.${guardianSeq}@example.org`;
      const role = g === 0 ? "parent" : rng.pick(["parent", "guardian", "relative"] as const);
      roster.users.push({
        sourcedId,
        status: "active",
        enabledUser: true,
        role,
        roles: [{ role, roleType: "primary", orgSourcedId: districtOrg }],
        orgSourcedIds: [districtOrg],
        username: email,
        givenName,
        familyName: guardianFamily,
        middleName: "",
        identifier: "",
        email: g === 0 && rng.chance(0.1) ? ` ${email.toUpperCase()} ` : email,
        agentSourcedIds: bothSides ? members.map((m) => m.user.sourcedId) : [],
        grades: [],
      });
      for (const m of members) m.user.agentSourcedIds.push(sourcedId);
      const id = parentPlatformId++;
      platform.parents.push({
        id,
        sourceId: sourcedId,
        email,
        firstName: givenName,
        lastName: guardianFamily,
        deletedAt: null,
      });
      for (const m of members) {
        platform.parentStudents.push({ parentId: id, studentId: m.platformId, origin: "roster", deletedAt: null });
      }
    }
  }
  for (const k of kids) roster.users.push(k.user);

  // Classes, teachers and enrollments, campus by campus and grade by grade
  let classSeq = 0;
  let teacherSeq = 0;
  let enrollmentSeq = 0;
  for (const campus of campuses) {
    const campusKids = kids.filter((k) => k.campus === campus);
    let teacher: { user: User; platformId: number; load: number } | undefined;
    for (const grade of campus.kind.grades) {
      const inGrade = campusKids.filter((k) => k.grade === grade);
      if (inGrade.length === 0) continue;
      const sections = Math.ceil(inGrade.length / CLASS_SIZE);
      for (const subject of SUBJECTS) {
        const courseId = `crs-${campus.sourcedId.slice(4)}-${grade}-${ascii(subject).slice(0, 4)}`;
        roster.courses.push(
          {
            sourcedId: courseId,
            status: "active",
            title: `${subject} ${gradeLabel(grade)}`,
            courseCode: `${ascii(subject).slice(0, 4).toUpperCase()}${grade}`,
            orgSourcedId: campus.sourcedId,
            schoolYearSourcedId: SCHOOL_YEAR,
          } satisfies Course,
        );
        for (let s = 0; s < sections; s++) {
          classSeq++;
          const classId = `cls-${pad(classSeq, 6)}`;
          const classPlatformId = 20000 + classSeq;
          const title = `${subject} ${gradeLabel(grade)} ${String.fromCharCode(65 + (s % 26))}${s >= 26 ? s : ""}`;
          const classCode = `${ascii(subject).slice(0, 4).toUpperCase()}-${grade}-${s + 1}`;
          roster.classes.push(
            {
              sourcedId: classId,
              status: "active",
              title,
              classCode,
              classType: subject === "Homeroom" ? "homeroom" : "scheduled",
              courseSourcedId: courseId,
              schoolSourcedId: campus.sourcedId,
              termSourcedIds: TERMS,
              grades: [grade],
            } satisfies Class,
          );
          platform.classes.push({
            id: classPlatformId,
            campusId: campus.platformId,
            sourceId: classId,
            title,
            classCode,
            deletedAt: null,
          });
          if (!teacher || teacher.load >= CLASSES_PER_TEACHER) {
            teacherSeq++;
            const givenName = rng.pick(GIVEN_NAMES);
            const familyName = rng.pick(FAMILY_NAMES);
            const sourcedId = `tch-${pad(teacherSeq, 5)}`;
            const email = `${ascii(givenName)}.${ascii(familyName)}.${teacherSeq}@${customerId}.org`;
            const user: User = {
              sourcedId,
              status: "active",
              enabledUser: true,
              role: "teacher",
              roles: [{ role: "teacher", roleType: "primary", orgSourcedId: campus.sourcedId }],
              orgSourcedIds: [campus.sourcedId],
              username: email,
              givenName,
              familyName,
              middleName: "",
              identifier: `T${pad(teacherSeq, 5)}`,
              email,
              agentSourcedIds: [],
              grades: [],
            };
            teacher = { user, platformId: 5000 + teacherSeq, load: 0 };
            roster.users.push(user);
            platform.teachers.push({
              id: teacher.platformId,
              campusId: campus.platformId,
              sourceId: sourcedId,
              email,
              firstName: givenName,
              lastName: familyName,
              deletedAt: null,
            });
          }
          teacher.load++;
          const enroll = (userSourcedId: string, role: "student" | "teacher", personId: number) => {
            enrollmentSeq++;
            const sourcedId = `enr-${pad(enrollmentSeq, 7)}`;
            roster.enrollments.push(
              {
                sourcedId,
                status: "active",
                classSourcedId: classId,
                schoolSourcedId: campus.sourcedId,
                userSourcedId,
                role,
                primary: role === "teacher" ? true : undefined,
                beginDate: "2026-08-01",
                endDate: "2027-06-15",
              } satisfies Enrollment,
            );
            platform.enrollments.push({
              id: 1000000 + enrollmentSeq,
              classId: classPlatformId,
              role,
              studentId: role === "student" ? personId : null,
              teacherId: role === "teacher" ? personId : null,
              sourceId: sourcedId,
              deletedAt: null,
            });
          };
          enroll(teacher.user.sourcedId, "teacher", teacher.platformId);
          for (let i = s; i < inGrade.length; i += sections) {
            enroll(inGrade[i].user.sourcedId, "student", inGrade[i].platformId);
          }
        }
      }
    }
  }

  // A district administrator: in the roster, not a platform user; no tool reports it.
  roster.users.push({
    sourcedId: "adm-00001",
    status: "active",
    enabledUser: true,
    role: "administrator",
    roles: [{ role: "administrator", roleType: "primary", orgSourcedId: districtOrg }],
    orgSourcedIds: [districtOrg],
    username: `it.admin@${customerId}.org`,
    givenName: "Pat",
    familyName: "Admin",
    middleName: "",
    identifier: "A1",
    email: `it.admin@${customerId}.org`,
    agentSourcedIds: [],
    grades: [],
  });

  platform.rosterSyncs = syncHistory(kids.length, teacherSeq, classSeq, enrollmentSeq);
  return { roster, platform };
}

function gradeLabel(grade: string): string {
  return grade === "KG" ? "Kindergarten" : `Grade ${grade}`;
}

function session(
  sourcedId: string,
  title: string,
  type: string,
  startDate: string,
  endDate: string,
  parentSourcedId: string,
): AcademicSession {
  return { sourcedId, status: "active", title, type, startDate, endDate, parentSourcedId, schoolYear: "2027" };
}

/** Ten nightly syncs ending the day before the demo's date, one partial and one failed. */
function syncHistory(students: number, teachers: number, classes: number, enrollments: number): RosterSync[] {
  const out: RosterSync[] = [];
  for (let day = 0; day < 10; day++) {
    const date = new Date(Date.UTC(2026, 10, 14 + day, 7, 0, 0));
    const status = day === 4 ? "partial" : day === 7 ? "failed" : "succeeded";
    const minutes = status === "failed" ? 1 : 6 + (day % 3);
    const finished = new Date(date.getTime() + minutes * 60_000);
    out.push({
      id: day + 1,
      sourceKind: "oneroster-csv",
      startedAt: pgTimestamp(date),
      finishedAt: pgTimestamp(finished),
      status,
      stats: status === "failed" ? null : {
        students: status === "partial" ? Math.round(students * 0.4) : students,
        teachers,
        classes,
        enrollments,
        skipped: day % 4,
      },
      error: status === "failed" ? "SFTP download failed: connection reset by peer" : null,
    });
  }
  return out;
}

/** A timestamp as PostgreSQL prints a timestamptz in UTC: `2026-11-14 07:00:00+00`. */
function pgTimestamp(date: Date): string {
  return date.toISOString().replace("T", " ").replace(/\.\d{3}Z$/, "+00");
}

/** The timestamp generated rows carry in `updated_at` and `created_at`. */
export const GENERATED_AT = CLOCK;
