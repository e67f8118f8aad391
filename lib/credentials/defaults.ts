/**
 * Machine-specific defaults in config/defaults.json (gitignored; an example
 * is committed): default environment, settings dir, database host and port,
 * where the vault and the audit log are. Never passwords: a file with a
 * password-like key is refused.
 */
import { z } from "zod";

const Host = z.object({
  host: z.string().optional(),
  port: z.number().int().optional(),
  database: z.string().optional(),
  user: z.string().optional(),
}).strict();

/** config/defaults.json. */
export const MachineDefaults = z.object({
  environment: z.enum(["embedded", "staging", "production"]).optional(),
  settings_dir: z.string().optional(),
  db: z.object({ staging: Host.optional(), production: Host.optional() }).strict().optional(),
  vault: z.string().optional(),
  aws: z.object({ region: z.string(), secret_prefix: z.string().default("") }).strict().optional(),
  audit_log: z.string().optional(),
}).strict();
export type MachineDefaults = z.infer<typeof MachineDefaults>;

/** The project's config/defaults.json. */
export const DEFAULTS_FILE = new URL("../../config/defaults.json", import.meta.url);

/**
 * Reads the machine's defaults; a missing file means none.
 *
 * @example
 * const defaults = await loadDefaults();
 */
export async function loadDefaults(path: string | URL = DEFAULTS_FILE): Promise<MachineDefaults> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return {};
    throw e;
  }
  const json = parseWithoutQuoting(text, path);
  const secretKey = findSecretKey(json);
  if (secretKey) {
    throw new Error(`${path}: "${secretKey}" looks like a secret; machine defaults never hold secrets (use the vault)`);
  }
  const parsed = MachineDefaults.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path}: field "${issue.path.join(".")}" ${issue.message}`);
  }
  return parsed.data;
}

// V8's JSON errors can quote the text around the fault, and a broken file may be one holding a password
// by mistake: say where, never what.
function parseWithoutQuoting(text: string, path: string | URL): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const at = /line (\d+) column (\d+)/.exec((e as Error).message);
    throw new Error(`${path}: not valid JSON${at ? ` at line ${at[1]}, column ${at[2]}` : ""}`);
  }
}

function findSecretKey(v: unknown, path = ""): string | undefined {
  if (!v || typeof v !== "object") return undefined;
  for (const [k, child] of Object.entries(v)) {
    const here = path ? `${path}.${k}` : k;
    if (/password|secret(?!_prefix)|token|passphrase/i.test(k)) return here;
    const deeper = findSecretKey(child, here);
    if (deeper) return deeper;
  }
  return undefined;
}
