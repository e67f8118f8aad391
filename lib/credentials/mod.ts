/** Builds the credential resolver for this machine: environment, vault, AWS, defaults. */
import { existsSync } from "node:fs";
import { AwsSecrets } from "./aws.ts";
import { loadDefaults, type MachineDefaults } from "./defaults.ts";
import { CredentialResolver } from "./resolver.ts";
import { vaultKey } from "./vault.ts";

/** Options of {@link createResolver}. */
export interface CreateResolverOptions {
  /** Asks for the vault passphrase on a terminal. */
  prompt?: () => Promise<string | undefined>;
  defaults?: MachineDefaults;
}

/**
 * The resolver the shells use. The vault is `CDT_VAULT_FILE` or the defaults'
 * `vault`; AWS is used when `CDT_AWS_SECRET_PREFIX` (with `AWS_REGION`) or the
 * defaults' `aws` is set (`CDT_AWS_ENDPOINT` overrides the endpoint).
 *
 * @example
 * const resolver = await createResolver(Deno.env.toObject());
 * const { url } = await resolver.databaseUrl("production");
 */
export async function createResolver(
  env: Record<string, string | undefined>,
  options: CreateResolverOptions = {},
): Promise<CredentialResolver> {
  const defaults = options.defaults ?? await loadDefaults();
  const vaultPath = env.CDT_VAULT_FILE ?? defaults.vault;
  const region = env.CDT_AWS_REGION ?? env.AWS_REGION ?? defaults.aws?.region;
  const prefix = env.CDT_AWS_SECRET_PREFIX ?? defaults.aws?.secret_prefix;
  return new CredentialResolver({
    env,
    defaults,
    vault: vaultPath && existsSync(vaultPath)
      ? { path: vaultPath, key: () => vaultKey(env, options.prompt) }
      : undefined,
    aws: region && prefix !== undefined
      ? new AwsSecrets({ region, prefix, endpoint: env.CDT_AWS_ENDPOINT })
      : undefined,
  });
}

/** A resolver that reads only the given environment variables (tests, libraries). */
export function envResolver(env: Record<string, string | undefined>): CredentialResolver {
  return new CredentialResolver({ env });
}

export { CredentialResolver };
