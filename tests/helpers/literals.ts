/** Small literal records for hand-built rosters and snapshots. */
import type { Class, Enrollment, Org, User } from "../../lib/model/roster.ts";
import type {
  Campus,
  Parent,
  ParentStudent,
  PlatformClass,
  PlatformEnrollment,
  Student,
  Teacher,
} from "../../lib/model/snapshot.ts";

export const school = (sourcedId: string, o: Partial<Org> = {}): Org => ({
  sourcedId,
  status: "active",
  name: `School ${sourcedId}`,
  type: "school",
  identifier: "",
  ...o,
});

export const sourceUser = (sourcedId: string, role: User["role"], o: Partial<User> = {}): User => ({
  sourcedId,
  status: "active",
  enabledUser: true,
  role,
  roles: [],
  orgSourcedIds: ["sch-1"],
  username: sourcedId,
  givenName: "Ana",
  familyName: "Ruiz",
  middleName: "",
  identifier: "",
  email: "",
  agentSourcedIds: [],
  grades: [],
  ...o,
});

export const sourceClass = (sourcedId: string, o: Partial<Class> = {}): Class => ({
  sourcedId,
  status: "active",
  title: `Class ${sourcedId}`,
  classCode: "",
  classType: "scheduled",
  courseSourcedId: "",
  schoolSourcedId: "sch-1",
  termSourcedIds: [],
  grades: [],
  ...o,
});

export const sourceEnrollment = (
  sourcedId: string,
  classSourcedId: string,
  userSourcedId: string,
  role: string,
  o: Partial<Enrollment> = {},
): Enrollment => ({ sourcedId, status: "active", classSourcedId, schoolSourcedId: "sch-1", userSourcedId, role, ...o });

export const campus = (id: number, sourceId: string | null, o: Partial<Campus> = {}): Campus => ({
  id,
  sourceId,
  name: `Campus ${id}`,
  deletedAt: null,
  ...o,
});

export const platformStudent = (id: number, sourceId: string | null, o: Partial<Student> = {}): Student => ({
  id,
  campusId: 1,
  sourceId,
  studentNumber: null,
  firstName: "Ana",
  lastName: "Ruiz",
  grade: null,
  deletedAt: null,
  ...o,
});

export const platformTeacher = (id: number, sourceId: string | null, o: Partial<Teacher> = {}): Teacher => ({
  id,
  campusId: 1,
  sourceId,
  email: null,
  firstName: "Li",
  lastName: "Lee",
  deletedAt: null,
  ...o,
});

export const platformClass = (id: number, sourceId: string | null, o: Partial<PlatformClass> = {}): PlatformClass => ({
  id,
  campusId: 1,
  sourceId,
  title: `Class ${id}`,
  classCode: null,
  deletedAt: null,
  ...o,
});

export const platformEnrollment = (
  id: number,
  classId: number,
  role: "student" | "teacher",
  personId: number,
  o: Partial<PlatformEnrollment> = {},
): PlatformEnrollment => ({
  id,
  classId,
  role,
  studentId: role === "student" ? personId : null,
  teacherId: role === "teacher" ? personId : null,
  sourceId: `enr-${id}`,
  deletedAt: null,
  ...o,
});

export const platformParent = (
  id: number,
  sourceId: string | null,
  email: string,
  o: Partial<Parent> = {},
): Parent => ({
  id,
  sourceId,
  email,
  firstName: "Rosa",
  lastName: "Ruiz",
  deletedAt: null,
  ...o,
});

export const link = (
  parentId: number,
  studentId: number,
  origin: ParentStudent["origin"] = "roster",
  o: Partial<ParentStudent> = {},
): ParentStudent => ({ parentId, studentId, origin, deletedAt: null, ...o });
