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
  /** The SHA-256 of the token this principal came from (absent for company sign-in), to re-check it on every request. */
  tokenHash?: string;
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
  /** @param tokens the live list: {@link followTokenFile} replaces its content when the file changes. */
  constructor(readonly tokens: StoredToken[]) {}

  /**
   * Reads a token file (JSON array); a missing file means no tokens.
   *
   * @example
   * const store = await TokenStore.load("config/server-tokens.json");
   */
  static async load(path: string): Promise<TokenStore> {
    return new TokenStore(await readTokenFile(path));
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

  /**
   * The principal a token grants today, by the hash a session remembered; undefined once it is revoked or gone.
   *
   * @example
   * store.current(session.tokenHash!, "session")
   */
  current(sha256: string, via: Principal["via"]): Principal | undefined {
    const match = this.tokens.find((t) => t.sha256 === sha256);
    return match && !match.revoked ? principalOf(match, via) : undefined;
  }
}

/** Reads a tokens file (a JSON array); a missing file is no tokens. */
async function readTokenFile(path: string): Promise<StoredToken[]> {
  try {
    return z.array(StoredToken).parse(JSON.parse(await Deno.readTextFile(path)));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw new Error(`${path}: not a valid token file (${(e as Error).message})`);
  }
}

/** Options of {@link followTokenFile}. */
export interface FollowOptions {
  /** How often the file's modification time, size and inode are compared; default 2000 ms. */
  intervalMs?: number;
  /** Tokens kept whatever the file holds (the one-time demo token). */
  keep?: readonly StoredToken[];
  /** Told of every reload: how many tokens are active, or why the file was refused. */
  onReload?: (event: { active: number } | { error: string }) => void;
}

/**
 * Keeps `store` equal to the tokens file while the server runs: a new token
 * works, and a revoked one stops working, within one interval, without a
 * restart. A file that cannot be read or parsed leaves no token but the kept
 * ones (fail closed) until it is fixed.
 *
 * @example
 * const follower = await followTokenFile(store, "config/server-tokens.json", { intervalMs: 2000 });
 * // … later
 * follower.stop();
 */
export async function followTokenFile(
  store: TokenStore,
  path: string,
  options: FollowOptions = {},
): Promise<{ stop(): void; check(): Promise<void> }> {
  const signature = async () => {
    try {
      const s = await Deno.stat(path);
      return `${s.mtime?.getTime()}:${s.size}:${s.ino}`;
    } catch (e) {
      return e instanceof Deno.errors.NotFound ? "missing" : `error:${(e as Error).message}`;
    }
  };
  let seen = await signature();
  let busy = false;
  const check = async () => {
    if (busy) return;
    busy = true;
    try {
      const now = await signature();
      if (now === seen) return;
      seen = now;
      let loaded: StoredToken[] = [];
      try {
        loaded = await readTokenFile(path);
      } catch (e) {
        options.onReload?.({ error: (e as Error).message });
      }
      store.tokens.splice(0, store.tokens.length, ...loaded, ...(options.keep ?? []));
      options.onReload?.({ active: store.tokens.filter((t) => !t.revoked).length });
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void check(), options.intervalMs ?? 2000);
  Deno.unrefTimer(timer);
  return { stop: () => clearInterval(timer), check };
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
    tokenHash: t.sha256,
  };
}

/** Session lifetimes. */
export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

/** Sessions one principal (a token, a company sign-in) may hold at once: the oldest goes past it. */
export const MAX_SESSIONS_PER_PRINCIPAL = 20;
/** Sessions the server holds at once. */
export const MAX_SESSIONS = 10_000;

/** Browser sessions, in memory. */
export class SessionStore {
  #sessions = new Map<string, { principal: Principal; created: number; seen: number }>();

  constructor(readonly policy: SessionPolicy, readonly now: () => number = Date.now) {}

  /**
   * Opens a session and returns its id (the cookie's value). A principal keeps at most
   * {@link MAX_SESSIONS_PER_PRINCIPAL} sessions and the store {@link MAX_SESSIONS}: past either, the oldest goes (a
   * valid token signing in forty thousand times held forty thousand sessions, and slowed every sign-in).
   */
  open(principal: Principal): string {
    const id = [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");
    const t = this.now();
    // Sessions nobody comes back to are dropped here, so the map stays bounded by the live ones.
    if (this.#sessions.size >= 1000) {
      for (const [k, s] of this.#sessions) {
        if (t - s.seen > this.policy.idleMs || t - s.created > this.policy.absoluteMs) this.#sessions.delete(k);
      }
    }
    // The map keeps the order sessions were opened in: the first found are the oldest.
    let own = 0;
    for (const s of this.#sessions.values()) if (s.principal.name === principal.name) own++;
    for (const [k, s] of this.#sessions) {
      if (own < MAX_SESSIONS_PER_PRINCIPAL) break;
      if (s.principal.name === principal.name) {
        this.#sessions.delete(k);
        own--;
      }
    }
    while (this.#sessions.size >= MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value!);
    this.#sessions.set(id, { principal: { ...principal, via: "session" }, created: t, seen: t });
    return id;
  }

  /** How many sessions are open (for tests and the health of the store). */
  get size(): number {
    return this.#sessions.size;
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

/**
 * Failed attempts per client (sign-in by IP address): past `maxFailures` in a
 * window, the client waits for the window's end, whatever it presents.
 */
export class FailureLimiter {
  #windows = new Map<string, { start: number; count: number }>();

  constructor(readonly maxFailures: number, readonly windowMs: number, readonly now: () => number = Date.now) {}

  /**
   * Seconds the client must wait before trying again, or 0.
   *
   * @example
   * if (limiter.retryAfter(ip)) return tooMany();
   */
  retryAfter(key: string): number {
    const w = this.#windows.get(key);
    const t = this.now();
    if (!w || t - w.start >= this.windowMs) return 0;
    return w.count >= this.maxFailures ? Math.max(1, Math.ceil((w.start + this.windowMs - t) / 1000)) : 0;
  }

  /** Counts one failure. */
  fail(key: string): void {
    const t = this.now();
    // Bounded: a flood of addresses cannot grow the map without end.
    if (this.#windows.size > 10_000) {
      for (const [k, w] of this.#windows) if (t - w.start >= this.windowMs) this.#windows.delete(k);
    }
    const w = this.#windows.get(key);
    if (!w || t - w.start >= this.windowMs) this.#windows.set(key, { start: t, count: 1 });
    else w.count++;
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
