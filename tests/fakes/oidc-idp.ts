/**
 * A fake OpenID Connect provider on 127.0.0.1:0: discovery, an authorize
 * endpoint that signs in `email` at once, a token endpoint (client secret by
 * HTTP Basic) issuing RS256 id tokens and refresh tokens, JWKS, revocation.
 * The id token says `email_verified: true` unless `emailVerified` is false
 * (or null: the claim is left out, as some providers do).
 */
import { Hono } from "hono";
import { encodeBase64 } from "../../lib/encoding.ts";

const b64url = (bytes: Uint8Array) => encodeBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const json64 = (o: unknown) => b64url(new TextEncoder().encode(JSON.stringify(o)));

/** A running fake IdP. */
export interface FakeIdp {
  issuer: string;
  tokensIssued: number;
  stop(): Promise<void>;
}

/** Starts the IdP; every sign-in is `email`. */
export async function startFakeIdp(
  options: { clientId: string; clientSecret: string; email: string; emailVerified?: boolean | null },
): Promise<FakeIdp> {
  const keys = await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  );
  const jwk = { ...(await crypto.subtle.exportKey("jwk", keys.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  const codes = new Map<string, { nonce?: string; redirect: string }>();
  const state: FakeIdp = { issuer: "", tokensIssued: 0, stop: () => Promise.resolve() };
  const sign = async (claims: Record<string, unknown>) => {
    const input = `${json64({ alg: "RS256", kid: "k1", typ: "JWT" })}.${json64(claims)}`;
    const sig = new Uint8Array(
      await crypto.subtle.sign("RSASSA-PKCS1-v1_5", keys.privateKey, new TextEncoder().encode(input)),
    );
    return `${input}.${b64url(sig)}`;
  };
  const app = new Hono();
  app.get("/.well-known/openid-configuration", (c) =>
    c.json({
      issuer: state.issuer,
      authorization_endpoint: `${state.issuer}/authorize`,
      token_endpoint: `${state.issuer}/token`,
      jwks_uri: `${state.issuer}/jwks`,
      revocation_endpoint: `${state.issuer}/revoke`,
      response_types_supported: ["code"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
      scopes_supported: ["openid", "email", "offline_access"],
      token_endpoint_auth_methods_supported: ["client_secret_basic"],
    }));
  app.get("/jwks", (c) => c.json({ keys: [jwk] }));
  app.get("/authorize", (c) => {
    if (c.req.query("client_id") !== options.clientId) return c.text("unknown client", 400);
    const code = crypto.randomUUID();
    const redirect = c.req.query("redirect_uri")!;
    codes.set(code, { nonce: c.req.query("nonce"), redirect });
    const back = new URL(redirect);
    back.searchParams.set("code", code);
    if (c.req.query("state")) back.searchParams.set("state", c.req.query("state")!);
    back.searchParams.set("iss", state.issuer);
    return c.redirect(back.toString(), 302);
  });
  app.post("/token", async (c) => {
    const [id, secret] = atob((c.req.header("authorization") ?? "").replace(/^Basic /, "")).split(":").map(
      decodeURIComponent,
    );
    if (id !== options.clientId || secret !== options.clientSecret) return c.json({ error: "invalid_client" }, 401);
    const form = new URLSearchParams(await c.req.text());
    const now = Math.floor(Date.now() / 1000);
    let nonce: string | undefined;
    if (form.get("grant_type") === "authorization_code") {
      const entry = codes.get(form.get("code") ?? "");
      if (!entry) return c.json({ error: "invalid_grant" }, 400);
      codes.delete(form.get("code")!);
      nonce = entry.nonce;
    } else if (form.get("grant_type") !== "refresh_token") {
      return c.json({ error: "unsupported_grant_type" }, 400);
    }
    state.tokensIssued++;
    const idToken = await sign({
      iss: state.issuer,
      aud: options.clientId,
      sub: "user-1",
      email: options.email,
      ...(options.emailVerified === null ? {} : { email_verified: options.emailVerified ?? true }),
      iat: now,
      exp: now + 600,
      ...(nonce ? { nonce } : {}),
    });
    return c.json({
      access_token: crypto.randomUUID(),
      token_type: "Bearer",
      expires_in: 600,
      id_token: idToken,
      refresh_token: crypto.randomUUID(),
    });
  });
  app.post("/revoke", (c) => c.body(null, 200));
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  state.issuer = `http://127.0.0.1:${server.addr.port}`;
  state.stop = () => server.shutdown();
  return state;
}
