/**
 * AWS Secrets Manager, when deployed: a secret named `<prefix><name>` whose
 * SecretString is a JSON object of fields. Values are cached in memory for
 * a few minutes. The SDK is loaded only when AWS is configured.
 */

/** Where the secrets live. */
export interface AwsSecretsConfig {
  region: string;
  prefix: string;
  /** An endpoint override (a VPC endpoint, or a fake on loopback in tests). */
  endpoint?: string;
  /** How long a value is reused; default 5 minutes. */
  cacheMs?: number;
}

/** Reads named secrets from Secrets Manager. */
export class AwsSecrets {
  #cache = new Map<string, { value: Record<string, string> | undefined; expires: number }>();
  #client?: Promise<{ send: (cmd: unknown) => Promise<{ SecretString?: string }>; command: (id: string) => unknown }>;
  /** Calls made to AWS (cache misses). */
  calls = 0;

  constructor(readonly config: AwsSecretsConfig) {}

  /**
   * The secret's fields, or undefined when AWS has no such secret.
   *
   * @example
   * await new AwsSecrets({ region: "us-east-1", prefix: "cdt/" }).get("platform/production")
   */
  async get(name: string): Promise<Record<string, string> | undefined> {
    const hit = this.#cache.get(name);
    if (hit && hit.expires > Date.now()) return hit.value;
    const client = await (this.#client ??= this.#load());
    this.calls++;
    let value: Record<string, string> | undefined;
    try {
      const out = await client.send(client.command(`${this.config.prefix}${name}`));
      value = out.SecretString ? JSON.parse(out.SecretString) : undefined;
    } catch (e) {
      const err = e as { name?: string; message?: string };
      if (err.name !== "ResourceNotFoundException") {
        throw new Error(
          `AWS Secrets Manager (${this.config.region}): reading "${this.config.prefix}${name}" failed: ${
            err.name ?? "error"
          }`,
        );
      }
    }
    this.#cache.set(name, { value, expires: Date.now() + (this.config.cacheMs ?? 5 * 60_000) });
    return value;
  }

  async #load() {
    const sdk = await import("@aws-sdk/client-secrets-manager");
    const client = new sdk.SecretsManagerClient({
      region: this.config.region,
      ...(this.config.endpoint ? { endpoint: this.config.endpoint } : {}),
      maxAttempts: 3,
    });
    return {
      send: (cmd: unknown) => client.send(cmd as InstanceType<typeof sdk.GetSecretValueCommand>),
      command: (id: string) => new sdk.GetSecretValueCommand({ SecretId: id }),
    };
  }
}
