/**
 * Writes a roster as a OneRoster 1.1 CSV bundle (a directory). Used for the
 * demo district's export; the same writer will save REST snapshots.
 */
import { join } from "node:path";
import type { Roster } from "../../model/roster.ts";
import { specColumns } from "./columns.ts";

/** Options of {@link writeOneRosterCsv}: the dirt real exporters add, for realistic demos. */
export interface WriteOptions {
  /** Start each file with a UTF-8 byte order mark. */
  bom?: boolean;
  /** End lines with CRLF (the RFC 4180 default) instead of LF. */
  crlf?: boolean;
  /** Write `status` blank for active rows, as the 1.1 bulk spec allows. */
  blankActiveStatus?: boolean;
}

/**
 * Quotes a CSV field when it holds a comma, quote or line break (RFC 4180).
 *
 * @example
 * csvField('Ruiz, "Ana"') // '"Ruiz, ""Ana"""'
 */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * Writes `manifest.csv` and the entity files of a roster into `dir` (created
 * if needed), replacing files of the same names.
 *
 * @example
 * await writeOneRosterCsv("demo-data/demo-isd/oneroster", roster, { bom: true, crlf: true });
 */
export async function writeOneRosterCsv(dir: string, roster: Roster, options: WriteOptions = {}): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const eol = options.crlf ? "\r\n" : "\n";
  const status = (s: string) => options.blankActiveStatus && s === "active" ? "" : s;
  const list = (xs: readonly string[]) => xs.join(",");
  const bool = (b: boolean | undefined) => b === undefined ? "" : String(b);

  async function write(stem: string, columns: readonly string[], rows: Iterable<Record<string, string>>) {
    const file = await Deno.open(join(dir, `${stem}.csv`), { write: true, create: true, truncate: true });
    const writer = file.writable.getWriter();
    const encoder = new TextEncoder();
    let buffer = (options.bom ? "\uFEFF" : "") + columns.join(",") + eol;
    for (const row of rows) {
      buffer += columns.map((c) => csvField(row[c] ?? "")).join(",") + eol;
      if (buffer.length > 1 << 16) {
        await writer.write(encoder.encode(buffer));
        buffer = "";
      }
    }
    await writer.write(encoder.encode(buffer));
    await writer.close();
  }

  const ext = (e: Record<string, string> | undefined) => e ?? {};
  const extColumns = (rows: Iterable<{ extensions?: Record<string, string> }>) => [
    ...new Set([...rows].flatMap((r) => Object.keys(r.extensions ?? {}))),
  ];

  const manifest: Array<Record<string, string>> = [
    { propertyName: "manifest.version", value: "1.0" },
    { propertyName: "oneroster.version", value: "1.1" },
    ...[
      "academicSessions",
      "categories",
      "classes",
      "classResources",
      "courses",
      "courseResources",
      "demographics",
      "enrollments",
      "lineItems",
      "orgs",
      "resources",
      "results",
      "users",
    ]
      .map((f) => {
        const present = ["academicSessions", "classes", "courses", "enrollments", "orgs", "users"].includes(f);
        const mode = present ? roster.fileModes[f as keyof Roster["fileModes"]] ?? "bulk" : "absent";
        return { propertyName: `file.${f}`, value: mode };
      }),
    ...(roster.source.systemName ? [{ propertyName: "source.systemName", value: roster.source.systemName }] : []),
  ];
  await write("manifest", ["propertyName", "value"], manifest);

  await write(
    "orgs",
    [...specColumns("1.1", "orgs"), ...extColumns(roster.orgs)],
    roster.orgs.map((o) => ({
      ...ext(o.extensions),
      sourcedId: o.sourcedId,
      status: status(o.status),
      name: o.name,
      type: o.type,
      identifier: o.identifier,
      parentSourcedId: o.parentSourcedId ?? "",
    })),
  );
  await write(
    "users",
    [...specColumns("1.1", "users"), ...extColumns(roster.users)],
    roster.users.map((u) => ({
      ...ext(u.extensions),
      sourcedId: u.sourcedId,
      status: status(u.status),
      enabledUser: String(u.enabledUser),
      orgSourcedIds: list(u.orgSourcedIds),
      role: u.role,
      username: u.username,
      givenName: u.givenName,
      familyName: u.familyName,
      middleName: u.middleName,
      identifier: u.identifier,
      email: u.email,
      agentSourcedIds: list(u.agentSourcedIds),
      grades: list(u.grades),
    })),
  );
  await write(
    "classes",
    [...specColumns("1.1", "classes"), ...extColumns(roster.classes)],
    roster.classes.map((c) => ({
      ...ext(c.extensions),
      sourcedId: c.sourcedId,
      status: status(c.status),
      title: c.title,
      grades: list(c.grades),
      courseSourcedId: c.courseSourcedId,
      classCode: c.classCode,
      classType: c.classType,
      schoolSourcedId: c.schoolSourcedId,
      termSourcedIds: list(c.termSourcedIds),
    })),
  );
  await write(
    "courses",
    specColumns("1.1", "courses"),
    roster.courses.map((c) => ({
      sourcedId: c.sourcedId,
      status: status(c.status),
      schoolYearSourcedId: c.schoolYearSourcedId,
      title: c.title,
      courseCode: c.courseCode,
      orgSourcedId: c.orgSourcedId,
    })),
  );
  await write(
    "academicSessions",
    specColumns("1.1", "academicSessions"),
    roster.academicSessions.map((s) => ({
      sourcedId: s.sourcedId,
      status: status(s.status),
      title: s.title,
      type: s.type,
      startDate: s.startDate,
      endDate: s.endDate,
      parentSourcedId: s.parentSourcedId,
      schoolYear: s.schoolYear,
    })),
  );
  await write(
    "enrollments",
    specColumns("1.1", "enrollments"),
    Array.from(roster.enrollments, (e) => ({
      sourcedId: e.sourcedId,
      status: status(e.status),
      classSourcedId: e.classSourcedId,
      schoolSourcedId: e.schoolSourcedId,
      userSourcedId: e.userSourcedId,
      role: e.role,
      primary: bool(e.primary),
      beginDate: e.beginDate ?? "",
      endDate: e.endDate ?? "",
    })),
  );
}
