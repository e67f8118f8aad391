/**
 * One resolver for every secret, asked by name (`platform/production`,
 * `lincoln-usd/classlink`, `hubspot`), trying in order:
 *   1. environment variables;
 *   2. the team's age-encrypted vault (when configured);
 *   3. AWS Secrets Manager (when configured);
 * with machine defaults (config/defaults.json) filling in hosts and ports,
 * never passwords. Every secret handed out is registered for redaction.
 */
import { type AwsSecrets } from "./aws.ts";
import { type ClientCredentials, CredentialError, credentialVariable } from "./env.ts";
import type { MachineDefaults } from "./defaults.ts";
import { registerDatabaseUrl, registerSecret } from "./redact.ts";
import { checkDatabaseUrl } from "./database-url.ts";
import { readVault, type VaultData, type VaultKey } from "./vault.ts";

/** Where a secret was found. */
export type SecretSource = "env" | "vault" | "aws";

/** A resolved secret. */
export interface Resolved {
  name: string;
  fields: Record<string, string>;
  from: SecretSource;
}

/** What the resolver may consult. */
export interface ResolverOptions {
  env: Record<string, string | undefined>;
  defaults?: MachineDefaults;
  /** The vault file and how to unlock it (asked only when a secret is not in the environment). */
  vault?: { path: string; key: () => Promise<VaultKey> };
  aws?: AwsSecrets;
}

/** Resolves named secrets in the documented order. */
export class CredentialResolver {
  #vault?: Promise<VaultData>;

  constructor(readonly options: ResolverOptions) {}

