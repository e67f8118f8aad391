/**
 * The team's vault: an age-encrypted JSON file of named secrets, unlocked by
 * a passphrase or an age identity file. Writes are atomic (temp file, then
 * rename), so an interrupted write never corrupts it.
 */
import { basename, dirname, join } from "node:path";
import { z } from "zod";
import type { ErrorCode } from "../errors.ts";

/** The age library, loaded when a vault is read or written (50 ms off the start of every command that opens none). */
const ageLibrary = () => import("age-encryption");

/** A vault that cannot be read or written: shells exit 2. */
export class VaultError extends Error {
  override name = "VaultError";
  readonly code: ErrorCode = "credentials.unavailable";
}

/** The decrypted content: secrets by name, each a set of fields. */
export const VaultData = z.object({
  version: z.literal(1),
  secrets: z.record(z.string(), z.record(z.string(), z.string())),
});
export type VaultData = z.infer<typeof VaultData>;

/** How to unlock: a passphrase, or an age identity (AGE-SECRET-KEY-…) with its recipient. */
export type VaultKey = { passphrase: string } | { identity: string };

/** An empty vault. */
export function emptyVault(): VaultData {
  return { version: 1, secrets: {} };
}

/**
 * Decrypts and parses a vault file.
 *
 * @example
 * const data = await readVault("secrets/team.vault", { passphrase: Deno.env.get("CDT_VAULT_PASSPHRASE")! });
 */
export async function readVault(path: string, key: VaultKey): Promise<VaultData> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new VaultError(`${path}: no vault here; create one with deno task vault init`);
    }
    throw new VaultError(`${path}: cannot be read (${(e as Error).message})`);
  }
  const age = await ageLibrary();
  const decrypter = new age.Decrypter();
  if ("passphrase" in key) decrypter.addPassphrase(key.passphrase);
  else decrypter.addIdentity(key.identity);
  let text: string;
  try {
    text = await decrypter.decrypt(bytes, "text");
  } catch (e) {
    const message = (e as Error).message ?? "";
    if (!new TextDecoder().decode(bytes.slice(0, 32)).startsWith("age-encryption.org/v1")) {
      throw new VaultError(`${path}: not an age-encrypted vault (the file is corrupted or another kind of file)`);
    }
    if (/no identity matched|incorrect|decrypt|passphrase|scrypt/i.test(message)) {
      throw new VaultError(`${path}: cannot unlock: wrong passphrase or identity`);
    }
    throw new VaultError(`${path}: the vault is corrupted (${message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new VaultError(`${path}: the vault decrypts but its content is not JSON (corrupted)`);
  }
  const parsed = VaultData.safeParse(json);
  if (!parsed.success) {
    throw new VaultError(`${path}: the vault's content has an unexpected shape (${parsed.error.issues[0].message})`);
  }
  return parsed.data;
}

/** Options of {@link writeVault}: the scrypt work factor (log2 N) for passphrases, lower only in tests. */
export interface WriteVaultOptions {
  scryptWorkFactor?: number;
}

/**
 * Encrypts and writes a vault atomically: a temporary file beside it, then a rename.
 *
 * @example
 * await writeVault(path, data, { passphrase });
 */
export async function writeVault(
  path: string,
  data: VaultData,
  key: VaultKey,
  options: WriteVaultOptions = {},
): Promise<void> {
  const age = await ageLibrary();
  const encrypter = new age.Encrypter();
  if ("passphrase" in key) {
    encrypter.setPassphrase(key.passphrase);
    if (options.scryptWorkFactor) encrypter.setScryptWorkFactor(options.scryptWorkFactor);
  } else {
    encrypter.addRecipient(await age.identityToRecipient(key.identity));
  }
  const bytes = await encrypter.encrypt(JSON.stringify(VaultData.parse(data)));
  await Deno.mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${crypto.randomUUID()}.tmp`);
  try {
    await Deno.writeFile(temp, bytes, { mode: 0o600 });
    await Deno.rename(temp, path);
  } catch (e) {
    await Deno.remove(temp).catch(() => {});
    throw new VaultError(`${path}: cannot be written (${(e as Error).message}); the vault was not changed`);
  }
}

/**
 * The key to unlock with: CDT_VAULT_IDENTITY (a file holding an AGE-SECRET-KEY), else
 * CDT_VAULT_PASSPHRASE, else a prompt when `prompt` is given (a terminal).
 *
 * @example
 * const key = await vaultKey(Deno.env.toObject(), () => promptSecret("Vault passphrase: "));
 */
export async function vaultKey(
  env: Record<string, string | undefined>,
  prompt?: () => Promise<string | undefined>,
): Promise<VaultKey> {
  if (env.CDT_VAULT_IDENTITY) {
    const text = await Deno.readTextFile(env.CDT_VAULT_IDENTITY).catch((e) => {
      throw new VaultError(`CDT_VAULT_IDENTITY: ${env.CDT_VAULT_IDENTITY} cannot be read (${(e as Error).message})`);
    });
    const identity = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l.startsWith("AGE-SECRET-KEY-"));
    if (!identity) throw new VaultError(`CDT_VAULT_IDENTITY: ${env.CDT_VAULT_IDENTITY} holds no AGE-SECRET-KEY line`);
    return { identity };
  }
  if (env.CDT_VAULT_PASSPHRASE) return { passphrase: env.CDT_VAULT_PASSPHRASE };
  const typed = await prompt?.();
  if (typed) return { passphrase: typed };
  throw new VaultError(
    "the vault is locked: set CDT_VAULT_PASSPHRASE or CDT_VAULT_IDENTITY (or run on a terminal to be asked)",
  );
}
