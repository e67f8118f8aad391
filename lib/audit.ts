/**
 * The audit log: one JSON line per read of customer data — CLI, notebook,
 * server — saying who looked at what, when and why (FERPA's record of
 * access, 34 CFR § 99.32). Never names or emails: ids, counts, and for one
 * person's lookup a keyed hash of their id.
 */
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { userInfo } from "node:os";
import { z } from "zod";
import { redact } from "./credentials/redact.ts";
import { SettingsError } from "./settings/load.ts";

/** One line of the audit log. */
export const AuditRecord = z.object({
  time: z.string(),
  /** The OS user, or the server's principal (a token's name, a signed-in user). */
  user: z.string(),
  customer: z.string(),
  environment: z.string(),
  /** diagnose, lookup, check-connections, or a server route. */
  operation: z.string(),
  /** How many records were read or returned, by kind. */
  records: z.record(z.string(), z.number().int()),
  requestId: z.string(),
  /** Why: the HubSpot ticket number when given. */
  purpose: z.string().optional(),
  /** For one person's lookup: a keyed hash of the looked-up id, never the id itself. */
  subject: z.string().optional(),
  route: z.string().optional(),
});
export type AuditRecord = z.infer<typeof AuditRecord>;

/** What an auditor stamps on every record. */
export interface AuditorOptions {
  path: string;
  user: string;
  purpose?: string;
  requestId?: string;
  /** Key for subject hashes. */
  key: string;
}

/** The project's logs/ folder. */
export const LOGS_DIR = fileURLToPath(new URL("../logs", import.meta.url));

/** Appends audit records. */
export class Auditor {
  constructor(readonly options: AuditorOptions) {}

  /**
   * Appends one record as one line (one write with O_APPEND: concurrent writers never interleave within a line).
   *
   * @example
   * await auditor.write({ customer: "demo-isd", environment: "embedded", operation: "diagnose", records: { findings: 140 } });
   */
  async write(
    entry: Omit<AuditRecord, "time" | "user" | "requestId" | "purpose"> & { requestId?: string },
  ): Promise<void> {
    const record = AuditRecord.parse({
      time: new Date().toISOString(),
      user: this.options.user,
      requestId: entry.requestId ?? this.options.requestId ?? crypto.randomUUID(),
      ...(this.options.purpose ? { purpose: this.options.purpose } : {}),
      ...entry,
    });
    await appendLine(this.options.path, redact(JSON.stringify(record)));
  }

  /**
   * A keyed hash (HMAC-SHA256, hex, 32 characters) of a looked-up id.
   *
   * @example
   * await auditor.subject("stu-000123") // "9f2c…"
   */
  async subject(id: string): Promise<string> {
    const key = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(this.options.key),
      { name: "HMAC", hash: "SHA-256" },
      false,
      [
        "sign",
      ],
    );
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(id)));
    return [...mac.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
  }
}

/** Appends one line in a single write, creating the folder first. */
export async function appendLine(path: string, line: string): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const file = await Deno.open(path, { append: true, create: true, mode: 0o600 });
  try {
    const bytes = new TextEncoder().encode(line.replace(/\n/g, " ") + "\n");
    let written = 0;
    while (written < bytes.length) written += await file.write(bytes.subarray(written));
  } finally {
    file.close();
  }
}

/**
 * The auditor for this process: `CDT_AUDIT_LOG` (or the defaults' `audit_log`,
 * or logs/audit.jsonl), the OS user, and a subject key from `CDT_AUDIT_KEY` or
 * logs/.audit-key (made once, readable by the user only).
 *
 * @example
 * const auditor = await createAuditor(Deno.env.toObject(), { purpose: "HubSpot ticket 4711" });
 */
export async function createAuditor(
  env: Record<string, string | undefined>,
  options: { purpose?: string; requestId?: string; user?: string; path?: string } = {},
): Promise<Auditor> {
  const path = options.path ?? env.CDT_AUDIT_LOG ?? Deno.env.get("CDT_AUDIT_LOG") ?? join(LOGS_DIR, "audit.jsonl");
  requireWritable(
    path,
    options.path
      ? "the audit log"
      : (env.CDT_AUDIT_LOG ?? Deno.env.get("CDT_AUDIT_LOG"))
      ? "CDT_AUDIT_LOG"
      : "the audit log",
  );
  return new Auditor({
    path,
    user: options.user ?? osUser(env),
    purpose: options.purpose,
    requestId: options.requestId,
    key: env.CDT_AUDIT_KEY ?? Deno.env.get("CDT_AUDIT_KEY") ?? await localKey(join(dirname(path), ".audit-key")),
  });
}

/**
 * Fails closed, before anything is read, when this process may not write the audit log (a task's
 * --allow-write does not cover it): no read goes unaudited, and the message says which variable points where.
 */
function requireWritable(path: string, what: string): void {
  const folder = dirname(resolve(path));
  if (Deno.permissions.querySync({ name: "write", path: folder }).state === "granted") return;
  const task = basename(Deno.mainModule).replace(/\.ts$/, "");
  throw new SettingsError(
    `${what} points to ${path}, where this process may not write (deno task ${task} is allowed to write only ` +
      `where its --allow-write says, normally logs/). No read runs unaudited: point ${
        what === "CDT_AUDIT_LOG" ? "CDT_AUDIT_LOG" : "the audit log"
      } into logs/, or run the tool with --allow-write=${folder},logs (deno run --allow-write=${folder},logs … tools/${task}.ts)`,
  );
}

function osUser(env: Record<string, string | undefined>): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? env.USERNAME ?? "unknown";
  }
}

async function localKey(path: string): Promise<string> {
  try {
    return (await Deno.readTextFile(path)).trim();
  } catch {
    const key = [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeTextFile(path, key, { mode: 0o600, createNew: true }).catch(() => {});
    return (await Deno.readTextFile(path)).trim();
  }
}

/** How many records a roster and a platform slice hold, for an audit line. */
export function recordCounts(
  roster:
    | { users: { length: number }; enrollments: { length: number }; classes: unknown[]; orgs: unknown[] }
    | undefined,
  platform:
    | {
      students: { length: number };
      teachers: { length: number };
      parents: { length: number };
      enrollments: { length: number };
    }
    | undefined,
  findings: number,
): Record<string, number> {
  return {
    ...(roster
      ? { sourceRecords: roster.users.length + roster.enrollments.length + roster.classes.length + roster.orgs.length }
      : {}),
    ...(platform
      ? {
        platformRecords: platform.students.length + platform.teachers.length + platform.parents.length +
          platform.enrollments.length,
      }
      : {}),
    findings,
  };
}
