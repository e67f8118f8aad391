/**
 * Loads and lists customer settings files, with errors that name the file,
 * the field and, for broken JSON, the line and column.
 */
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CustomerId, KNOWN_KEYS, Settings } from "./schema.ts";
import type { ErrorCode } from "../errors.ts";

/** A settings problem: bad file, bad field, unknown customer. Shells exit 2. */
export class SettingsError extends Error {
  override name = "SettingsError";
  /** `customer.unknown` when no settings file names the customer, else `settings.invalid`. */
  readonly code: ErrorCode;
  constructor(message: string, options?: ErrorOptions & { code?: "settings.invalid" | "customer.unknown" }) {
    super(message, options);
    this.code = options?.code ?? "settings.invalid";
  }
}

/** Settings as loaded: the validated fields, where they came from, and warnings. */
export interface LoadedSettings {
  settings: Settings;
  file: string;
  warnings: string[];
}

/** The settings directory shipped with the project. */
export const DEFAULT_SETTINGS_DIR = fileURLToPath(new URL("../../customer-integration-settings", import.meta.url));

/**
 * The settings directory: `--settings-dir`, else `CDT_SETTINGS_DIR`, else the project's own.
 *
 * @example
 * settingsDir(undefined, Deno.env.toObject())
 */
export function settingsDir(flag: string | undefined, env: Record<string, string | undefined>): string {
  return flag || env.CDT_SETTINGS_DIR || DEFAULT_SETTINGS_DIR;
}

/**
 * Refuses anything that is not a customer slug before a path is built from it.
 *
 * @example
 * checkCustomerId("../x") // throws SettingsError
 */
export function checkCustomerId(id: string): string {
  const parsed = CustomerId.safeParse(id);
  if (!parsed.success) {
    throw new SettingsError(`--customer "${id}" is not a customer id: it ${parsed.error.issues[0].message}`);
  }
  return parsed.data;
}

/**
 * Loads `<dir>/<customerId>.json`.
 *
 * @example
 * const { settings } = await loadSettings("customer-integration-settings", "demo-isd");
 */
export async function loadSettings(dir: string, customerId: string): Promise<LoadedSettings> {
  const id = checkCustomerId(customerId);
  const file = join(dir, `${id}.json`);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      const known = await listCustomerIds(dir);
      throw new SettingsError(
        `no settings for customer "${id}": ${file} does not exist` +
          (known.length
            ? `; known customers: ${known.join(", ")}`
            : `; the settings directory ${dir} has no customers`),
        { code: "customer.unknown" },
      );
    }
    throw new SettingsError(`${file}: cannot be read (${(e as Error).message})`);
  }
  return parseSettings(text, file, id);
}

/**
 * Parses and validates the text of one settings file.
 *
 * @example
 * parseSettings('{"customer_id": "x", …}', "x.json", "x")
 */
export function parseSettings(text: string, file: string, expectedId?: string): LoadedSettings {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SettingsError(`${file}:${jsonErrorPosition(text, e as Error)}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new SettingsError(
      `${file}: expected a JSON object with customer_id, customer_name, integration_type, oneshelf_environment, source`,
    );
  }
  const parsed = Settings.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const field = issue.path.join(".") || "(top level)";
      const missing = issue.code === "invalid_type" && readPath(json, issue.path) === undefined;
      return `${file}: field "${field}" ${missing ? "is missing" : issueText(issue)}`;
    });
    throw new SettingsError(lines.join("\n"));
  }
  const settings = parsed.data;
  if (expectedId !== undefined && settings.customer_id !== expectedId) {
    throw new SettingsError(
      `${file}: field "customer_id" is "${settings.customer_id}" but the file is named ${expectedId}.json; they must match`,
    );
  }
  const warnings = Object.keys(json).filter((k) => !(KNOWN_KEYS as readonly string[]).includes(k))
    .map((k) => `${file}: unknown field "${k}" kept but not used (known: ${KNOWN_KEYS.join(", ")})`);
  return { settings, file, warnings };
}

/**
 * Resolves a settings path (a source export) against the settings file's folder.
 *
 * @example
 * resolveSettingsPath(loaded, "../exports/lincoln.zip")
 */
export function resolveSettingsPath(loaded: Pick<LoadedSettings, "file">, path: string): string {
  return isAbsolute(path) ? path : resolve(dirname(loaded.file), path);
}

/**
 * Refuses early, with what to do, when an embedded customer's export has not
 * been written yet (the demo district's export is made by `deno task demo`).
 *
 * @example
 * await requireEmbeddedExport(loaded) // throws "…: the export is not there yet: run `deno task demo` first"
 */
export async function requireEmbeddedExport(loaded: LoadedSettings): Promise<void> {
  const { settings } = loaded;
  if (settings.oneshelf_environment !== "embedded" || settings.source.kind !== "oneroster-csv") return;
  const path = resolveSettingsPath(loaded, settings.source.path);
  try {
    await Deno.stat(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) return;
    throw new SettingsError(
      `${path}: ${settings.customer_id}'s export is not there yet: run \`deno task demo\` first (it writes the demo district's export)`,
    );
  }
}

/** The customer ids that have a settings file in `dir`, sorted. */
export async function listCustomerIds(dir: string): Promise<string[]> {
  const ids: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.endsWith(".json")) ids.push(entry.name.slice(0, -5));
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new SettingsError(`settings directory ${dir} does not exist`);
    throw e;
  }
  return ids.sort();
}

function issueText(issue: { code: string; message: string; values?: unknown[] }): string {
  if (issue.code === "invalid_value" && issue.values) {
    return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  return issue.message.replace(/^Invalid input: /, "").replace(/^expected/, "must be");
}

function readPath(value: unknown, path: PropertyKey[]): unknown {
  let v = value;
  for (const key of path) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** "line:column" of a JSON.parse error, from V8's message. */
function jsonErrorPosition(text: string, e: Error): string {
  const lc = /line (\d+) column (\d+)/.exec(e.message);
  if (lc) return `${lc[1]}:${lc[2]}`;
  const pos = /position (\d+)/.exec(e.message);
  const offset = pos ? Number(pos[1]) : text.length;
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return `${line}:${column}`;
}
