/** Who the client is on the network, for per-client limits. */
import type { Context } from "hono";

/**
 * The client's address: the socket's peer under Deno.serve, the source IP API Gateway
 * reports under Lambda, or, behind a proxy that sets it (`trustProxy`), the last
 * X-Forwarded-For hop, the one the proxy itself added.
 *
 * @example
 * limiter.fail(clientAddress(c, false));
 */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const hops = (c.req.header("x-forwarded-for") ?? "").split(",").map((h) => h.trim()).filter(Boolean);
    if (hops.length) return hops[hops.length - 1];
  }
  const env = c.env as {
    remoteAddr?: { hostname?: string };
    event?: { requestContext?: { identity?: { sourceIp?: string }; http?: { sourceIp?: string } } };
  } | undefined;
  return env?.remoteAddr?.hostname ?? env?.event?.requestContext?.http?.sourceIp ??
    env?.event?.requestContext?.identity?.sourceIp ?? "unknown";
}
