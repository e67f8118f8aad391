/** A fake AWS Secrets Manager (JSON 1.1 protocol) on 127.0.0.1:0. */
import { Hono } from "hono";

/** A running fake, with the secrets it serves by id and how many reads it answered. */
export interface FakeSecretsManager {
  endpoint: string;
  calls: number;
  stop(): Promise<void>;
}

/** Serves `secrets` (SecretId → SecretString object); checks that requests are SigV4-signed. */
export function startFakeSecretsManager(secrets: Record<string, Record<string, string>>): Promise<FakeSecretsManager> {
  const state = { endpoint: "", calls: 0, stop: () => Promise.resolve() };
  const app = new Hono();
  app.post("/", async (c) => {
    state.calls++;
    if (!(c.req.header("authorization") ?? "").startsWith("AWS4-HMAC-SHA256 ")) {
      return c.json({ __type: "UnrecognizedClientException", message: "unsigned" }, 400);
    }
    if (c.req.header("x-amz-target") !== "secretsmanager.GetSecretValue") {
      return c.json({ __type: "InvalidAction" }, 400);
    }
    const { SecretId } = await c.req.json();
    const secret = secrets[SecretId];
    if (!secret) {
      return c.json(
        { __type: "ResourceNotFoundException", message: "Secrets Manager can't find the specified secret." },
        400,
        {
          "content-type": "application/x-amz-json-1.1",
        },
      );
    }
    return c.json(
      {
        ARN: `arn:aws:secretsmanager:us-east-1:1:secret:${SecretId}`,
        Name: SecretId,
        SecretString: JSON.stringify(secret),
        VersionId: "v1",
      },
      200,
      {
        "content-type": "application/x-amz-json-1.1",
      },
    );
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  state.endpoint = `http://127.0.0.1:${server.addr.port}`;
  state.stop = () => server.shutdown();
  return Promise.resolve(state);
}
