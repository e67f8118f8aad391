/**
 * `deno task vault init|set|get|list|rm`: manages the team's encrypted vault
 * of named secrets. Never prints a secret unless `get --reveal`.
 */
import { emptyVault, readVault, VaultError, type VaultKey, vaultKey, writeVault } from "../lib/credentials/vault.ts";
import { loadDefaults } from "../lib/credentials/defaults.ts";
import { promptSecret } from "../lib/cli/prompt.ts";
import { EXIT, UsageError } from "../lib/cli/errors.ts";
import { runMain } from "../lib/cli/main.ts";
import { parseCli } from "../lib/cli/args.ts";

const HELP = `Usage: deno task vault <command> [--file FILE]

  init                    create an empty vault (refuses to overwrite one)
  set NAME FIELD [VALUE]  set a field of a secret; without VALUE it is read from
                          standard input (so it stays out of the shell's history)
  get NAME [--reveal]     show a secret's fields, values hidden unless --reveal
  list                    the secrets' names and field names
  rm NAME [FIELD]         remove a secret, or one of its fields

The vault is FILE, else CDT_VAULT_FILE, else config/defaults.json's "vault",
else config/team.vault. It is unlocked by CDT_VAULT_IDENTITY (an age identity
file), else CDT_VAULT_PASSPHRASE, else a passphrase asked on the terminal.
Writes are atomic: an interrupted write leaves the old vault intact.

Names the tools ask for: platform/staging, platform/production (fields url, or
host, port, database, user, password), <customer>/<source> (clientId,
clientSecret, or token), hubspot (accessToken, or clientId, clientSecret,
refreshToken).

Example:
  deno task vault set lincoln-usd/classlink clientId ab12…
  deno task vault set lincoln-usd/classlink clientSecret < secret.txt
`;

const encoder = new TextEncoder();
const say = (s: string) => Deno.stdout.writeSync(encoder.encode(s + "\n"));

async function main(args: string[]): Promise<number> {
  const parsed = parseCli(args, { file: { type: "string" }, reveal: { type: "boolean" } }, HELP, true);
  if (!parsed) return EXIT.ok;
  const { values, positionals } = parsed;
  const [command, name, field, value] = positionals;
  if (!command) {
    console.log(HELP);
    return EXIT.usage;
  }
  const env = Deno.env.toObject();
  const defaults = await loadDefaults();
  const path = values.file ?? env.CDT_VAULT_FILE ?? defaults.vault ??
    new URL("../config/team.vault", import.meta.url).pathname;
  const key = (confirm = false): Promise<VaultKey> =>
    vaultKey(env, async () => {
      const first = await promptSecret("Vault passphrase: ");
      if (confirm && first !== await promptSecret("Again: ")) {
        throw new VaultError("the passphrases differ; nothing written");
      }
      return first;
    });

  switch (command) {
    case "init": {
      try {
        await Deno.stat(path);
        throw new VaultError(`${path} exists; remove it first to start a new vault`);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      await writeVault(path, emptyVault(), await key(true));
      say(`created ${path}`);
      return EXIT.ok;
    }
    case "set": {
      if (!name || !field) throw new UsageError("usage: vault set NAME FIELD [VALUE]");
      const k = await key();
      const data = await readVault(path, k);
      const secret = value ?? (await new Response(Deno.stdin.readable).text()).replace(/\r?\n$/, "");
      if (!secret) throw new UsageError(`no value for ${name} ${field}: give it as an argument or on standard input`);
      data.secrets[name] = { ...(data.secrets[name] ?? {}), [field]: secret };
      await writeVault(path, data, k);
      say(`set ${name} ${field}`);
      return EXIT.ok;
    }
    case "get": {
      if (!name) throw new UsageError("usage: vault get NAME [--reveal]");
      const secret = (await readVault(path, await key())).secrets[name];
      if (!secret) throw new UsageError(`no secret named ${name} in ${path}`);
      for (const [f, v] of Object.entries(secret)) {
        say(`${f}: ${values.reveal ? v : `•••••• (${v.length} characters)`}`);
      }
      return EXIT.ok;
    }
    case "list": {
      const data = await readVault(path, await key());
      for (const [n, fields] of Object.entries(data.secrets).sort()) say(`${n}: ${Object.keys(fields).join(", ")}`);
      return EXIT.ok;
    }
    case "rm": {
      if (!name) throw new UsageError("usage: vault rm NAME [FIELD]");
      const k = await key();
      const data = await readVault(path, k);
      if (!data.secrets[name]) throw new UsageError(`no secret named ${name} in ${path}`);
      if (field) delete data.secrets[name][field];
      else delete data.secrets[name];
      await writeVault(path, data, k);
      say(`removed ${name}${field ? ` ${field}` : ""}`);
      return EXIT.ok;
    }
  }
  throw new UsageError(`unknown command "${command}"\n\n${HELP}`);
}

if (import.meta.main) await runMain("vault", main);
