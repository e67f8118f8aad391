/**
 * Who may use the server: named API tokens (stored hashed, compared in
 * constant time, revocable) and browser sessions made from them (HttpOnly,
 * Secure, SameSite=Strict cookies with an idle timeout and an absolute
 * lifetime). Roles: support reads staging and the demo; engineer also
 * production; a token may narrow environments and customers further.
 */
import { timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { Environment } from "../lib/platform/connect.ts";

/** A stored token: never the token itself, only its SHA-256. */
export const StoredToken = z.object({
  name: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  role: z.enum(["support", "engineer"]),
  allowed_environments: z.array(z.enum(["embedded", "staging", "production"])).optional(),
  customers: z.array(z.string()).optional(),
  revoked: z.boolean().optional(),
});
export type StoredToken = z.infer<typeof StoredToken>;

/** Who is asking. */
export interface Principal {
  name: string;
  role: "support" | "engineer";
  environments: readonly Environment[];
  /** undefined: every customer. */
  customers?: readonly string[];
  via: "token" | "session";
}

/**
 * SHA-256 of a token, hex.
 *
 * @example
 * await sha256Hex("cdt_abc")
 */
export async function sha256Hex(value: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A new random token. */
export function newToken(): string {
  return `cdt_${[...crypto.getRandomValues(new Uint8Array(24))].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** The tokens the server accepts. */
export class TokenStore {
  constructor(readonly tokens: StoredToken[]) {}

  /**
   * Reads a token file (JSON array); a missing file means no tokens.
   *
   * @example
   * const store = await TokenStore.load("config/server-tokens.json");
   */
  static async load(path: string): Promise<TokenStore> {
    try {
      return new TokenStore(z.array(StoredToken).parse(JSON.parse(await Deno.readTextFile(path))));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return new TokenStore([]);
      throw new Error(`${path}: not a valid token file (${(e as Error).message})`);
    }
  }

  /**
   * Writes the tokens file atomically (temporary file, then rename), readable by its owner only.
   *
   * @example
   * await store.save("config/server-tokens.json");
   */
  async save(path: string): Promise<void> {
    const temp = `${path}.${crypto.randomUUID()}.tmp`;
    await Deno.writeTextFile(temp, JSON.stringify(this.tokens, null, 2) + "\n", { mode: 0o600 });
    await Deno.rename(temp, path);
  }

  /** The principal of a presented token, or undefined (unknown or revoked). Compares every stored hash in constant time. */
  async verify(token: string): Promise<Principal | undefined> {
    const hash = new TextEncoder().encode(await sha256Hex(token));
    let match: StoredToken | undefined;
    for (const t of this.tokens) {
      if (timingSafeEqual(hash, new TextEncoder().encode(t.sha256)) && !match) match = t;
    }
    if (!match || match.revoked) return undefined;
    return principalOf(match, "token");
  }
}

/** The principal a stored token grants. */
export function principalOf(t: StoredToken, via: Principal["via"]): Principal {
  const byRole: Environment[] = t.role === "engineer" ? ["embedded", "staging", "production"] : ["embedded", "staging"];
  return {
    name: t.name,
    role: t.role,
    environments: t.allowed_environments ? byRole.filter((e) => t.allowed_environments!.includes(e)) : byRole,
    customers: t.customers,
    via,
  };
}

/** Session lifetimes. */
export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

/** Browser sessions, in memory. */
export class SessionStore {
  #sessions = new Map<string, { principal: Principal; created: number; seen: number }>();

  constructor(readonly policy: SessionPolicy, readonly now: () => number = Date.now) {}

  /** Opens a session and returns its id (the cookie's value). */
  open(principal: Principal): string {
    const id = [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");
    const t = this.now();
    this.#sessions.set(id, { principal: { ...principal, via: "session" }, created: t, seen: t });
    return id;
  }

  /** The session's principal, or undefined when unknown, idle too long, or too old. */
  get(id: string): Principal | undefined {
    const s = this.#sessions.get(id);
    if (!s) return undefined;
    const t = this.now();
    if (t - s.seen > this.policy.idleMs || t - s.created > this.policy.absoluteMs) {
      this.#sessions.delete(id);
      return undefined;
    }
    s.seen = t;
    return s.principal;
  }

  close(id: string): void {
    this.#sessions.delete(id);
  }
}

/** A fixed-window rate limit per principal. */
export class RateLimiter {
  #windows = new Map<string, { start: number; count: number }>();

  constructor(readonly perMinute: number, readonly now: () => number = Date.now) {}

  /** Seconds to wait when over the limit, else 0. */
  take(key: string): number {
    const t = this.now();
    const w = this.#windows.get(key);
    if (!w || t - w.start >= 60_000) {
      this.#windows.set(key, { start: t, count: 1 });
      return 0;
    }
    w.count++;
    return w.count > this.perMinute ? Math.ceil((w.start + 60_000 - t) / 1000) : 0;
  }
}
