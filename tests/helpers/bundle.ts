/** Small OneRoster bundles written from literal CSV text, for one-off cases. */
import { join } from "node:path";

/** A temporary directory removed after `fn`. */
export async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "cdt-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The 1.1 headers, in spec order. */
export const HEADERS = {
  orgs: "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
  users:
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password",
  classes:
    "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods",
  enrollments:
    "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate",
};

/** Minimal valid 1.1 files (a school, a student, a teacher, a class); tests override one or two. */
export const MINIMAL_11: Record<string, string> = {
  "manifest.csv":
    "propertyName,value\noneroster.version,1.1\nfile.orgs,bulk\nfile.users,bulk\nfile.classes,bulk\nfile.enrollments,bulk\n",
  "orgs.csv":
    "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\nsch-1,active,,Lincoln,school,1,\n",
  "users.csv":
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n" +
    "stu-1,active,,true,sch-1,student,ana,,Ana,Ruiz,,1042,,,,,03,\n" +
    "tch-1,active,,true,sch-1,teacher,li,,Li,Lee,,T1,li@example.org,,,,,\n",
  "classes.csv":
    "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n" +
    "cls-1,active,,Reading,03,crs-1,R3,scheduled,,sch-1,t1,,,\n",
  "enrollments.csv":
    "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n" +
    "enr-1,active,,cls-1,sch-1,stu-1,student,false,,\n" +
    "enr-2,active,,cls-1,sch-1,tch-1,teacher,true,,\n",
};

/**
 * Writes a bundle of files (the minimal 1.1 bundle, overridden by `files`; a
 * `null` value leaves a file out) and runs `fn` on its directory.
 */
export async function withBundle(
  files: Record<string, string | null>,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  await withTempDir(async (dir) => {
    for (const [name, text] of Object.entries({ ...MINIMAL_11, ...files })) {
      if (text !== null) await Deno.writeTextFile(join(dir, name), text);
    }
    await fn(dir);
  });
}
