/** `deno task server-token add|list|revoke`: the named API tokens of the server (stored hashed). */
import { newToken, sha256Hex, StoredToken, TokenStore } from "../server/auth.ts";
import { DEFAULT_TOKENS } from "../server/build.ts";
import { EXIT, UsageError } from "../lib/cli/errors.ts";
import { runMain } from "../lib/cli/main.ts";
import { parseCli } from "../lib/cli/args.ts";

const HELP =
  `Usage: deno task server-token <add NAME --role support|engineer [--env E]... [--customer ID]... | list | revoke NAME>

Manages the server's tokens file (CDT_SERVER_TOKENS, else config/server-tokens.json).
A new token is printed once; only its SHA-256 is stored.
`;

async function main(args: string[]): Promise<number> {
  const parsed = parseCli(
    args,
    { role: { type: "string" }, env: { type: "string", multiple: true }, customer: { type: "string", multiple: true } },
    HELP,
    true,
  );
  if (!parsed) return EXIT.ok;
  const { values, positionals } = parsed;
  const [command, name] = positionals;
  if (!command) {
    console.log(HELP);
    return EXIT.usage;
  }
  const path = Deno.env.get("CDT_SERVER_TOKENS") ?? DEFAULT_TOKENS;
  const store = await TokenStore.load(path);
  const tokens = store.tokens;
  const save = () => store.save(path);
  if (command === "add") {
    if (!name) throw new UsageError("usage: server-token add NAME --role support|engineer");
    if (values.role !== "support" && values.role !== "engineer") {
      throw new UsageError("--role must be support or engineer");
    }
    if (tokens.some((t) => t.name === name && !t.revoked)) {
      throw new UsageError(`a token named ${name} exists; revoke it first`);
    }
    const token = newToken();
    tokens.push(StoredToken.parse({
      name,
      sha256: await sha256Hex(token),
      role: values.role,
      ...(values.env ? { allowed_environments: values.env } : {}),
      ...(values.customer ? { customers: values.customer } : {}),
    }));
    await save();
    console.log(token);
    console.error(`added ${name} (${values.role}); the token above is shown once`);
    return EXIT.ok;
  }
  if (command === "list") {
    for (const t of tokens) {
      console.log(
        `${t.name}  ${t.role}${t.allowed_environments ? `  env ${t.allowed_environments.join(",")}` : ""}${
          t.customers ? `  customers ${t.customers.join(",")}` : ""
        }${t.revoked ? "  REVOKED" : ""}`,
      );
    }
    return EXIT.ok;
  }
  if (command === "revoke") {
    const t = tokens.find((x) => x.name === name && !x.revoked);
    if (!t) throw new UsageError(`no active token named ${name}`);
    t.revoked = true;
    await save();
    console.error(`revoked ${name}`);
    return EXIT.ok;
  }
  throw new UsageError(`unknown command "${command}"\n\n${HELP}`);
}

if (import.meta.main) await runMain("server-token", main);
