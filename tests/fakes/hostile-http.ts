/**
 * Hostile HTTP servers on 127.0.0.1:0, built on raw TCP where an HTTP
 * framework would be too polite: one that accepts and never answers, one
 * that sends headers and stops mid-body, one that trickles a byte at a time
 * forever, one whose body never ends, and a bystander that only counts who
 * calls it (the "other origin" a hostile link points to).
 */

/** A running hostile server. */
export interface HostileServer {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  port: number;
  /** TCP connections accepted (raw servers) or requests answered (HTTP servers). */
  hits: number;
  /** Request heads received (raw servers: the bytes before the blank line, as text). */
  heads: string[];
  stop(): Promise<void>;
}

type Behaviour = "silent" | "stall-mid-body" | "trickle";

const enc = new TextEncoder();

/**
 * A raw TCP server:
 * - `silent`: accepts and never reads or writes;
 * - `stall-mid-body`: sends `200` headers announcing 1 MB and 20 bytes of JSON, then nothing;
 * - `trickle`: sends the same headers and then one byte every `intervalMs`, forever.
 */
export function startRawServer(behaviour: Behaviour, intervalMs = 50): HostileServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const timers = new Set<ReturnType<typeof setInterval>>();
  let stopped = false;
  const port = (listener.addr as Deno.NetAddr).port;
  const state: HostileServer = {
    origin: `http://127.0.0.1:${port}`,
    port,
    hits: 0,
    heads: [],
    stop: async () => {
      stopped = true;
      for (const t of timers) clearInterval(t);
      for (const c of conns) {
        try {
          c.close();
        } catch { /* already closed by the client */ }
      }
      listener.close();
      await accepting;
    },
  };
  const serve = async (conn: Deno.Conn) => {
    conns.add(conn);
    state.hits++;
    if (behaviour === "silent") return;
    const buf = new Uint8Array(16 * 1024);
    const n = await conn.read(buf).catch(() => null);
    if (n === null) return;
    state.heads.push(new TextDecoder().decode(buf.subarray(0, n)).split("\r\n\r\n")[0]);
    await conn.write(enc.encode(
      "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\n\r\n" +
        '{"users":[{"sourcedI',
    )).catch(() => {});
    if (behaviour === "trickle") {
      const timer = setInterval(() => {
        if (stopped) return;
        conn.write(enc.encode(" ")).catch(() => clearInterval(timer));
      }, intervalMs);
      timers.add(timer);
    }
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) serve(conn).catch(() => {});
    } catch { /* listener closed */ }
  })();
  return state;
}

/**
 * An HTTP server whose 200 answer is an endless JSON body (64 KiB chunks, no
 * Content-Length), or, with `declare`, one that announces that many bytes.
 */
export function startEndlessBodyServer(options: { declare?: number } = {}): HostileServer & { bytesSent: number } {
  const chunk = enc.encode(" ".repeat(64 * 1024));
  const state = { origin: "", port: 0, hits: 0, heads: [] as string[], bytesSent: 0, stop: () => Promise.resolve() };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    state.hits++;
    let first = true;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (first) {
          first = false;
          controller.enqueue(enc.encode('{"users":['));
          return;
        }
        state.bytesSent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (options.declare !== undefined) headers["content-length"] = String(options.declare);
    return new Response(body, { headers });
  });
  state.port = server.addr.port;
  state.origin = `http://127.0.0.1:${server.addr.port}`;
  state.stop = () => server.shutdown();
  return state;
}

/** A server on another port that answers every request with an empty page and remembers what it was sent. */
export function startBystander(): HostileServer & { authorizations: string[] } {
  const state = {
    origin: "",
    port: 0,
    hits: 0,
    heads: [] as string[],
    authorizations: [] as string[],
    stop: () => Promise.resolve(),
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    state.hits++;
    state.heads.push(`${req.method} ${new URL(req.url).pathname}`);
    state.authorizations.push(req.headers.get("authorization") ?? "");
    await req.body?.cancel();
    return Response.json({ users: [], orgs: [] });
  });
  state.port = server.addr.port;
  state.origin = `http://127.0.0.1:${server.addr.port}`;
  state.stop = () => server.shutdown();
  return state;
}