  /**
   * The secret's fields and where they came from, or undefined when no source has it.
   *
   * @example
   * await resolver.find("lincoln-usd/classlink") // { fields: { clientId, clientSecret }, from: "vault" }
   */
  async find(name: string): Promise<Resolved | undefined> {
    const fromEnv = this.#env(name);
    if (fromEnv) return this.#register({ name, fields: fromEnv, from: "env" });
    if (this.options.vault) {
      const data = await (this.#vault ??= this.options.vault.key().then((key) =>
        readVault(this.options.vault!.path, key)
      ));
      const fields = data.secrets[name];
      if (fields) return this.#register({ name, fields, from: "vault" });
    }
    if (this.options.aws) {
      const fields = await this.options.aws.get(name);
      if (fields) return this.#register({ name, fields, from: "aws" });
    }
    return undefined;
  }

  /** Like {@link find}, but fails with what was tried. */
  async require(name: string): Promise<Resolved> {
    const found = await this.find(name);
    if (found) return found;
    const tried = [`environment (${this.#envHint(name)})`];
    if (this.options.vault) tried.push(`vault ${this.options.vault.path}`);
    if (this.options.aws) tried.push(`AWS Secrets Manager (${this.options.aws.config.prefix}${name})`);
    throw new CredentialError(`credential "${name}" is not configured; tried ${tried.join(", ")}`);
  }

  /**
   * A platform database URL for an environment.
   *
   * @example
   * await resolver.databaseUrl("production")
   */
  async databaseUrl(environment: "staging" | "production"): Promise<{ url: string; from: SecretSource }> {
    const found = await this.require(`platform/${environment}`);
    const f = found.fields;
    const P = environment.toUpperCase();
    const where = found.from === "env"
      ? `${P}_DATABASE_URL`
      : `credential "platform/${environment}" (${found.from}) field "url"`;
    if (f.url) return { url: validUrl(f.url, where), from: found.from };
    const host = this.options.defaults?.db?.[environment];
    const parts = {
      host: f.host ?? host?.host,
      port: f.port ?? host?.port,
      database: f.database ?? host?.database,
      user: f.user ?? host?.user,
    };
    if (!parts.host || !parts.database || !parts.user) {
      throw new CredentialError(
        `credential "platform/${environment}" lacks host, database or user (and config/defaults.json does not give them)`,
      );
    }
    const auth = `${encodeURIComponent(parts.user)}${f.password ? `:${encodeURIComponent(f.password)}` : ""}`;
    const url = `postgres://${auth}@${parts.host}:${parts.port ?? 5432}/${encodeURIComponent(parts.database)}`;
    registerDatabaseUrl(url);
    const built = found.from === "env"
      ? `the URL built from ${P}_DB_HOST/_PORT/_NAME/_USER`
      : `the URL built from credential "platform/${environment}" (${found.from}) fields host, port, database, user`;
    return { url: validUrl(url, built), from: found.from };
  }

  /** An OAuth client id and secret. */
  async clientCredentials(name: string): Promise<ClientCredentials> {
    const { fields } = await this.require(name);
    if (!fields.clientId || !fields.clientSecret) {
      throw new CredentialError(`credential "${name}" has no clientId and clientSecret`);
    }
    return { name, clientId: fields.clientId, clientSecret: fields.clientSecret };
  }

  /** A static bearer token. */
  async bearerToken(name: string): Promise<string> {
    const { fields } = await this.require(name);
    const token = fields.token ?? fields.accessToken;
    if (!token) throw new CredentialError(`credential "${name}" has no token`);
    return token;
  }

  #register(resolved: Resolved): Resolved {
    for (const [k, v] of Object.entries(resolved.fields)) {
      // A URL's secrets are registered before anything parses it: a malformed one is where parsers quote it.
      if (k === "url") registerDatabaseUrl(v);
      else if (/secret|password|token|url/i.test(k)) registerSecret(v);
    }
    return resolved;
  }

  #env(name: string): Record<string, string> | undefined {
    const env = this.options.env;
    const v = (k: string) => env[k]?.trim() || undefined;
    const platform = /^platform\/(staging|production)$/.exec(name);
    if (platform) {
      const p = platform[1].toUpperCase();
      if (v(`${p}_DATABASE_URL`)) return { url: v(`${p}_DATABASE_URL`)! };
      if (v(`${p}_DB_HOST`) || v(`${p}_DB_PASSWORD`)) {
        return clean({
          host: v(`${p}_DB_HOST`),
          port: v(`${p}_DB_PORT`),
          database: v(`${p}_DB_NAME`),
          user: v(`${p}_DB_USER`),
          password: v(`${p}_DB_PASSWORD`),
        });
      }
      return undefined;
    }
    if (name === "hubspot") {
      if (v("HUBSPOT_ACCESS_TOKEN")) return { accessToken: v("HUBSPOT_ACCESS_TOKEN")! };
      if (v("HUBSPOT_REFRESH_TOKEN")) {
        return clean({
          clientId: v("HUBSPOT_CLIENT_ID"),
          clientSecret: v("HUBSPOT_CLIENT_SECRET"),
          refreshToken: v("HUBSPOT_REFRESH_TOKEN"),
        });
      }
      return undefined;
    }
    const prefix = credentialVariable(name);
    if (v(`${prefix}_CLIENT_ID`) || v(`${prefix}_CLIENT_SECRET`)) {
      return clean({ clientId: v(`${prefix}_CLIENT_ID`), clientSecret: v(`${prefix}_CLIENT_SECRET`) });
    }
    if (v(`${prefix}_TOKEN`)) return { token: v(`${prefix}_TOKEN`)! };
    return undefined;
  }

  #envHint(name: string): string {
    const platform = /^platform\/(staging|production)$/.exec(name);
    if (platform) {
      return `${platform[1].toUpperCase()}_DATABASE_URL or ${
        platform[1].toUpperCase()
      }_DB_HOST/_PORT/_NAME/_USER/_PASSWORD`;
    }
    if (name === "hubspot") return "HUBSPOT_ACCESS_TOKEN, or HUBSPOT_CLIENT_ID/_CLIENT_SECRET/_REFRESH_TOKEN";
    const p = credentialVariable(name);
    return `${p}_CLIENT_ID and ${p}_CLIENT_SECRET, or ${p}_TOKEN`;
  }
}

function clean(o: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

/** The URL, trimmed, or a {@link CredentialError} naming where it came from and what is wrong, never its value. */
function validUrl(url: string, where: string): string {
  const problem = checkDatabaseUrl(url);
  if (problem) throw new CredentialError(`${where} is not a valid postgres:// URL: ${problem}`);
  return url.trim();
}
